"""The rules of a params file: its keys, their defaults, and a check of each value.

:mod:`samverkan.params` reads the YAML and calls :func:`check_values`; every check
records its problems (file, line, key path, value, reason) instead of stopping at the
first. :func:`check_data_files` reads the data files once (with the ``columns``
mapping) and keeps what each holds, so that nothing reads them again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import instrument
from .errors import DataError, Problem
from .headers import IGNORE, parse_target
from .instrument import did_you_mean, normalize_text, survey_names
from .load import read_export
from .vocabulary import ADJUST_METHODS

#: Keys of a params file, in the order of the notebook's parameters cell.
PARAMS_KEYS: tuple[str, ...] = (
    "forbund",
    "name",
    "wave",
    "data",
    "baseline",
    "regions",
    "columns",
    "min_n",
    "alpha",
    "p_adjust",
)
#: Keys a params file must have.
REQUIRED_KEYS: tuple[str, ...] = ("forbund", "name", "wave", "data")
#: Values of the optional keys when a params file leaves them out.
PARAMS_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"baseline": None, "regions": None, "columns": {}, "min_n": 5, "alpha": 0.05, "p_adjust": "holm"})
#: Allowed ``p_adjust`` values (statsmodels' ``multipletests`` method names).
P_ADJUST_METHODS: tuple[str, ...] = ADJUST_METHODS
#: Keys of ``baseline``.
BASELINE_KEYS: tuple[str, ...] = ("wave", "data")

#: Notebook parameters set by the report runner, never by a params file.
RUNNER_KEYS = ("output_dir", "figures_dir")
_FORBUND_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_MAX_REASONS = 3


# ------------------------------------------------------------------------ problems


@dataclass
class Found:
    """Problems of one params file, with the line of every key path; and its data files' own problems."""

    file: str
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    data_problems: list[Problem] = field(default_factory=list)
    files: list["FileSummary"] = field(default_factory=list)

    def line(self, key: str | None) -> int | None:
        """The line of ``key`` (``data.operativ``), else of its nearest parent key."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return None

    def add(self, key: str | None, value: Any, reason: str, *, line: int | None = None) -> None:
        """Record a problem at key path ``key``."""
        where = self.line(key) if line is None else line
        self.problems.append(Problem(self.file, where, key, _show(value), reason))


def _show(value: Any) -> str | None:
    """``value`` as text for a problem table (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _describe(value: Any) -> str:
    """A value for a message, with its YAML type in Swedish: ``text 'fem'``, ``heltal 0``."""
    if value is None:
        return "ett tomt värde"
    if isinstance(value, bool):
        return f"sant/falskt ({str(value).lower()})"
    if isinstance(value, (str, date)):
        return f"{'text' if isinstance(value, str) else 'datum'} {_show(value)!r}"
    if isinstance(value, (int, float)):
        return f"{'heltal' if isinstance(value, int) else 'decimaltal'} {value!r}"
    if isinstance(value, Mapping):
        return "en mappning"
    if isinstance(value, list):
        return "en lista"
    return type(value).__name__


def _hint(text: Any, choices: list[str] | tuple[str, ...]) -> str:
    """``"; menade du 'x'?"`` for the closest of ``choices``, or ``""`` (:func:`samverkan.instrument.did_you_mean`)."""
    return did_you_mean(text, choices)



# ----------------------------------------------------------------------------- checks


def _check_keys(
    raw: Mapping, allowed: tuple[str, ...], required: tuple[str, ...], found: Found, prefix: str = ""
) -> None:
    """Unknown keys (with a did-you-mean hint) and missing required keys of one mapping."""
    for key in raw:
        if key in allowed:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if not prefix and key in RUNNER_KEYS:
            found.add(path, key, f"okänd nyckel {key!r}: den sätts av samverkan report, inte i params-filen")
        else:
            hint = _hint(key, allowed) or f"; tillåtna nycklar: {', '.join(allowed)}"
            found.add(path, key, f"okänd nyckel {key!r}{hint}")
    for key in required:
        if key not in raw:
            path = f"{prefix}.{key}" if prefix else key
            found.add(path, None, f"nyckeln {key!r} saknas")


def _check_forbund(value: Any, found: Found) -> str | None:
    if isinstance(value, str) and _FORBUND_ID.fullmatch(value):
        return value
    rule = "ett id av gemena a–z, 0–9, _ och - (också rapportens mappnamn)"
    reason = f"forbund ska vara {rule}, inte {_describe(value)}"
    found.add("forbund", value, reason)
    return None


def _check_name(value: Any, found: Found) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    found.add("name", value, f"name ska vara förbundets namn som text, inte {_describe(value)}")
    return None


def _check_wave(value: Any, key: str, found: Found) -> str | None:
    """A wave is text; a whole number (``2019``) is accepted and becomes ``"2019"``."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    found.add(key, value, f"{key} ska vara mätningens namn som text, t.ex. \"2019\", inte {_describe(value)}")
    return None


def _resolve(text: str, folder: Path) -> Path:
    path = Path(text).expanduser()
    return (path if path.is_absolute() else folder / path).resolve()


def _check_file(value: Any, key: str, folder: Path, found: Found) -> Path | None:
    """An existing file; a relative path is relative to ``folder`` (the params file's folder)."""
    if not isinstance(value, str) or not value.strip():
        found.add(key, value, f"{key} ska vara en sökväg till en fil, inte {_describe(value)}")
        return None
    path = _resolve(value, folder)
    if not path.exists():
        found.add(key, value, f"filen {value} finns inte (sökt som {path})")
    elif not path.is_file():
        found.add(key, value, f"{value} är en mapp, inte en fil (sökt som {path})")
    else:
        return path
    return None


def _check_data(value: Any, key: str, folder: Path, found: Found) -> dict[str, Path]:
    """Survey → existing file (``null``: the survey was not run); the good entries (possibly fewer than given)."""
    example = "operativ: ../data/<förbund>/<mätning>/operativ.csv"
    if not isinstance(value, Mapping) or not value:
        found.add(key, value, f"{key} ska vara en mappning enkät -> fil (t.ex. {example}), inte {_describe(value)}")
        return {}
    known = survey_names()
    files: dict[str, Path] = {}
    for survey, text in value.items():
        where = f"{key}.{survey}"
        if survey not in known:
            reason = f"okänd enkät {survey!r}{_hint(survey, known)}; kända enkäter: {', '.join(known)}"
            found.add(where, survey, reason)
            continue
        path = _check_file(text, where, folder, found) if text is not None else None
        if path is not None:
            files[survey] = path
    if all(text is None for text in value.values()):
        found.add(key, None, f"{key} ska ha en exportfil för minst en enkät (t.ex. {example})")
    return files


def _check_baseline(value: Any, wave: str | None, folder: Path, found: Found) -> dict[str, Any] | None:
    """``None``, or ``{"wave": str, "data": {survey: Path}}``."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        reason = f"baseline ska vara en mappning med wave och data (eller tomt), inte {_describe(value)}"
        found.add("baseline", value, reason)
        return None
    _check_keys(value, BASELINE_KEYS, BASELINE_KEYS, found, prefix="baseline")
    base_wave = _check_wave(value["wave"], "baseline.wave", found) if "wave" in value else None
    if base_wave is not None and base_wave == wave:
        found.add("baseline.wave", base_wave, f"baseline.wave ska vara en annan mätning än wave ({wave!r})")
    data = _check_data(value["data"], "baseline.data", folder, found) if "data" in value else {}
    return {"wave": base_wave, "data": data}


def _region_units(region: Any, units: Any, found: Found) -> list[str]:
    """The units of one region; a bad entry is a problem (a bare text still counts as one unit)."""
    key = f"regions.{region}"
    if not isinstance(region, str) or not region.strip():
        found.add(key, region, f"regionens namn ska vara text, inte {_describe(region)}")
    good = isinstance(units, list) and units and all(isinstance(u, str) and u.strip() for u in units)
    if good:
        return list(units)
    example = "[Gävle, Mysam Gävle]"
    found.add(key, units, f"regionen {region!r} ska ha en lista av enheter (t.ex. {example}), inte {_describe(units)}")
    if isinstance(units, str):
        return [units]
    return [u for u in units if isinstance(u, str)] if isinstance(units, list) else []


def _check_regions(value: Any, found: Found) -> dict[str, list[str]] | None:
    """Region → units, no unit (compared as the loader does) in two regions; ``None`` when left out."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or not value:
        what = "en mappning region -> lista av enheter (kommuner och Mysam-grupper)"
        reason = f"regions ska vara {what}, inte {_describe(value)}"
        found.add("regions", value, reason)
        return None
    regions: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for region, units in value.items():
        regions[str(region)] = _region_units(region, units, found)
        for unit in regions[str(region)]:
            other = first.setdefault(normalize_text(unit), str(region))
            if other != str(region):
                reason = f"enheten {unit!r} står i två regioner: {other!r} och {region!r}"
                found.add(f"regions.{region}", unit, reason)
    return regions


def _check_min_n(value: Any, found: Found) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    found.add("min_n", value, f"min_n ska vara ett positivt heltal (t.ex. 5), inte {_describe(value)}")
    return None


def _check_alpha(value: Any, found: Found) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    found.add("alpha", value, f"alpha ska vara ett tal mellan 0 och 1 (t.ex. 0.05), inte {_describe(value)}")
    return None


def _check_p_adjust(value: Any, found: Found) -> str | None:
    if value in P_ADJUST_METHODS:
        return value
    allowed = ", ".join(P_ADJUST_METHODS)
    hint = _hint(value, P_ADJUST_METHODS) if isinstance(value, str) else ""
    found.add("p_adjust", value, f"p_adjust ska vara en av {allowed}, inte {_describe(value)}{hint}")
    return None


# -------------------------------------------------------------------------- columns


def _column_entry(header: Any, target: Any, surveys: list[str], key: str, found: Found) -> list[str]:
    """The surveys in ``surveys`` whose ids the entry ``header: target`` names (a problem if none)."""
    if not isinstance(header, (str, int)) or not str(header).strip():
        found.add(key, header, f"en rubrik i columns ska vara text, inte {_describe(header)}")
        return []
    results = {s: parse_target(target, instrument.survey(s)) for s in surveys}
    good = [s for s, result in results.items() if not isinstance(result, str)]
    if not good:
        found.add(key, target, f"columns: {str(header)!r} -> {results[surveys[0]]}")
    return good


def check_columns(value: Any, found: Found) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], tuple[str, str]]]:
    """``columns`` as survey → {header: target}, and where each entry stands.

    The second value maps (survey, folded header) → (key path, header).

    An entry at the top applies to every survey whose questions it names; a section
    named after a survey (``operativ:``) applies to that survey only.
    """
    known = list(survey_names())
    per_survey: dict[str, dict[str, str]] = {s: {} for s in known}
    origin: dict[tuple[str, str], tuple[str, str]] = {}
    if value is None or value == {}:
        return {}, origin
    if not isinstance(value, Mapping):
        what = f"en mappning exportens rubrik -> fråge-id (eller {IGNORE})"
        found.add("columns", value, f"columns ska vara {what}, inte {_describe(value)}")
        return {}, origin
    entries = []  # (header, target, surveys it may apply to, key path)
    for header, target in value.items():
        key = f"columns.{header}"
        if not isinstance(target, Mapping):
            entries.append((header, target, known, key))
        elif header not in known:
            reason = f"okänd enkät {header!r}{_hint(header, known)}: en avdelning i columns heter som en enkät"
            found.add(key, header, reason)
        else:
            entries += [(name, inner, [header], f"{key}.{name}") for name, inner in target.items()]
    for header, target, surveys, key in entries:
        for survey in _column_entry(header, target, surveys, key, found):
            per_survey[survey][str(header)] = str(target)
            origin[survey, normalize_text(header)] = (key, str(header))
    return {s: m for s, m in per_survey.items() if m}, origin


def _check_unused_columns(origin: dict[tuple[str, str], tuple[str, str]], used: set[str], found: Found) -> None:
    """An entry of ``columns`` that no export has is named (a misspelt header would otherwise go unseen)."""
    for key, header in dict.fromkeys(origin.values()):
        if key not in used:
            found.add(key, header, f"kolumnen {header!r} i columns finns inte i någon av exportfilerna")


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class FileSummary:
    """What one data file of a params file holds (read once, while checking).

    Attributes
    ----------
    key : str
        The key path (``data.operativ``, ``baseline.data.chefsgrupp``).
    survey, wave : str
    path : pathlib.Path
    respondents : int
        Respondents with at least one kept answer.
    respondents_per_unit : dict
        Unit → respondents.
    ignored : tuple
        ``(column, reason, filled cells)`` of each column left out on purpose.
    """

    key: str
    survey: str
    wave: str | None
    path: Path
    respondents: int
    respondents_per_unit: dict[str, int]
    ignored: tuple[tuple[str, str, int], ...] = ()


def data_files(values: dict[str, Any]) -> list[tuple[str, str, Path, str | None]]:
    """``(key path, survey, file, wave)`` of every good data file, baseline included."""
    files = [(f"data.{s}", s, p, values["wave"]) for s, p in values["data"].items()]
    baseline = values["baseline"] or {}
    files += [(f"baseline.data.{s}", s, p, baseline.get("wave")) for s, p in baseline.get("data", {}).items()]
    return files


def _unreadable(error: DataError, survey: str, path: Path) -> str:
    """One message for a file the loader cannot read; the missing key columns first."""
    keys = {"respondent_id", instrument.survey(survey).unit_item}
    reasons = [p.reason for p in sorted(error.problems, key=lambda p: p.column not in keys)]
    shown = "; ".join(reasons[:_MAX_REASONS])
    more = f" (och {len(reasons) - _MAX_REASONS} problem till)" if len(reasons) > _MAX_REASONS else ""
    return f"filen {path} kan inte läsas som enkäten {survey}: {shown}{more}"


def _check_units(key: str, path: Path, counts: Mapping[str, int], regions: dict[str, list[str]], found: Found) -> None:
    """Every unit read (``counts``: unit → respondents) must be in ``regions`` (compared as the loader does)."""
    known = {normalize_text(u): u for units in regions.values() for u in units}
    for unit, n in counts.items():
        if normalize_text(unit) not in known:
            hint = _hint(unit, list(known.values()))
            found.add(key, unit, f"enheten {unit!r} i {path} ({n} svarande) finns inte i regions{hint}")


def _read_one(key: str, survey: str, path: Path, wave: str | None, values: dict[str, Any], found: Found):
    """:func:`samverkan.read_export` of one data file, or ``None`` with the reason recorded."""
    try:
        return read_export(path, survey=survey, forbund=values["forbund"], wave=wave, regions=None,
                           columns=values["columns"].get(survey))
    except DataError as error:
        found.add(key, str(path), _unreadable(error, survey, path))
    except OSError as error:
        found.add(key, str(path), f"filen {path} kan inte läsas: {error.strerror or error}")
    return None


def check_data_files(values: dict[str, Any], origin: dict[tuple[str, str], tuple[str, str]], found: Found) -> None:
    """Read every data file once: its own problems, unreadable files, units not in ``regions``, unused ``columns``."""
    used: set[str] = set()
    readable = True
    for key, survey, path, wave in data_files(values):
        result = _read_one(key, survey, path, wave, values, found)
        if result is None:
            readable = False
            continue
        found.data_problems.extend(result.problems)
        columns = result.layout.columns if result.layout is not None else []
        used |= {origin[survey, c.mapped][0] for c in columns if (survey, c.mapped) in origin}
        if values["regions"] is not None:
            _check_units(key, path, result.respondents_per_unit, values["regions"], found)
        ignored = tuple((column, reason, cells) for _, column, reason, cells in result.ignored_rows)
        found.files.append(FileSummary(key, survey, wave, path, result.respondents, result.respondents_per_unit,
                                       ignored))
    if readable:
        _check_unused_columns(origin, used, found)


# ------------------------------------------------------------------------ all keys


def check_values(raw: Mapping, folder: Path, found: Found) -> tuple[dict[str, Any], dict]:
    """Check each key of a parsed params file: the checked values (``None`` where bad) and the ``columns`` origins."""
    _check_keys(raw, PARAMS_KEYS, REQUIRED_KEYS, found)
    given = {**PARAMS_DEFAULTS, **raw}
    values: dict[str, Any] = {
        "forbund": _check_forbund(given["forbund"], found) if "forbund" in raw else None,
        "name": _check_name(given["name"], found) if "name" in raw else None,
        "wave": _check_wave(given["wave"], "wave", found) if "wave" in raw else None,
        "data": _check_data(given["data"], "data", folder, found) if "data" in raw else {},
    }
    values["baseline"] = _check_baseline(given["baseline"], values["wave"], folder, found)
    values["regions"] = _check_regions(given["regions"], found)
    values["columns"], origin = check_columns(given["columns"], found)
    values["min_n"] = _check_min_n(given["min_n"], found)
    values["alpha"] = _check_alpha(given["alpha"], found)
    values["p_adjust"] = _check_p_adjust(given["p_adjust"], found)
    return values, origin
