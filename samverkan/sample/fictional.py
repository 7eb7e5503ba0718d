"""Fictional förbund on demand (``samverkan synth --fictional N``): made-up municipalities, synthetic answers.

Used by the batch benchmark and its tests; nothing here is calibrated to a real förbund.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .. import instrument
from .export import write_spec
from .spec import validate_spec

#: Default seed of :func:`write_fictional` and ``samverkan synth --fictional``.
FICTIONAL_SEED = 2026
#: The one wave of a fictional förbund.
FICTIONAL_WAVE = "2019"
#: First and second halves of made-up municipality names (no combination is one of
#: Sweden's 290 kommuner). Each förbund takes distinct first halves.
_PLACE_STEMS = ("Björk", "Gran", "Rönn", "Hassel", "Ask", "Lönn", "Sälg", "Tjärn", "Myr", "Kärr",
                "Näver", "Lav", "Hjort", "Orr", "Bäver", "Uggle", "Lod", "Flod", "Hägg", "Vide")
_PLACE_ENDINGS = ("by", "vik", "mo", "näs", "lund", "åsen", "torp", "holm", "heden", "berga",
                  "ryd", "hult", "kulla", "sand", "fors", "dal")
#: Region names by number of regions.
_REGION_NAMES = {1: ("Hela förbundet",), 2: ("Norra länsdelen", "Södra länsdelen"),
                 3: ("Norra länsdelen", "Mellersta länsdelen", "Södra länsdelen")}
#: Export formats of the fictional förbund and how often each occurs.
_FICTIONAL_FORMATS = (
    ({"encoding": "utf-8", "delimiter": ",", "header": "id", "ordinal": "label"}, 0.55),
    ({"encoding": "cp1252", "delimiter": ";", "header": "id", "ordinal": "label"}, 0.20),
    ({"encoding": "utf-8", "delimiter": ",", "header": "id", "ordinal": "code"}, 0.15),
    ({"encoding": "utf-8", "delimiter": ",", "header": "text", "ordinal": "label"}, 0.10),
)


def fictional_id(index: int) -> str:
    """The id of fictional förbund number ``index``: ``fiktiv07``.

    >>> fictional_id(7), fictional_id(123)
    ('fiktiv07', 'fiktiv123')
    """
    return f"fiktiv{index:02d}"


def _id_prefix(index: int) -> str:
    """``FK`` plus ``index`` in base 26 (three letters): respondent ids stay apart between förbund.

    >>> _id_prefix(0), _id_prefix(7), _id_prefix(75)
    ('FKAAA', 'FKAAH', 'FKACX')
    """
    letters = ""
    for _ in range(3):
        index, digit = divmod(index, 26)
        letters = chr(ord("A") + digit) + letters
    return f"FK{letters}"


def _fictional_places(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` made-up municipality names with distinct first halves (``Orr`` + ``ryd`` is ``Orryd``)."""
    stems = rng.choice(len(_PLACE_STEMS), size=count, replace=False)
    names = [_PLACE_STEMS[int(s)] + _PLACE_ENDINGS[int(rng.integers(len(_PLACE_ENDINGS)))] for s in stems]
    return [re.sub(r"(.)\1\1", r"\1\1", name) for name in names]


def _fictional_regions(rng: np.random.Generator, kommuner: list[str]) -> tuple[dict, dict]:
    """Regions (consecutive runs of ``kommuner``: one for 1–3 kommuner, two for 4–5, two or three for 6–7)
    and their Mysam groups.

    With two or three regions the first and last have at least two kommuner; every region has at
    least one Mysam group.
    """
    n_regions = 1 if len(kommuner) < 4 else int(rng.integers(2, min(3, len(kommuner) // 2) + 1))
    cuts = sorted(int(c) for c in rng.choice(np.arange(2, len(kommuner) - 1), size=n_regions - 1, replace=False)
                  ) if n_regions > 1 else []
    bounds = [0, *cuts, len(kommuner)]
    regions, groups = {}, {}
    for name, low, high in zip(_REGION_NAMES[n_regions], bounds, bounds[1:]):
        members = kommuner[low:high]
        regions[name] = members
        with_group = sorted(int(i) for i in rng.choice(len(members), size=int(rng.integers(1, len(members) + 1)),
                                                       replace=False))
        groups[name] = [f"Mysam {members[i]}" for i in with_group]
    return regions, groups


def _fictional_units(rng: np.random.Generator, regions: dict, weights: Mapping, max_ratio: float,
                     max_units: int) -> dict:
    """A ``units`` section whose multi-unit rows can always be formed.

    A respondent's units are distinct and in one region, so every merged row but one
    comes from outside the largest unit of its region: the rows to merge are kept
    below half of those rows.
    """
    total = sum(weights.get(u, 1) for members in regions.values() for u in members)
    minor = sum(sum(weights.get(u, 1) for u in members) - max(weights.get(u, 1) for u in members)
                for members in regions.values())
    if not minor:
        return {"rows_per_respondent": 1.0, "max_units": 1}
    bound = min(max_ratio, 1 / (1 - 0.5 * minor / total))
    return {"rows_per_respondent": round(float(rng.uniform(1.0, bound)), 2), "max_units": max_units}


def _fictional_staff(rng: np.random.Generator, regions: dict) -> dict:
    """The ``operativ`` section of a fictional förbund's one wave."""
    kommuner = [u for members in regions.values() for u in members]
    staff = int(np.clip(round(rng.normal(60 + 45 * len(kommuner), 40)), 60, 400))
    structured = round(float(rng.uniform(0.25, 0.45)), 2)
    weights = {k: int(rng.integers(1, 16)) for k in kommuner}
    units = {**_fictional_units(rng, regions, weights, 1.18, 3), "unit_weights": weights}
    shifts = {r: round(float(rng.normal(0, 0.2)), 2) for r in regions} if len(regions) > 1 else {}
    return {
        "respondents": staff,
        "units": units,
        "latent": {"common": 0.6, "structured": round(float(rng.uniform(0.4, 1.0)), 2), "region": shifts},
        "items": {"strukturerad": {"dist": {"ja": structured, "nej": round(0.99 - structured, 2), "blank": 0.01}}},
    }


def fictional_spec(index: int, seed: int = FICTIONAL_SEED) -> dict:
    """The spec of a small fictional förbund, made up from ``(index, seed)``.

    Parameters
    ----------
    index
        The förbund's number (≥ 0): id ``fiktiv07``, name ``"Fiktivt förbund 07"``.
    seed
        Seed of the whole set of fictional förbund; another seed gives other förbund.

    Returns
    -------
    dict
        A spec valid under :func:`samverkan.sample.spec.validate_spec` (see
        :func:`samverkan.sample.spec.load_spec` for the keys):
        1–7 made-up municipalities in 1–3 regions, a Mysam group for some of them (at
        least one per region), 60–400 staff and 8–40 manager respondents in one wave
        ``"2019"``, an export format drawn from those real exports come in. Other
        targets come from :data:`samverkan.sample.spec.DEFAULTS`. Deterministic for ``(index, seed)``.

    Raises
    ------
    ValueError
        If ``index`` or ``seed`` is not a non-negative integer.

    Examples
    --------
    >>> spec = fictional_spec(7, seed=2026)
    >>> spec["id"], spec["name"], list(spec["waves"])
    ('fiktiv07', 'Fiktivt förbund 07', ['2019'])
    >>> spec == fictional_spec(7, seed=2026)
    True
    """
    for name, value in (("index", index), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}={value!r} must be an integer ≥ 0")
    rng = np.random.default_rng([seed, index, zlib.crc32(b"fiktiv")])
    regions, groups = _fictional_regions(rng, _fictional_places(rng, int(rng.integers(1, 8))))
    staff = _fictional_staff(rng, regions)
    managers = int(np.clip(round(staff["respondents"] * rng.uniform(0.06, 0.12)), 8, 40))
    fmt = _FICTIONAL_FORMATS[int(rng.choice(len(_FICTIONAL_FORMATS), p=[w for _, w in _FICTIONAL_FORMATS]))][0]
    spec = {
        "id": fictional_id(index),
        "name": f"Fiktivt förbund {index:02d}",
        "description": "Fiktivt förbund med påhittade kommuner och syntetiska svar (batch-benchmark).",
        "seed": int(rng.integers(2**31)),
        "id_prefix": _id_prefix(index),
        "format": dict(fmt),
        "regions": regions,
        "mysam_groups": groups,
        "waves": {FICTIONAL_WAVE: {
            "operativ": staff,
            "chefsgrupp": {"respondents": managers, "units": _fictional_units(rng, groups, {}, 1.25, 2)},
        }},
    }
    return validate_spec(spec, where=f"fictional_spec({index}, seed={seed})")


def _yaml_flow(value: Any) -> str:
    """``value`` as one line of YAML (plain scalars where YAML allows them)."""
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6).strip().removesuffix(
        "\n...").strip()


def fictional_params_text(spec: Mapping, index: int, seed: int) -> str:
    """The params file of a fictional förbund (keys as in ``params/*.yaml``; data in ``../data/``).

    Regions list each region's kommuner and then its Mysam groups.
    """
    fid, wave = spec["id"], FICTIONAL_WAVE
    regions = {r: [*units, *spec["mysam_groups"].get(r, [])] for r, units in spec["regions"].items()}
    lines = [
        "# Params för förbundsrapporten (notebooks/forbund_report.ipynb, körs med papermill).",
        "# SYNTETISKA DATA: ett fiktivt förbund med påhittade kommuner och svar, skrivet av",
        f"# samverkan.sample.fictional.write_fictional (förbund {index}, seed {seed}) för batch-benchmarken.",
        "# Relativa sökvägar gäller från den här filens mapp (params/), var programmet än körs.",
        "",
        f"forbund: {fid}",
        f"name: {_yaml_flow(spec['name'])}",
        f'wave: "{wave}"',
        "",
        "data:",
        *(f"  {s}: ../data/{fid}/{wave}/{s}.csv" for s in instrument.survey_names() if s in spec["waves"][wave]),
        "",
        "baseline: null",
        "",
        "regions:                                # länsdel -> dess kommuner OCH dess Mysam-grupper",
        *(f"  {_yaml_flow(region)}: {_yaml_flow(units)}" for region, units in regions.items()),
        "",
        "columns: {}",
        "min_n: 5",
        "alpha: 0.05",
        "p_adjust: holm",
    ]
    return "\n".join(lines) + "\n"


def write_fictional(n: int, out_dir: str | Path, *, seed: int = FICTIONAL_SEED) -> list[Path]:
    """Write ``n`` fictional förbund, exports and params files, e.g. for a batch benchmark.

    Parameters
    ----------
    n
        Number of förbund (≥ 1): ``fiktiv01`` … (see :func:`fictional_spec`).
    out_dir
        Folder to write under (created if needed; existing files are overwritten):
        ``data/<id>/2019/{operativ,chefsgrupp}.csv`` in each förbund's export format
        and ``params/<id>.yaml``, whose data paths are relative to ``params/``.
    seed
        Seed of the set; the same ``n`` and ``seed`` give byte-identical files.

    Returns
    -------
    list of pathlib.Path
        The params files, ``out_dir/params/fiktiv01.yaml`` …, in förbund order. Each
        passes :func:`samverkan.params.validate_params` (data included).

    Raises
    ------
    ValueError
        If ``n`` is not a positive integer or ``seed`` not a non-negative one.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r} must be an integer ≥ 1 (the number of fictional förbund)")
    out_dir = Path(out_dir)
    params = []
    for index in range(1, n + 1):
        spec = fictional_spec(index, seed)
        write_spec(spec, out_dir / "data")
        path = out_dir / "params" / f"{spec['id']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fictional_params_text(spec, index, seed), encoding="utf-8", newline="\n")
        params.append(path)
    return params
