"""A national-scale synthetic set of tidy staff answers, built directly with numpy (fast, seeded).

75 förbund × 500 staff respondents × 3 waves, each respondent in 1–3 municipalities of
3 regions, answering every scored staff item. Only for benchmarks: the committed sample
data come from ``samverkan synth``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from samverkan import instrument


def national_answers(n_forbund: int = 75, n_staff: int = 500, waves=("2016", "2019", "2022"),
                     seed: int = 7) -> pd.DataFrame:
    """Tidy answers (canonical columns plus ``strukturerad``) for a national benchmark."""
    rng = np.random.default_rng(seed)
    survey = instrument.survey("operativ")
    items = [i for i in survey.items if i.kind == "ordinal"] + [survey.item("strukturerad")]
    frames = []
    for f in range(n_forbund):
        for wave in waves:
            respondents = np.arange(n_staff)
            structured = rng.random(n_staff) < 0.35
            n_units = rng.choice([1, 2, 3], size=n_staff, p=[0.85, 0.12, 0.03])
            resp = np.repeat(respondents, n_units)
            unit = rng.integers(0, 9, size=resp.size)
            for item in items:
                k = len(item.labels)
                if item.id == "strukturerad":
                    value = np.where(structured, 1, 2)
                else:
                    latent = rng.normal(0.4 * structured, 1.0, n_staff)
                    value = np.clip(np.round(latent * 1.2 + k / 2 + 0.5), 1, k).astype(int)
                value = value.astype(float)
                value[rng.random(n_staff) < 0.04] = np.nan
                v = value[resp]
                frames.append(pd.DataFrame({
                    "forbund": f"f{f:02d}", "wave": wave, "survey": "operativ",
                    "respondent_id": resp.astype(str), "unit": "k" + (unit + 1).astype(str),
                    "region": "r" + (unit // 3 + 1).astype(str), "item": item.id,
                    "value": pd.array(np.where(np.isnan(v), pd.NA, v), dtype="Int64"),
                    "strukturerad": np.where(structured[resp], "ja", "nej"),
                }))
    data = pd.concat(frames, ignore_index=True)
    labels = {i.id: i.labels for i in items}
    data["label"] = [labels[i][v - 1] if v is not pd.NA else None for i, v in zip(data["item"], data["value"])]
    data["missing_reason"] = np.where(data["value"].isna(), "blank", None)
    return data.astype({c: "string" for c in data.columns if c != "value"})
