"""Seeded synthetic survey exports: the sample data of ``data/sample/``.

Every file written here is **synthetic**: made up by a seeded random generator from a
spec (``data/sample/specs/<forbund>.yaml``), never collected from anyone. The spec of
``gavleborg`` is calibrated so that its baseline wave reproduces the figures printed in
FoU rapport 2017:1; the other förbund are fictional.

A spec holds the förbund (``id``, ``name``, ``seed``, ``regions``, ``mysam_groups``),
the file ``format`` and, per wave and survey, the sizes and *target distributions*:
a mapping answer → weight, where an answer is a label of the item or one of the
non-substantive answers ``vet ej``, ``ej aktuellt``, ``blank``. Weights are turned into
exact counts by largest-remainder rounding over the answering rows; weights that are
counts summing to the number of rows are reproduced exactly. Counts are reached by
construction (answers are handed out to respondents in a seeded order until each
count is filled), not by hoping a random draw lands on them.

Examples
--------
>>> from samverkan.sample import synth
>>> spec = synth.load_spec(synth.SPECS_DIR / "gavleborg.yaml")
>>> frames = synth.generate(spec, "2016")
>>> frames["operativ"].shape, frames["chefsgrupp"].shape
((817, 27), (54, 13))
>>> frames["operativ"]["respondent_id"].iloc[0]
'GVB16-0001'
"""

from __future__ import annotations

import copy
import csv
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .. import instrument, resources
from ..instrument import Item, Survey

SAMPLE_DIR = resources.SAMPLE_DIR
SPECS_DIR = SAMPLE_DIR / "specs"

#: Non-substantive answers of a target distribution → the cell written in the export.
MISSING_CELLS: dict[str, str] = {"vet ej": "Vet ej", "ej aktuellt": "Ej aktuellt", "blank": ""}
FORMAT_CHOICES: dict[str, tuple[str, ...]] = {
    "encoding": ("utf-8", "cp1252"),
    "delimiter": (",", ";"),
    "header": ("id", "text"),
    "ordinal": ("label", "code"),
}
FORMAT_DEFAULTS: dict[str, str] = {"encoding": "utf-8", "delimiter": ",", "header": "id", "ordinal": "label"}
SPEC_REQUIRED = ("id", "name", "seed", "id_prefix", "regions", "waves")
SPEC_OPTIONAL = ("mysam_groups", "format", "description")
SURVEY_KEYS = ("respondents", "units", "background", "items", "latent", "structured_higher", "comments")
UNIT_KEYS = ("rows", "rows_per_respondent", "rows_by_region", "unit_weights", "max_units", "cross_region")
ITEM_KEYS = ("level", "dist", "by_region", "per", "selected")
LATENT_KEYS = ("common", "structured", "region")
STRATUM_ITEM = "strukturerad"
MAX_ATTEMPTS = 200

COMMENT_TEXTS: dict[str, tuple[str, ...]] = {
    "operativ": (
        "Syntetisk kommentar: samverkan fungerar bra i vardagen.",
        "Syntetisk kommentar: svårt att hitta tid för gemensamma möten.",
        "Syntetisk kommentar: rutinerna behöver bli tydligare, särskilt vid överlämningar.",
        "Syntetisk kommentar: fler gemensamma utbildningar önskas.",
        "Syntetisk kommentar: brukarens röst behöver tas tillvara mer; det gäller alla parter.",
        "Syntetisk kommentar: teammötena ger mycket.",
        "Syntetisk kommentar: otydligt vem som har ansvaret för helheten.",
        "Syntetisk kommentar: inga övriga synpunkter.",
    ),
    "chefsgrupp": (
        "Syntetisk kommentar: chefsgruppen behöver tydligare uppdrag.",
        "Syntetisk kommentar: bra forum för att lösa gemensamma frågor.",
        "Syntetisk kommentar: svårt att delta på alla träffar, men de är viktiga.",
        "Syntetisk kommentar: mer förebyggande arbete önskas.",
    ),
}

#: Defaults for everything a wave's survey section leaves out (sections are replaced
#: wholesale; ``items`` item by item). Weights are shares: plausible, not calibrated.
DEFAULTS: dict[str, dict[str, Any]] = {
    "operativ": {
        "respondents": 150,
        "units": {"rows_per_respondent": 1.12, "max_units": 3, "cross_region": 0.0},
        "background": {
            "items": ["verksamhet", "yrke"],
            "joint": {
                "Arbetsförmedlingen": {"arbetsförmedlare": 12, "psykolog": 1, "annat yrke": 1},
                "Försäkringskassan": {"handläggare": 7, "annat yrke": 1},
                "primärvård": {"sjuksköterska": 7, "läkare": 4, "rehabkoordinator": 6, "kurator": 4,
                               "fysioterapeut": 2, "arbetsterapeut": 1, "psykolog": 1},
                "psykiatri": {"sjuksköterska": 3, "läkare": 1, "kurator": 2, "psykolog": 1, "arbetsterapeut": 1},
                "annan hälso- och sjukvård": {"sjuksköterska": 2, "fysioterapeut": 1, "kurator": 1},
                "socialtjänst": {"socialsekreterare": 16, "handläggare": 2, "arbetskonsulent": 1, "annat yrke": 2},
                "kommunal arbetsmarknadsverksamhet": {"arbetskonsulent": 7, "handläggare": 1, "annat yrke": 2},
                "annan kommunal verksamhet": {"handläggare": 1, "arbetskonsulent": 1, "annat yrke": 1},
                "annan verksamhet": {"annat yrke": 1},
            },
            "blank": 0.01,
        },
        "items": {
            "kontakt_malgrupp": {"dist": {"ja": 0.87, "nej": 0.11, "blank": 0.02}},
            "erfarenhet_samverkan": {"dist": {"ja": 0.91, "nej": 0.08, "blank": 0.01}},
            "strukturerad": {"dist": {"ja": 0.33, "nej": 0.66, "blank": 0.01}},
            "samverkar_en_part": {"level": "respondent", "dist": {
                "aldrig": 0.02, "sällan": 0.09, "ibland": 0.23, "ofta": 0.37, "för det mesta": 0.18,
                "alltid": 0.08, "blank": 0.03}},
            "samverkar_tva_parter": {"level": "respondent", "dist": {
                "aldrig": 0.06, "sällan": 0.23, "ibland": 0.31, "ofta": 0.29, "för det mesta": 0.06,
                "alltid": 0.02, "blank": 0.03}},
            "samverkar_tre_fler": {"level": "respondent", "dist": {
                "aldrig": 0.18, "sällan": 0.35, "ibland": 0.27, "ofta": 0.12, "för det mesta": 0.03,
                "alltid": 0.01, "blank": 0.04}},
            "nytta_individ": {"dist": {"ingen nytta": 0.01, "liten nytta": 0.03, "viss nytta": 0.14,
                                       "stor nytta": 0.80, "vet ej": 0.02}},
            "nytta_organisation": {"dist": {"ingen nytta": 0.01, "liten nytta": 0.04, "viss nytta": 0.17,
                                            "stor nytta": 0.75, "vet ej": 0.03}},
            "former_med_brukare": {"selected": {
                "flerpartsmöte med brukaren": 0.62, "SIP-möte": 0.57, "avstämningsmöte": 0.45,
                "gemensamt kartläggningsmöte": 0.25, "trepartssamtal": 0.27, "annan form med brukaren": 0.12}},
            "former_utan_brukare": {"selected": {
                "teammöte": 0.35, "nätverksmöte": 0.29, "handläggarmöte": 0.23, "konsultationsmöte": 0.11,
                "ärendedragning": 0.08, "annan form utan brukaren": 0.04}},
            "former_ovriga": {"selected": {
                "gemensam utbildning": 0.17, "gemensamt utvecklingsarbete": 0.11, "informationsmöte": 0.15,
                "studiebesök": 0.05, "annan övrig form": 0.04}},
            "lyssnar": {"dist": {"aldrig": 0.01, "sällan": 0.05, "ibland": 0.21, "ofta": 0.25,
                                 "för det mesta": 0.31, "alltid": 0.14, "vet ej": 0.02, "blank": 0.01}},
            "vet_tillfora": {"dist": {"aldrig": 0.02, "sällan": 0.09, "ibland": 0.29, "ofta": 0.27,
                                      "för det mesta": 0.20, "alltid": 0.10, "vet ej": 0.02, "blank": 0.01}},
            "brukare_tillvara": {"dist": {"inte alls": 0.03, "till liten del": 0.12, "delvis": 0.30,
                                          "till stor del": 0.31, "till mycket stor del": 0.15,
                                          "helt och hållet": 0.05, "vet ej": 0.03, "ej aktuellt": 0.01}},
            "rutiner_myndigheter": {"dist": {"inte alls": 0.05, "till liten del": 0.17, "delvis": 0.32,
                                             "till stor del": 0.27, "till mycket stor del": 0.10,
                                             "helt och hållet": 0.03, "vet ej": 0.04, "ej aktuellt": 0.01,
                                             "blank": 0.01}},
            "rutiner_aktorer": {"dist": {"inte alls": 0.07, "till liten del": 0.22, "delvis": 0.31,
                                         "till stor del": 0.22, "till mycket stor del": 0.08,
                                         "helt och hållet": 0.02, "vet ej": 0.06, "ej aktuellt": 0.01,
                                         "blank": 0.01}},
            "strukturer_myndigheter": {"dist": {"inte alls": 0.05, "till liten del": 0.18, "delvis": 0.31,
                                                "till stor del": 0.28, "till mycket stor del": 0.11,
                                                "helt och hållet": 0.03, "vet ej": 0.03, "blank": 0.01}},
            "strukturer_aktorer": {"dist": {"inte alls": 0.07, "till liten del": 0.22, "delvis": 0.31,
                                            "till stor del": 0.25, "till mycket stor del": 0.09,
                                            "helt och hållet": 0.02, "vet ej": 0.05, "blank": 0.01}},
            "synsatt": {"dist": {"inte alls": 0.02, "till liten del": 0.13, "delvis": 0.34,
                                 "till stor del": 0.29, "till mycket stor del": 0.16, "helt och hållet": 0.04,
                                 "vet ej": 0.02}},
            "arbetssatt": {"dist": {"inte alls": 0.03, "till liten del": 0.16, "delvis": 0.36,
                                    "till stor del": 0.25, "till mycket stor del": 0.14,
                                    "helt och hållet": 0.04, "vet ej": 0.02}},
        },
        "latent": {"common": 0.6, "structured": 0.8, "region": {}},
        "structured_higher": ["synsatt", "arbetssatt", "rutiner_myndigheter", "rutiner_aktorer"],
        "comments": 0.05,
    },
    "chefsgrupp": {
        "respondents": 20,
        "units": {"rows_per_respondent": 1.2, "max_units": 2, "cross_region": 0.0},
        "background": {
            "items": ["verksamhet", "chef_mandat"],
            "joint": {
                "Arbetsförmedlingen": {"ja": 7, "nej": 1}, "Försäkringskassan": {"ja": 6},
                "primärvård": {"ja": 6, "nej": 5}, "psykiatri": {"ja": 5, "nej": 1},
                "annan hälso- och sjukvård": {"ja": 2}, "socialtjänst": {"ja": 8, "nej": 2},
                "kommunal arbetsmarknadsverksamhet": {"ja": 5, "nej": 1},
                "annan kommunal verksamhet": {"ja": 2, "nej": 1}, "annan verksamhet": {"ja": 1},
            },
            "blank": 0.0,
        },
        "items": {
            "antal_traffar": {"dist": {"inga": 0.04, "1–2": 0.22, "3–4": 0.40, "5 eller fler": 0.30,
                                       "blank": 0.04}},
            "vikt_delta": {"level": "respondent", "dist": {
                "helt oviktigt": 0.01, "ganska oviktigt": 0.03, "varken viktigt eller oviktigt": 0.15,
                "ganska viktigt": 0.36, "mycket viktigt": 0.40, "blank": 0.05}},
            "lyssnar": {"dist": {"aldrig": 0.01, "sällan": 0.05, "ibland": 0.10, "ofta": 0.30,
                                 "för det mesta": 0.31, "alltid": 0.21, "blank": 0.02}},
            "vet_tillfora": {"dist": {"aldrig": 0.01, "sällan": 0.05, "ibland": 0.33, "ofta": 0.30,
                                      "för det mesta": 0.20, "alltid": 0.08, "blank": 0.03}},
            "rutiner_relationer": {"dist": {"inte alls": 0.05, "till liten del": 0.20, "delvis": 0.48,
                                            "till stor del": 0.18, "till mycket stor del": 0.06, "vet ej": 0.03}},
            "forebyggande": {"dist": {"inte alls": 0.10, "till liten del": 0.29, "delvis": 0.40,
                                      "till stor del": 0.13, "till mycket stor del": 0.03, "vet ej": 0.05}},
            "brukare_tillvara": {"dist": {"inte alls": 0.10, "till liten del": 0.30, "delvis": 0.40,
                                          "till stor del": 0.10, "till mycket stor del": 0.02, "vet ej": 0.08}},
        },
        "latent": {"common": 0.6, "structured": 0.0, "region": {}},
        "structured_higher": [],
        "comments": 0.05,
    },
}


# ------------------------------------------------------------------------- spec


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _check_mapping(value: Any, where: str) -> dict:
    if not isinstance(value, Mapping):
        raise _fail(where, f"must be a mapping, got {type(value).__name__} {value!r}")
    return dict(value)


def _check_keys(mapping: Mapping, allowed: Sequence[str], where: str, required: Sequence[str] = ()) -> None:
    for key in required:
        if key not in mapping:
            raise _fail(f"{where}.{key}", f"missing; required keys are {list(required)}")
    for key in mapping:
        if key not in allowed:
            raise _fail(f"{where}.{key}", f"unknown key; allowed keys are {list(allowed)}")


def _check_number(value: Any, where: str, low: float = 0.0, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or (
        high is not None and value > high
    ):
        bounds = f"≥ {low}" + (f" and ≤ {high}" if high is not None else "")
        raise _fail(where, f"must be a number {bounds}, got {value!r}")
    return float(value)


def _check_int(value: Any, where: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _fail(where, f"must be an integer ≥ {low}, got {value!r}")
    return value


def _check_regions(value: Any, where: str) -> dict[str, list[str]]:
    regions = _check_mapping(value, where)
    if not regions:
        raise _fail(where, "must name at least one region")
    seen: dict[str, str] = {}
    for region, units in regions.items():
        if not isinstance(units, list) or not units or not all(isinstance(u, str) and u for u in units):
            raise _fail(f"{where}.{region}", f"must be a non-empty list of names, got {units!r}")
        for unit in units:
            if any(sep in unit for sep in ",;"):
                raise _fail(f"{where}.{region}", f"name {unit!r} contains a separator (, or ;)")
            if unit in seen:
                raise _fail(f"{where}.{region}", f"{unit!r} is already in region {seen[unit]!r}")
            seen[unit] = region
    return {str(region): list(units) for region, units in regions.items()}


def _check_format(value: Any, where: str) -> dict[str, str]:
    fmt = {**FORMAT_DEFAULTS, **_check_mapping(value or {}, where)}
    _check_keys(fmt, tuple(FORMAT_CHOICES), where)
    for key, allowed in FORMAT_CHOICES.items():
        if fmt[key] not in allowed:
            raise _fail(f"{where}.{key}", f"{fmt[key]!r} is not allowed; expected one of {list(allowed)}")
    return fmt


def _check_dist(value: Any, item: Item, where: str) -> None:
    dist = _check_mapping(value, where)
    allowed = list(item.labels) + list(MISSING_CELLS)
    for answer, weight in dist.items():
        if answer not in allowed:
            raise _fail(f"{where}.{answer}", f"not an answer of {item.id}; expected one of {allowed}")
        _check_number(weight, f"{where}.{answer}")
    if sum(dist.values()) <= 0:
        raise _fail(where, "weights must not all be zero")


def _check_item(value: Any, item: Item, spec: dict, where: str) -> None:
    entry = _check_mapping(value, where)
    _check_keys(entry, ITEM_KEYS, where)
    if item.kind == "multiselect":
        _check_keys(entry, ("selected", "per"), where, required=("selected",))
        per = _check_int(entry["per"], f"{where}.per", 1) if "per" in entry else 1
        for option, count in _check_mapping(entry["selected"], f"{where}.selected").items():
            if option not in item.labels:
                expected = f"not an option of {item.id}; expected one of {list(item.labels)}"
                raise _fail(f"{where}.selected.{option}", expected)
            _check_number(count, f"{where}.selected.{option}", 0, per)
        return
    if item.kind not in ("ordinal", "nominal"):
        raise _fail(where, f"{item.id} is a {item.kind} item and takes no target distribution")
    if ("dist" in entry) == ("by_region" in entry):
        raise _fail(where, "give exactly one of 'dist' and 'by_region'")
    level = entry.get("level", "respondent" if item.background else "unit")
    if level not in ("unit", "respondent") or (item.background and level != "respondent"):
        allowed = "background items are 'respondent', others 'unit' or 'respondent'"
        raise _fail(f"{where}.level", f"{level!r} is not allowed; {allowed}")
    if "dist" in entry:
        _check_dist(entry["dist"], item, f"{where}.dist")
        return
    by_region = _check_mapping(entry["by_region"], f"{where}.by_region")
    for region, dist in by_region.items():
        if region not in spec["regions"]:
            raise _fail(f"{where}.by_region.{region}", f"unknown region; expected one of {list(spec['regions'])}")
        _check_dist(dist, item, f"{where}.by_region.{region}")


def _check_units(units: dict, spec: dict, survey: Survey, where: str) -> None:
    _check_keys(units, UNIT_KEYS, where)
    if ("rows" in units) == ("rows_per_respondent" in units):
        raise _fail(where, "give exactly one of 'rows' (a count) and 'rows_per_respondent' (a ratio)")
    if "rows" in units:
        _check_int(units["rows"], f"{where}.rows", 1)
    else:
        _check_number(units["rows_per_respondent"], f"{where}.rows_per_respondent", 1.0)
    _check_int(units.get("max_units", 3), f"{where}.max_units", 1)
    _check_number(units.get("cross_region", 0.0), f"{where}.cross_region", 0.0, 1.0)
    regions = _unit_regions(spec, survey)
    for unit, weight in _check_mapping(units.get("unit_weights", {}), f"{where}.unit_weights").items():
        if not any(unit in members for members in regions.values()):
            raise _fail(f"{where}.unit_weights.{unit}", "unknown unit; it is in no region")
        _check_number(weight, f"{where}.unit_weights.{unit}")
    by_region = _check_mapping(units.get("rows_by_region", {}), f"{where}.rows_by_region")
    nested = by_region and all(isinstance(v, Mapping) for v in by_region.values())
    if nested and survey.name != "operativ":
        raise _fail(f"{where}.rows_by_region", "rows by strukturerad answer are for the operativ survey only")
    for stratum, mapping in (by_region.items() if nested else [("", by_region)]):
        for region, weight in mapping.items():
            key = f"{where}.rows_by_region{'.' + stratum if stratum else ''}.{region}"
            if region not in regions:
                raise _fail(key, f"unknown region; expected one of {list(regions)}")
            _check_number(weight, key)


def _check_background(background: dict, survey: Survey, where: str) -> None:
    _check_keys(background, ("items", "joint", "blank"), where, required=("items", "joint"))
    ids = background["items"]
    if not isinstance(ids, list) or len(ids) != 2:
        raise _fail(f"{where}.items", f"must be a list of two background item ids, got {ids!r}")
    first, second = (survey.item(i) if i in [x.id for x in survey.items] else None for i in ids)
    if first is None or second is None or first.kind != "nominal" or second.kind != "nominal":
        raise _fail(f"{where}.items", f"{ids!r} must be two nominal items of {survey.name}")
    for outer, inner in _check_mapping(background["joint"], f"{where}.joint").items():
        if outer not in first.labels:
            raise _fail(f"{where}.joint.{outer}", f"not a value of {first.id}; expected one of {list(first.labels)}")
        for label, weight in _check_mapping(inner, f"{where}.joint.{outer}").items():
            if label not in second.labels:
                expected = f"not a value of {second.id}; expected one of {list(second.labels)}"
                raise _fail(f"{where}.joint.{outer}.{label}", expected)
            _check_number(weight, f"{where}.joint.{outer}.{label}")
    _check_number(background.get("blank", 0.0), f"{where}.blank", 0.0, 1.0)


def _check_latent(latent: dict, spec: dict, where: str) -> None:
    _check_keys(latent, LATENT_KEYS, where)
    _check_number(latent.get("common", 0.6), f"{where}.common", 0.0, 0.99)
    _check_number(latent.get("structured", 0.0), f"{where}.structured", -5.0, 5.0)
    for region, shift in _check_mapping(latent.get("region", {}), f"{where}.region").items():
        if region not in spec["regions"]:
            raise _fail(f"{where}.region.{region}", f"unknown region; expected one of {list(spec['regions'])}")
        _check_number(shift, f"{where}.region.{region}", -5.0, 5.0)


def _check_survey(section: dict, spec: dict, survey: Survey, where: str) -> None:
    _check_keys(section, SURVEY_KEYS, where)
    _check_int(section["respondents"], f"{where}.respondents", 1)
    _check_units(_check_mapping(section["units"], f"{where}.units"), spec, survey, f"{where}.units")
    _check_background(_check_mapping(section["background"], f"{where}.background"), survey, f"{where}.background")
    _check_latent(_check_mapping(section["latent"], f"{where}.latent"), spec, f"{where}.latent")
    _check_number(section["comments"], f"{where}.comments", 0.0, 1.0)
    ids = {i.id: i for i in survey.items}
    for item_id, entry in _check_mapping(section["items"], f"{where}.items").items():
        if item_id not in ids:
            raise _fail(f"{where}.items.{item_id}", f"unknown item of {survey.name}; known items: {list(ids)}")
        if item_id in section["background"]["items"]:
            raise _fail(f"{where}.items.{item_id}", "is drawn from background.joint; remove it here")
        _check_item(entry, ids[item_id], spec, f"{where}.items.{item_id}")
    for item_id in section["structured_higher"]:
        if item_id not in ids or ids[item_id].kind != "ordinal" or survey.name != "operativ":
            raise _fail(f"{where}.structured_higher", f"{item_id!r} is not an ordinal item of the operativ survey")
    if section["units"].get("cross_region", 0) and any("by_region" in e for e in section["items"].values()):
        raise _fail(f"{where}.units.cross_region", "must be 0 when an item has targets by_region")


def _unit_regions(spec: dict, survey: Survey) -> dict[str, list[str]]:
    """Region → units (kommuner for operativ, Mysam groups for chefsgrupp)."""
    if survey.unit_item == "mysam_grupp":
        if "mysam_groups" not in spec:
            raise _fail(f"spec {spec.get('id')!r}.mysam_groups", "missing; required for the chefsgrupp survey")
        return spec["mysam_groups"]
    return spec["regions"]


def _merge_survey(base: dict, override: dict) -> dict:
    """``override`` on top of ``base``: sections replaced wholesale, ``items`` item by item."""
    merged = copy.deepcopy(base)
    for key, value in copy.deepcopy(override).items():
        if key == "items" and isinstance(value, Mapping):
            merged["items"] = {**merged.get("items", {}), **value}
        else:
            merged[key] = value
    return merged


def wave_survey_spec(spec: dict, wave: str, survey: str) -> dict:
    """The full spec of one survey of one wave: defaults, then the ``base`` wave, then the wave.

    Sections (``units``, ``background``, ``latent``, …) replace those below them
    wholesale; ``items`` replace them item by item.

    Returns
    -------
    dict
        ``respondents, units, background, items, latent, structured_higher, comments``.

    Raises
    ------
    ValueError
        If the wave or the survey is not in the spec, or a ``base`` wave is unknown.
    """
    waves = spec["waves"]
    if wave not in waves:
        raise _fail(f"spec {spec['id']!r}.waves", f"no wave {wave!r}; waves: {list(waves)}")
    chain, current = [], wave
    while current is not None:
        if current not in waves or current in chain:
            raise _fail(f"spec {spec['id']!r}.waves.{chain[-1]}.base", f"unknown or circular base wave {current!r}")
        chain.append(current)
        current = waves[current].get("base")
    if survey not in waves[wave]:
        raise _fail(f"spec {spec['id']!r}.waves.{wave}", f"no survey {survey!r}")
    merged = copy.deepcopy(DEFAULTS[survey])
    for name in reversed(chain):
        merged = _merge_survey(merged, waves[name].get(survey, {}))
    return merged


def _check_waves(spec: dict, where: str) -> dict[str, dict]:
    waves = {str(k): v for k, v in _check_mapping(spec["waves"], where).items()}
    if not waves:
        raise _fail(where, "must name at least one wave")
    for wave, entry in waves.items():
        entry = _check_mapping(entry, f"{where}.{wave}")
        _check_keys(entry, ("base", *instrument.survey_names()), f"{where}.{wave}")
        if "base" in entry:
            entry["base"] = str(entry["base"])
        waves[wave] = entry
    return waves


def validate_spec(spec: Mapping, where: str = "spec") -> dict:
    """Check a förbund spec and return it normalised (wave keys as strings, format filled in).

    Parameters
    ----------
    spec
        The spec as read from YAML (see ``data/sample/specs/`` and :func:`load_spec`).
    where
        Name of the spec in error messages (``load_spec`` passes the file name).

    Returns
    -------
    dict
        A checked deep copy of ``spec``.

    Raises
    ------
    ValueError
        Naming the bad key (``spec.waves.2016.operativ.items.lyssnar.dist.ofte: …``)
        and the allowed keys or values.
    """
    spec = copy.deepcopy(_check_mapping(spec, where))
    _check_keys(spec, SPEC_REQUIRED + SPEC_OPTIONAL, where, required=SPEC_REQUIRED)
    if not isinstance(spec["id"], str) or not re.fullmatch(r"[a-z][a-z0-9_]*", spec["id"]):
        raise _fail(f"{where}.id", f"must be lower-case ascii letters, digits or _, got {spec['id']!r}")
    if not isinstance(spec["name"], str) or not spec["name"]:
        raise _fail(f"{where}.name", f"must be a non-empty string, got {spec['name']!r}")
    if not isinstance(spec["id_prefix"], str) or not re.fullmatch(r"[A-Z]{2,5}", spec["id_prefix"]):
        raise _fail(f"{where}.id_prefix", f"must be 2–5 capital ascii letters, got {spec['id_prefix']!r}")
    _check_int(spec["seed"], f"{where}.seed")
    spec["regions"] = _check_regions(spec["regions"], f"{where}.regions")
    if "mysam_groups" in spec:
        spec["mysam_groups"] = _check_regions(spec["mysam_groups"], f"{where}.mysam_groups")
        unknown = [r for r in spec["mysam_groups"] if r not in spec["regions"]]
        if unknown:
            expected = f"unknown region; expected one of {list(spec['regions'])}"
            raise _fail(f"{where}.mysam_groups.{unknown[0]}", expected)
    spec["format"] = _check_format(spec.get("format"), f"{where}.format")
    spec["waves"] = _check_waves(spec, f"{where}.waves")
    for wave, entry in spec["waves"].items():
        for name in (s for s in instrument.survey_names() if s in entry):
            section = wave_survey_spec(spec, wave, name)
            _check_survey(section, spec, instrument.survey(name), f"{where}.waves.{wave}.{name}")
    return spec


def load_spec(path: str | Path) -> dict:
    """Read and check the spec of one förbund (``data/sample/specs/<id>.yaml``).

    Parameters
    ----------
    path
        The spec file (YAML).

    Returns
    -------
    dict
        The spec: ``id, name, seed, id_prefix, regions, mysam_groups, format, waves``
        (wave keys as strings; ``format`` with every key filled in).

    Raises
    ------
    ValueError
        If a key is missing, unknown or holds a bad value; the message names the key.
    """
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    return validate_spec(spec, where=path.name)


# ------------------------------------------------------------------- arithmetic


def _counts(weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Largest-remainder rounding of ``weights`` to counts summing to ``total``.

    >>> _counts({"a": 2, "b": 1}, 3)
    {'a': 2, 'b': 1}
    >>> _counts({"a": 0.5, "b": 0.5}, 3)
    {'a': 2, 'b': 1}
    >>> _counts({"a": 0}, 3)
    {'a': 3}
    """
    keys = list(weights)
    raw = np.array([float(weights[k]) for k in keys])
    if raw.sum() <= 0:
        raw = np.ones(len(keys))
    exact = raw / raw.sum() * total
    counts = np.floor(exact + 1e-9).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    for index in order[: total - int(counts.sum())]:
        counts[index] += 1
    return {k: int(c) for k, c in zip(keys, counts)}


class _Infeasible(Exception):
    """A quota cannot be filled exactly with the weights left."""


def _fill_quotas(order: Sequence[int], weight: np.ndarray, quotas: Sequence[tuple[str, int]]) -> dict[int, str]:
    """Hand out ``quotas`` (answer, rows) to respondents taken in ``order``.

    Each respondent counts ``weight[r]`` rows. A respondent too heavy for what is
    left of a quota waits for the next one. Raises :class:`_Infeasible` when a quota
    cannot be met exactly.
    """
    pending = list(order)
    given: dict[int, str] = {}
    for answer, quota in quotas:
        remaining = quota
        while remaining > 0:
            pick = next((j for j, r in enumerate(pending) if weight[r] <= remaining), None)
            if pick is None:
                raise _Infeasible(f"{answer}: {remaining} rows left, no respondent light enough")
            respondent = pending.pop(pick)
            given[respondent] = answer
            remaining -= int(weight[respondent])
    if pending:
        raise _Infeasible(f"{len(pending)} respondents left over")
    return given


# ------------------------------------------------------------------------ state


@dataclass
class _State:
    """One survey of one wave while it is being generated (one entry per respondent)."""

    survey: Survey
    spec: dict
    section: dict
    rng: np.random.Generator
    cells: dict[str, list[str]]
    units: list[tuple[str, ...]]
    common: np.ndarray
    skip: np.ndarray

    @property
    def n(self) -> int:
        return len(self.common)

    def asked(self, item: Item) -> np.ndarray:
        """Indices of the respondents who were put ``item`` (see ``asked_if``)."""
        keep = np.ones(self.n, dtype=bool)
        for condition, allowed in item.asked_if.items():
            keep &= np.array([cell in allowed for cell in self.cells[condition]])
        return np.flatnonzero(keep)

    def weight(self, level: str) -> np.ndarray:
        """Rows each respondent counts for: its number of units, or 1."""
        if level == "respondent":
            return np.ones(self.n, dtype=int)
        return np.array([len(u) for u in self.units])

    def region_of(self, respondent: int) -> str | None:
        """The respondent's region, ``None`` when its units lie in several regions."""
        regions = _unit_regions(self.spec, self.survey)
        found = {r for r, members in regions.items() for u in self.units[respondent] if u in members}
        return found.pop() if len(found) == 1 else None


def _wave_seed(spec: dict, wave: str, survey: str) -> list[int]:
    """Seed entropy for one survey of one wave, derived from the spec's seed."""
    return [int(spec["seed"]), zlib.crc32(wave.encode("utf-8")), zlib.crc32(survey.encode("utf-8"))]


# ------------------------------------------------------------------------ units


def _row_units(rows_by_region: Mapping[str, int], regions: dict[str, list[str]], weights: Mapping) -> list[list[str]]:
    """One single-unit list per row: each region's rows spread over its units."""
    rows: list[list[str]] = []
    for region, count in rows_by_region.items():
        per_unit = _counts({u: weights.get(u, 1.0) for u in regions[region]}, count)
        rows += [[unit] for unit, c in per_unit.items() for _ in range(c)]
    return rows


def _merge_rows(
    rows: list[list[str]], respondents: int, rng: np.random.Generator, units: dict, regions: dict
) -> list[tuple[str, ...]]:
    """Merge single-unit rows into ``respondents`` unit sets (respondents with several units)."""
    region_of = {u: r for r, members in regions.items() for u in members}
    sets = [list(r) for r in rows]
    rng.shuffle(sets)
    max_units, cross = int(units.get("max_units", 3)), float(units.get("cross_region", 0.0))
    for _ in range(len(sets) - respondents):
        for _attempt in range(MAX_ATTEMPTS):
            host = int(rng.integers(len(sets)))
            same_region = rng.random() >= cross
            partners = [
                j for j, s in enumerate(sets)
                if j != host and len(s) == 1 and s[0] not in sets[host] and len(sets[host]) < max_units
                and (region_of[s[0]] == region_of[sets[host][0]]) == same_region
            ]
            if partners and (len(sets[host]) == 1 or rng.random() < 0.25):
                partner = partners[int(rng.integers(len(partners)))]
                sets[host] = sets[host] + sets[partner]
                del sets[partner]
                break
        else:
            raise ValueError(f"cannot spread {len(rows)} unit rows over {respondents} respondents "
                             f"with at most {max_units} units each; check units.rows and rows_by_region")
    order = {u: i for i, u in enumerate(region_of)}
    return [tuple(sorted(s, key=order.__getitem__)) for s in sets]


def _stratum_rows(state: _State, members: dict[str, np.ndarray]) -> dict[str, dict[str, int]]:
    """Unit rows per stratum (strukturerad answer, or one stratum ``""``) and region."""
    units = state.section["units"]
    regions = _unit_regions(state.spec, state.survey)
    total = sum(len(m) for m in members.values())
    rows = units["rows"] if "rows" in units else int(round(total * units["rows_per_respondent"]))
    by_region = units.get("rows_by_region") or {
        r: sum(units.get("unit_weights", {}).get(u, 1.0) for u in regions[r]) for r in regions
    }
    nested = all(isinstance(v, Mapping) for v in by_region.values())
    if not nested:
        return {"": _counts(by_region, rows)}
    missing = [s for s in members if s not in by_region and len(members[s])]
    if missing:
        raise ValueError(f"units.rows_by_region has no rows for the {len(members[missing[0]])} "
                         f"respondents with strukturerad={missing[0]!r}; add rows_by_region.{missing[0]}")
    cells = {(s, r): w for s, mapping in by_region.items() for r, w in mapping.items()}
    counts = _counts({f"{s}\t{r}": w for (s, r), w in cells.items()}, rows)
    result: dict[str, dict[str, int]] = {}
    for key, count in counts.items():
        stratum, region = key.split("\t")
        result.setdefault(stratum, {})[region] = count
    return result


def _assign_units(state: _State, analysis: np.ndarray) -> None:
    """Give every respondent its unit set; the analysis population gets the calibrated rows."""
    units, rng = state.section["units"], state.rng
    regions = _unit_regions(state.spec, state.survey)
    weights = units.get("unit_weights", {})
    by_region = units.get("rows_by_region") or {}
    nested = bool(by_region) and all(isinstance(v, Mapping) for v in by_region.values())
    if nested:
        answers = np.array(state.cells[STRATUM_ITEM])[analysis]
        strata = dict.fromkeys([*by_region, "ja", "nej", "blank"])
        members = {s: analysis[answers == (s if s != "blank" else "")] for s in strata}
    else:
        members = {"": analysis}
    for stratum, rows_by_region in _stratum_rows(state, members).items():
        who = members.get(stratum, np.array([], dtype=int))
        rows = _row_units(rows_by_region, regions, weights)
        if len(rows) < len(who):
            raise ValueError(f"units: {len(rows)} unit rows for {len(who)} respondents (stratum {stratum!r})")
        sets = _merge_rows(rows, len(who), rng, units, regions)
        for respondent, unit_set in zip(rng.permutation(who), sets):
            state.units[int(respondent)] = unit_set
    _assign_other_units(state, np.setdiff1d(np.arange(state.n), analysis), regions, weights)


def _assign_other_units(state: _State, others: np.ndarray, regions: dict, weights: Mapping) -> None:
    """Units of respondents outside the analysis population: one, sometimes two in a region."""
    names = [u for members in regions.values() for u in members]
    p = np.array([float(weights.get(u, 1.0)) for u in names])
    for respondent in others:
        first = names[int(state.rng.choice(len(names), p=p / p.sum()))]
        region = next(r for r, members in regions.items() if first in members)
        extra = [u for u in regions[region] if u != first]
        chosen = [first]
        if extra and state.rng.random() < 0.08:
            chosen.append(extra[int(state.rng.integers(len(extra)))])
        state.units[int(respondent)] = tuple(u for u in names if u in chosen)


# ------------------------------------------------------------------------ items


def _latent(state: _State, who: np.ndarray) -> np.ndarray:
    """A respondent's propensity to answer high on an item: common factor + shifts + noise."""
    latent = state.section["latent"]
    loading = float(latent.get("common", 0.6))
    structured = np.array([state.cells.get(STRATUM_ITEM, [""] * state.n)[r] == "ja" for r in who])
    shifts = latent.get("region", {})
    region = np.array([shifts.get(state.region_of(int(r)), 0.0) for r in who])
    noise = state.rng.standard_normal(len(who))
    return (loading * state.common[who] + float(latent.get("structured", 0.0)) * structured + region
            + np.sqrt(1 - loading**2) * noise)


def _assign_group(state: _State, item: Item, who: np.ndarray, dist: Mapping, weight: np.ndarray) -> None:
    """Fill one population's exact counts of ``dist``: non-substantive first, then labels by latent.

    Non-substantive answers go first to respondents prone to skip questions (``skip``),
    so item non-response clusters in the same people, as it does in real surveys.
    """
    counts = _counts(dist, int(weight[who].sum()))
    missing = [(a, counts[a]) for a in MISSING_CELLS if counts.get(a)]
    labels = [(a, counts[a]) for a in item.labels if counts.get(a)]
    for attempt in range(MAX_ATTEMPTS):
        try:
            valid_total = sum(c for _, c in labels)
            skippers = who[np.argsort(-(state.skip[who] + 0.5 * state.rng.standard_normal(len(who))), kind="stable")]
            given = _fill_quotas(skippers, weight, [*missing, ("\0valid", valid_total)])
            valid = np.array([r for r in who if given[r] == "\0valid"], dtype=int)
            if item.kind == "ordinal":
                score = _latent(state, valid) + 0.05 * attempt * state.rng.standard_normal(len(valid))
                order = valid[np.argsort(score, kind="stable")]
            else:
                order = state.rng.permutation(valid)
            given.update(_fill_quotas(order, weight, labels))
            break
        except _Infeasible:
            continue
    else:
        raise ValueError(f"item {item.id}: the target counts cannot be met with these unit sets; "
                         "loosen the targets or the multi-unit rows")
    for respondent, answer in given.items():
        state.cells[item.id][int(respondent)] = MISSING_CELLS.get(answer, answer)


def _assign_item(state: _State, item: Item, entry: Mapping) -> None:
    """Answers of one ordinal or nominal item, for every respondent who was asked it."""
    who = state.asked(item)
    if not len(who):
        return
    level = entry.get("level", "respondent" if item.background else "unit")
    weight = state.weight(level)
    if "dist" in entry:
        _assign_group(state, item, who, entry["dist"], weight)
        return
    for region, dist in entry["by_region"].items():
        members = np.array([r for r in who if state.region_of(int(r)) == region], dtype=int)
        if len(members):
            _assign_group(state, item, members, dist, weight)
    left = [r for r in who if state.region_of(int(r)) not in entry["by_region"]]
    if left:
        raise ValueError(f"item {item.id}: by_region names no target for the region of {len(left)} respondents")


def _assign_multiselect(state: _State, item: Item, entry: Mapping) -> None:
    """Exact numbers of choosers per option; livelier collaborators choose more forms."""
    who = state.asked(item)
    if not len(who):
        return
    per = entry.get("per")
    lean = np.exp(0.5 * _latent(state, who))
    chosen: dict[int, list[str]] = {int(r): [] for r in who}
    for option in item.labels:
        share = float(entry["selected"].get(option, 0.0)) / (per if per else 1.0)
        count = min(len(who), int(np.floor(share * len(who) + 0.5)))
        for respondent in state.rng.choice(who, size=count, replace=False, p=lean / lean.sum()):
            chosen[int(respondent)].append(option)
    for respondent, options in chosen.items():
        state.cells[item.id][respondent] = ", ".join(options)


def _assign_background(state: _State, who: np.ndarray) -> None:
    """Two background items drawn together from ``background.joint`` (exact counts)."""
    background = state.section["background"]
    first, second = background["items"]
    joint = {f"{a}\t{b}": w for a, inner in background["joint"].items() for b, w in inner.items()}
    counts = _counts(joint, len(who))
    order = list(state.rng.permutation(who))
    for key, count in counts.items():
        a, b = key.split("\t")
        for respondent in order[:count]:
            state.cells[first][int(respondent)] = a
            state.cells[second][int(respondent)] = b
        order = order[count:]
    blank = float(background.get("blank", 0.0))
    for item_id in (first, second):
        for respondent in state.rng.choice(who, size=int(round(blank * len(who))), replace=False):
            state.cells[item_id][int(respondent)] = ""


# ------------------------------------------------------------ structured higher


def _kommun_gaps(state: _State, item: Item, kommun: str) -> tuple[float, float] | None:
    """Structured minus other staff in one municipality: (mean gap, share-high gap) over unit rows."""
    groups: dict[bool, list[int]] = {True: [], False: []}
    for r in range(state.n):
        label = state.cells[item.id][r]
        if kommun in state.units[r] and label in item.labels and state.cells[STRATUM_ITEM][r] in ("ja", "nej"):
            groups[state.cells[STRATUM_ITEM][r] == "ja"].append(item.labels.index(label) + 1)
    if not groups[True] or not groups[False]:
        return None
    high = {item.labels.index(label) + 1 for label in item.high}
    share = {g: np.mean([v in high for v in values]) for g, values in groups.items()}
    return float(np.mean(groups[True]) - np.mean(groups[False])), float(share[True] - share[False])


def _swap_once(state: _State, item: Item, kommun: str) -> bool:
    """Swap the answers of a low structured and a high other respondent, one of them in ``kommun``.

    Only respondents with as many units and in the same region are swapped, so the
    counts over unit rows, overall and per region, stay as they were. The structured
    respondent gains and the other loses, so no municipality's gap shrinks.
    """
    groups: dict[tuple[int, str | None], dict[bool, list[tuple[int, int, bool]]]] = {}
    for r in range(state.n):
        label, stratum = state.cells[item.id][r], state.cells[STRATUM_ITEM][r]
        if label in item.labels and stratum in ("ja", "nej"):
            entry = groups.setdefault((len(state.units[r]), state.region_of(r)), {True: [], False: []})
            entry[stratum == "ja"].append((item.labels.index(label) + 1, r, kommun in state.units[r]))
    best: tuple[int, int, int] | None = None
    for entry in groups.values():
        for low_here in (True, False):  # the structured one in kommun, or the other one
            lows = [x for x in entry[True] if x[2] or not low_here]
            highs = [x for x in entry[False] if x[2] or low_here]
            if lows and highs:
                low, high = min(lows), max(highs)
                if high[0] > low[0] and (best is None or high[0] - low[0] > best[0]):
                    best = (high[0] - low[0], low[1], high[1])
    if best is None:
        return False
    column = state.cells[item.id]
    column[best[1]], column[best[2]] = column[best[2]], column[best[1]]
    return True


def _structured_higher(state: _State) -> None:
    """Make structured staff answer higher (mean and share high) in every municipality.

    Swaps answers between structured and other respondents with as many units in the
    same region (see :func:`_swap_once`): the counts over unit rows, overall and per
    region, stay as they were.
    """
    kommuner = [u for members in state.spec["regions"].values() for u in members]
    for item_id in state.section["structured_higher"]:
        item = state.survey.item(item_id)
        for kommun in kommuner:
            for _ in range(state.n):
                gaps = _kommun_gaps(state, item, kommun)
                if gaps is None or (gaps[0] > 0 and gaps[1] > 0) or not _swap_once(state, item, kommun):
                    break


# --------------------------------------------------------------------- comments


def _assign_comments(state: _State) -> None:
    """About ``comments`` (a share) of the respondents write one short synthetic comment."""
    ids = state.survey.comment_ids
    texts = COMMENT_TEXTS[state.survey.name]
    count = int(round(float(state.section["comments"]) * state.n))
    for respondent in sorted(int(r) for r in state.rng.choice(state.n, size=count, replace=False)):
        field = ids[0] if state.rng.random() < 0.7 else ids[-1]
        structured = "strukturerad_kommentar" in ids and state.cells[STRATUM_ITEM][respondent] == "ja"
        if structured and state.rng.random() < 0.3:
            field = "strukturerad_kommentar"
        state.cells[field][respondent] = texts[int(state.rng.integers(len(texts)))]


# ------------------------------------------------------------------- generate


def _new_state(spec: dict, wave: str, survey: Survey) -> _State:
    section = wave_survey_spec(spec, wave, survey.name)
    rng = np.random.default_rng(_wave_seed(spec, wave, survey.name))
    n = int(section["respondents"])
    columns = [i.id for i in survey.items] + list(survey.comment_ids)
    return _State(
        survey=survey, spec=spec, section=section, rng=rng,
        cells={c: [""] * n for c in columns}, units=[()] * n, common=rng.standard_normal(n),
        skip=rng.standard_normal(n),
    )


def _analysis_population(state: _State) -> np.ndarray:
    """Respondents put the indicator questions (operativ: erfarenhet_samverkan = ja)."""
    return state.asked(state.survey.indicator_items[0])


def _generate_survey(spec: dict, wave: str, survey: Survey) -> pd.DataFrame:
    """One survey of one wave as a wide frame: ids as headers, labels as cells."""
    state = _new_state(spec, wave, survey)
    items = state.section["items"]
    joint = state.section["background"]["items"]
    for item in survey.items:
        if item.background and item.id in items:
            _assign_item(state, item, items[item.id])
    analysis = _analysis_population(state)
    _assign_background(state, analysis)
    _assign_background(state, np.setdiff1d(np.arange(state.n), analysis))
    _assign_units(state, analysis)
    for item in survey.items:
        if item.background or item.id in joint or item.id not in items:
            continue
        if item.kind == "multiselect":
            _assign_multiselect(state, item, items[item.id])
        else:
            _assign_item(state, item, items[item.id])
    _structured_higher(state)
    _assign_comments(state)
    return _to_frame(state, wave)


def _to_frame(state: _State, wave: str) -> pd.DataFrame:
    """Rows in a seeded order (as a survey tool lists responses), ids numbered in that order."""
    order = state.rng.permutation(state.n)
    prefix = f"{state.spec['id_prefix']}{wave[-2:]}-{'C' if state.survey.name == 'chefsgrupp' else ''}"
    state.cells["respondent_id"] = [""] * state.n
    for position, respondent in enumerate(order, start=1):
        state.cells["respondent_id"][int(respondent)] = f"{prefix}{position:04d}"
    state.cells[state.survey.unit_item] = [", ".join(u) for u in state.units]
    frame = pd.DataFrame({c: [values[int(r)] for r in order] for c, values in state.cells.items()})
    return frame.astype(str)


def generate(spec: dict, wave: str) -> dict[str, pd.DataFrame]:
    """Generate every survey of one wave of one förbund.

    Parameters
    ----------
    spec
        A förbund spec (see :func:`load_spec`; checked again here).
    wave
        A wave of the spec, e.g. ``"2016"``.

    Returns
    -------
    dict of str to pandas.DataFrame
        Survey name (``operativ``, ``chefsgrupp``) → wide export with string cells:
        one row per respondent; columns ``respondent_id``, every item of the survey in
        questionnaire order (the unit column ``kommun`` / ``mysam_grupp`` holds
        ``"Bollnäs, Söderhamn"`` for several units, multiselect cells the chosen options
        joined with ``", "``), then the comment columns. Cells are the Swedish labels of
        ``data/schema/instrument.yaml``, ``"Vet ej"`` / ``"Ej aktuellt"``, or ``""``
        (unanswered or not asked). Deterministic for a given spec seed.

    Raises
    ------
    ValueError
        If the spec is invalid, ``wave`` is not one of its waves, or its targets cannot
        be met (e.g. fewer unit rows than respondents).
    """
    spec = validate_spec(spec)
    wave = str(wave)
    if wave not in spec["waves"]:
        raise ValueError(f"wave={wave!r} is not a wave of {spec['id']!r}; expected one of {list(spec['waves'])}")
    return {
        name: _generate_survey(spec, wave, instrument.survey(name))
        for name in instrument.survey_names()
        if name in spec["waves"][wave]
    }


# ----------------------------------------------------------------------- write


def format_export(frame: pd.DataFrame, survey: str, fmt: Mapping[str, str]) -> pd.DataFrame:
    """Return ``frame`` as a survey tool of the given format would export it.

    Parameters
    ----------
    frame
        A wide frame from :func:`generate` (question ids as headers, labels as cells).
    survey
        ``"operativ"`` or ``"chefsgrupp"``.
    fmt
        The spec's ``format``: ``header`` ``"id"`` or ``"text"`` (the Swedish question
        wording), ``ordinal`` ``"label"`` or ``"code"`` (the 1-based step on the scale;
        non-substantive answers stay as words).

    Returns
    -------
    pandas.DataFrame
        The same rows with the headers and ordinal cells of the format.
    """
    spec = instrument.survey(survey)
    out = frame.copy()
    if fmt.get("ordinal", "label") == "code":
        for item in (i for i in spec.items if i.kind == "ordinal"):
            codes = {label: str(step) for step, label in enumerate(item.labels, start=1)}
            out[item.id] = out[item.id].map(lambda cell, codes=codes: codes.get(cell, cell))
    if fmt.get("header", "id") == "text":
        texts = {i.id: i.text for i in spec.items} | dict(spec.comments)
        out = out.rename(columns=texts)
    return out


def _write_csv(frame: pd.DataFrame, path: Path, fmt: Mapping[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=fmt["encoding"], newline="") as handle:
        writer = csv.writer(handle, delimiter=fmt["delimiter"], lineterminator="\n")
        writer.writerow(list(frame.columns))
        writer.writerows(frame.to_numpy().tolist())
    return path


def write_forbund(spec_path: str | Path, out_dir: str | Path) -> list[Path]:
    """Write every wave and survey of one förbund in the format of its spec.

    Parameters
    ----------
    spec_path
        The förbund's spec (see :func:`load_spec`).
    out_dir
        Folder under which ``<forbund_id>/<wave>/<survey>.csv`` is written (created if
        needed; existing files are overwritten). Files are written with the ``csv``
        module in the spec's encoding and delimiter, with ``\n`` line endings.

    Returns
    -------
    list of pathlib.Path
        ``out_dir/<forbund_id>/<wave>/<survey>.csv``, in wave and survey order.
    """
    spec = load_spec(spec_path)
    paths = []
    for wave in spec["waves"]:
        for survey, frame in generate(spec, wave).items():
            path = Path(out_dir) / spec["id"] / wave / f"{survey}.csv"
            paths.append(_write_csv(format_export(frame, survey, spec["format"]), path, spec["format"]))
    return paths


def spec_paths(specs_dir: str | Path | None = None) -> list[Path]:
    """Every förbund spec (``*.yaml``, sorted by name) in ``specs_dir`` (default ``data/sample/specs``).

    >>> [p.stem for p in spec_paths()][:2]
    ['alvdalsbygden', 'fjallmarken']
    """
    return sorted(Path(specs_dir or SPECS_DIR).glob("*.yaml"))


def write_all(out_dir: str | Path, specs_dir: str | Path | None = None) -> list[Path]:
    """Write the sample of every spec in ``specs_dir`` under ``out_dir`` (see :func:`write_forbund`).

    Parameters
    ----------
    out_dir
        Folder to write to; ``make sample`` writes to ``data/sample``.
    specs_dir
        Folder of spec files; default ``data/sample/specs/``.

    Returns
    -------
    list of pathlib.Path
        Every file written, förbund by förbund (specs sorted by file name).

    Raises
    ------
    ValueError
        If ``specs_dir`` holds no ``*.yaml`` spec, or a spec is invalid.
    """
    paths = spec_paths(specs_dir)
    if not paths:
        raise ValueError(f"no spec files (*.yaml) in {specs_dir or SPECS_DIR}")
    return [p for spec_path in paths for p in write_forbund(spec_path, out_dir)]


# ------------------------------------------------------------ fictional förbund

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
        A spec valid under :func:`validate_spec` (see :func:`load_spec` for the keys):
        1–7 made-up municipalities in 1–3 regions, a Mysam group for some of them (at
        least one per region), 60–400 staff and 8–40 manager respondents in one wave
        ``"2019"``, an export format drawn from those real exports come in. Other
        targets come from :data:`DEFAULTS`. Deterministic for ``(index, seed)``.

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
        f"# samverkan.sample.synth.write_fictional (förbund {index}, seed {seed}) för batch-benchmarken.",
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
        for survey, frame in generate(spec, FICTIONAL_WAVE).items():
            path = out_dir / "data" / spec["id"] / FICTIONAL_WAVE / f"{survey}.csv"
            _write_csv(format_export(frame, survey, spec["format"]), path, spec["format"])
        path = out_dir / "params" / f"{spec['id']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fictional_params_text(spec, index, seed), encoding="utf-8", newline="\n")
        params.append(path)
    return params
