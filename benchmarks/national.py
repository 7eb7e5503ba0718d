"""A national-scale synthetic set of tidy staff answers, built directly with numpy (fast, seeded).

75 förbund × 500 staff respondents × 3 waves; each respondent works in 1–3 of the 3
municipalities of one of 3 regions (as in the sample, no respondent's municipalities lie in
two regions) and answers every indicator item and ``strukturerad``.
Only for benchmarks: the committed sample data come from ``samverkan synth``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from samverkan import instrument
from samverkan.tidy import canonical_dtypes

ITEMS = ["lyssnar", "vet_tillfora", "brukare_tillvara", "rutiner_myndigheter", "rutiner_aktorer",
         "strukturer_myndigheter", "strukturer_aktorer", "synsatt", "arbetssatt"]


def _respondent_table(rng: np.random.Generator, n_forbund: int, n_staff: int, waves) -> pd.DataFrame:
    rows = n_forbund * len(waves) * n_staff
    return pd.DataFrame({
        "forbund": np.repeat([f"f{f:02d}" for f in range(n_forbund)], len(waves) * n_staff),
        "wave": np.tile(np.repeat(list(waves), n_staff), n_forbund),
        "respondent_id": np.tile([f"p{i:04d}" for i in range(n_staff)], n_forbund * len(waves)),
        "structured": rng.random(rows) < 0.35,
        "n_units": rng.choice([1, 2, 3], size=rows, p=[0.85, 0.12, 0.03]),
        "tendency": rng.normal(0, 1, rows),
    })


def national_answers(n_forbund: int = 75, n_staff: int = 500, waves=("2016", "2019", "2022"),
                     seed: int = 7) -> pd.DataFrame:
    """Tidy answers in canonical form (categorical text columns) for a national benchmark."""
    rng = np.random.default_rng(seed)
    people = _respondent_table(rng, n_forbund, n_staff, waves)
    units = people.loc[people.index.repeat(people["n_units"])].reset_index(drop=True)
    home = rng.integers(0, 3, size=len(people))  # every unit of a respondent lies in the respondent's region
    units["unit"] = np.repeat(home, people["n_units"]) * 3 + rng.integers(0, 3, size=len(units))
    units = units.drop_duplicates(subset=["forbund", "wave", "respondent_id", "unit"]).reset_index(drop=True)
    per_person = {}
    for item_id in [*ITEMS, "strukturerad"]:
        steps = len(instrument.item(item_id).labels)
        if item_id == "strukturerad":
            value = np.where(people["structured"], 1, 2).astype(float)
        else:
            latent = people["tendency"] * 0.8 + 0.4 * people["structured"] + rng.normal(0, 0.7, len(people))
            value = np.clip(np.round(latent * 1.2 + steps / 2 + 0.5), 1, steps)
        value[rng.random(len(people)) < 0.04] = np.nan
        per_person[item_id] = value
    person_index = people.reset_index().merge(units[["forbund", "wave", "respondent_id"]],
                                              on=["forbund", "wave", "respondent_id"])["index"].to_numpy()
    frames = []
    for item_id, value in per_person.items():
        v = value[person_index]
        labels = np.array(instrument.item(item_id).labels, dtype=object)
        frames.append(pd.DataFrame({
            "forbund": units["forbund"], "wave": units["wave"], "survey": "operativ",
            "respondent_id": units["respondent_id"], "unit": "k" + (units["unit"] + 1).astype(str),
            "region": "r" + (units["unit"] // 3 + 1).astype(str), "item": item_id,
            "value": pd.array(np.where(np.isnan(v), np.nan, v), dtype="Float64").astype("Int64"),
            "label": np.where(np.isnan(v), None, labels[np.nan_to_num(v, nan=1).astype(int) - 1]),
            "missing_reason": np.where(np.isnan(v), "blank", None),
            "strukturerad": np.where(units["structured"], "ja", "nej"),
        }))
    return canonical_dtypes(pd.concat(frames, ignore_index=True), instrument.survey("operativ"))
