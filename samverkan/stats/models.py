"""Proportional-odds regression of one ordinal item on background variables (statsmodels)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from .. import instrument
from ..vocabulary import RESPONDENT_KEY, check_choice

MODEL_COLUMNS = ["item", "term", "coef", "se", "odds_ratio", "ci_low", "ci_high", "statistic", "pvalue", "n", "note"]


def _respondent_frame(answers: pd.DataFrame, item_id: str) -> pd.DataFrame:
    """One row per respondent: the item's value and the respondent's columns (first unit's unit/region)."""
    data = answers[(answers["item"] == item_id) & answers["value"].notna()]
    data = data.drop_duplicates(subset=RESPONDENT_KEY, keep="first")
    steps = list(range(1, len(instrument.item(item_id).labels) + 1))
    data = data.assign(value=pd.Categorical(data["value"].astype(int), categories=steps, ordered=True))
    strings = [c for c in data.columns if c != "value" and str(data[c].dtype) == "string"]
    return data.astype({c: "object" for c in strings}).reset_index(drop=True)


def ordinal_model(
    answers: pd.DataFrame,
    item: str,
    formula: str,
    *,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Proportional-odds (ordered logit) model of ``item`` on the terms of ``formula``.

    Each respondent counts once (for unit columns such as ``region`` the first unit's
    value is used). Fitted by statsmodels' ``OrderedModel`` (logit link, BFGS to
    ``gtol = 1e-8``), which matches R's ``MASS::polr`` (``tests/reference/``): both model
    ``logit P(Y <= j) = zeta_j - x'beta``, so an odds ratio above 1 means higher steps.

    Parameters
    ----------
    answers
        Tidy answers.
    item
        An ordinal item id, e.g. ``"synsatt"``.
    formula
        The right-hand side, in formula syntax, e.g. ``"C(strukturerad, Treatment('nej'))
        + verksamhet + region"``. No intercept: the thresholds take its place.
    confidence_level
        Of the Wald intervals of the odds ratios.

    Returns
    -------
    pandas.DataFrame
        One row per coefficient (thresholds left out): ``item, term, coef, se,
        odds_ratio, ci_low, ci_high`` (of the odds ratio), ``statistic`` (Wald z),
        ``pvalue, n`` (respondents), ``note`` (convergence).
    """
    check_choice("item kind", instrument.item(item).kind, ("ordinal",))
    if not isinstance(formula, str) or "~" in formula:
        raise ValueError(f"formula={formula!r} must be the right-hand side only, e.g. 'strukturerad + region'")
    data = _respondent_frame(answers, item)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = OrderedModel.from_formula(f"value ~ {formula}", data, distr="logit")
        fit = model.fit(method="bfgs", maxiter=2000, gtol=1e-8, disp=False)
    k = model.exog.shape[1]
    coef, se = fit.params.iloc[:k], fit.bse.iloc[:k]
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    table = pd.DataFrame({
        "item": item, "term": coef.index, "coef": coef.to_numpy(), "se": se.to_numpy(),
        "odds_ratio": np.exp(coef.to_numpy()), "ci_low": np.exp(coef - z * se).to_numpy(),
        "ci_high": np.exp(coef + z * se).to_numpy(), "statistic": (coef / se).to_numpy(),
        "pvalue": fit.pvalues.iloc[:k].to_numpy(), "n": int(model.nobs),
        "note": "" if fit.mle_retvals.get("converged", False) else "optimeringen konvergerade inte",
    })
    return table[MODEL_COLUMNS].astype({"item": "string", "term": "string", "note": "string"})
