"""The specs of the synthetic sample (``data/sample/specs/<forbund>.yaml``): read, check, merge with defaults.

A spec holds the förbund (``id``, ``name``, ``seed``, ``regions``, ``mysam_groups``),
the file ``format`` and, per wave and survey, the sizes and *target distributions*:
a mapping answer → weight, where an answer is a label of the item or one of the
non-substantive answers ``vet ej``, ``ej aktuellt``, ``blank``. A wave's survey section
may name a ``base`` wave; what neither names comes from :data:`DEFAULTS`.
:mod:`samverkan.sample.generate` turns a spec into exports.

Examples
--------
>>> from samverkan.sample import spec
>>> gavleborg = spec.load_spec(spec.SPECS_DIR / "gavleborg.yaml")
>>> gavleborg["id"], list(gavleborg["waves"])
('gavleborg', ['2016', '2019'])
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .. import instrument
from ..instrument import Item, Survey
from . import SAMPLE_DIR, SPECS_DIR

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

#: Where :data:`DEFAULTS` are kept.
DEFAULTS_PATH = SAMPLE_DIR / "defaults.yaml"
#: Defaults for everything a wave's survey section leaves out (sections are replaced
#: wholesale; ``items`` item by item): survey → section. Weights are shares: plausible,
#: not calibrated. Read from ``data/sample/defaults.yaml``.
DEFAULTS: dict[str, dict[str, Any]] = yaml.safe_load(DEFAULTS_PATH.read_text(encoding="utf-8"))


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
    regions = unit_regions(spec, survey)
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


def unit_regions(spec: dict, survey: Survey) -> dict[str, list[str]]:
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


def spec_paths(specs_dir: str | Path | None = None) -> list[Path]:
    """Every förbund spec (``*.yaml``, sorted by name) in ``specs_dir`` (default ``data/sample/specs``).

    >>> [p.stem for p in spec_paths()][:2]
    ['alvdalsbygden', 'fjallmarken']
    """
    return sorted(Path(specs_dir or SPECS_DIR).glob("*.yaml"))
