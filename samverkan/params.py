"""Per-förbund params files (``params/<forbund>.yaml``): read, check and list them.

A params file names the förbund, the wave its report is about, the survey exports of
that wave (and optionally of an earlier wave to compare with), the regions with their
units (kommuner and Mysam groups) and the publishing and testing settings. Its keys
(:data:`PARAMS_KEYS`) are the papermill parameters of
``notebooks/forbund_report.ipynb``.

:func:`validate_params` lists **every** problem of a file at once — YAML syntax,
unknown or missing keys, wrong types, files that do not exist, and (``check_data``)
units in the data that are not in ``regions`` and data files that cannot be read —
so that a batch run stops before any Jupyter kernel starts. :func:`load_params`
returns the checked values with absolute paths, or raises :class:`DataError`.

Relative paths in a params file are relative to the params file's folder, wherever
the program runs from.

Examples
--------
>>> from samverkan.params import PARAMS_DIR, load_params, validate_params
>>> validate_params(PARAMS_DIR / "gavleborg.yaml")
[]
>>> params = load_params(PARAMS_DIR / "gavleborg.yaml")
>>> params.forbund, params.wave, params.baseline["wave"], params.min_n, params.p_adjust
('gavleborg', '2019', '2016', 5, 'holm')
>>> params.data["operativ"].is_absolute()
True
>>> params.regions["Gävle"]
['Gävle', 'Mysam Gävle']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from . import instrument
from .errors import DataError, Problem
from .instrument import FAST_SAFE_LOADER, did_you_mean, normalize_text, survey_names
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
    "min_n",
    "alpha",
    "p_adjust",
)
#: Keys a params file must have.
REQUIRED_KEYS: tuple[str, ...] = ("forbund", "name", "wave", "data", "regions")
#: Values of the optional keys when a params file leaves them out.
PARAMS_DEFAULTS: Mapping[str, Any] = MappingProxyType({"baseline": None, "min_n": 5, "alpha": 0.05, "p_adjust": "holm"})
#: Allowed ``p_adjust`` values (statsmodels' ``multipletests`` method names).
P_ADJUST_METHODS: tuple[str, ...] = ADJUST_METHODS
#: Keys of ``baseline``.
BASELINE_KEYS: tuple[str, ...] = ("wave", "data")
#: Surveys the report cannot do without (in ``data`` and ``baseline.data``).
REQUIRED_SURVEYS: tuple[str, ...] = ("operativ",)
#: Folder of the committed params files.
PARAMS_DIR = Path(__file__).resolve().parent.parent / "params"

#: Notebook parameters set by the report runner, never by a params file.
_RUNNER_KEYS = ("output_dir", "figures_dir")
_FORBUND_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_MAX_REASONS = 3


@dataclass(frozen=True)
class Params:
    """The checked contents of a params file; paths are absolute.

    The first fields are :data:`PARAMS_KEYS`, in that order.

    Attributes
    ----------
    forbund : str
        The förbund id (lower-case ascii; also the report's folder name).
    name : str
        The förbund's name, for headings.
    wave : str
        The wave the report is about.
    data : dict of str to pathlib.Path
        Survey name → export file of ``wave``.
    baseline : dict or None
        ``{"wave": str, "data": {survey: Path}}``: an earlier wave to compare with.
    regions : dict of str to list of str
        Region → units (kommuner and Mysam groups).
    min_n : int
        Smallest group published.
    alpha : float
        Significance level.
    p_adjust : str
        Correction for multiple testing: one of :data:`P_ADJUST_METHODS`.
    source : pathlib.Path or None
        The params file read (absolute).
    """

    forbund: str
    name: str
    wave: str
    data: dict[str, Path]
    baseline: dict[str, Any] | None
    regions: dict[str, list[str]]
    min_n: int
    alpha: float
    p_adjust: str
    source: Path | None = field(default=None, compare=False)

    def keys(self) -> tuple[str, ...]:
        """The params keys (:data:`PARAMS_KEYS`), so ``{k: getattr(p, k) for k in p.keys()}`` works."""
        return PARAMS_KEYS

    def parameters(self) -> dict[str, Any]:
        """The params as papermill parameters: plain dicts, lists and strings (paths as text).

        Returns
        -------
        dict
            One entry per key of :data:`PARAMS_KEYS`; JSON-serialisable.
        """
        values = {key: getattr(self, key) for key in PARAMS_KEYS}
        values["data"] = _path_texts(self.data)
        values["regions"] = {region: list(units) for region, units in self.regions.items()}
        if self.baseline is not None:
            values["baseline"] = {"wave": self.baseline["wave"], "data": _path_texts(self.baseline["data"])}
        return values


def _path_texts(files: Mapping[str, Path]) -> dict[str, str]:
    return {survey: str(path) for survey, path in files.items()}


# ------------------------------------------------------------------------ problems


@dataclass
class _Found:
    """Problems of one params file, with the line of every key path; and its data files' own problems."""

    file: str
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    data_problems: list[Problem] = field(default_factory=list)

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


# ----------------------------------------------------------------------------- YAML


def _key_lines(node: yaml.Node | None, found: _Found, prefix: str = "") -> None:
    """Record the line of every mapping key under ``node``, and each repeated key."""
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
        line = key_node.start_mark.line + 1
        if path in found.lines:
            twice = f"rad {found.lines[path]} och {line}"
            reason = f"nyckeln {key_node.value!r} står två gånger ({twice}); bara den sista gäller"
            found.add(path, key_node.value, reason, line=line)
        found.lines[path] = line
        _key_lines(value_node, found, path)


def _yaml_reason(error: yaml.YAMLError) -> str:
    """PyYAML's own words, with the line where the broken construct began."""
    what = getattr(error, "problem", None) or str(error)
    context, mark = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and mark is not None:
        return f"{what} ({context} som börjar på rad {mark.line + 1})"
    return f"{what} ({context})" if context else what


def _parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for key lines) and the contents of a YAML document.

    Parsed with libyaml where PyYAML has it (~10× faster); a document libyaml rejects
    is parsed again by the pure-Python loader, so syntax errors keep PyYAML's own
    wording and marks.
    """
    try:
        return yaml.compose(text, Loader=FAST_SAFE_LOADER), yaml.load(text, Loader=FAST_SAFE_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)


def _read_yaml(path: Path, found: _Found) -> tuple[bool, Any]:
    """Parse ``path``: ``(True, contents)``, or ``(False, None)`` with the problem recorded."""
    if not path.is_file():
        reason = "params-filen finns inte" if not path.exists() else "params-filen är en mapp, inte en fil"
        found.add(None, None, reason)
        return False, None
    try:
        text = path.read_text(encoding="utf-8")
        node, contents = _parse_yaml(text)
        _key_lines(node, found)
        return True, contents
    except UnicodeDecodeError as error:
        found.add(None, None, f"params-filen är inte utf-8 (byte {error.start})")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" (rad {line}, kolumn {mark.column + 1})" if mark is not None else ""
        found.add(None, None, f"YAML-syntaxfel{where}: {_yaml_reason(error)}", line=line)
    return False, None


# --------------------------------------------------------------------------- checks


def _check_keys(
    raw: Mapping, allowed: tuple[str, ...], required: tuple[str, ...], found: _Found, prefix: str = ""
) -> None:
    """Unknown keys (with a did-you-mean hint) and missing required keys of one mapping."""
    for key in raw:
        if key in allowed:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if not prefix and key in _RUNNER_KEYS:
            found.add(path, key, f"okänd nyckel {key!r}: den sätts av samverkan report, inte i params-filen")
        else:
            hint = _hint(key, allowed) or f"; tillåtna nycklar: {', '.join(allowed)}"
            found.add(path, key, f"okänd nyckel {key!r}{hint}")
    for key in required:
        if key not in raw:
            path = f"{prefix}.{key}" if prefix else key
            found.add(path, None, f"nyckeln {key!r} saknas")


def _check_forbund(value: Any, found: _Found) -> str | None:
    if isinstance(value, str) and _FORBUND_ID.fullmatch(value):
        return value
    rule = "ett id av gemena a–z, 0–9, _ och - (också rapportens mappnamn)"
    reason = f"forbund ska vara {rule}, inte {_describe(value)}"
    found.add("forbund", value, reason)
    return None


def _check_name(value: Any, found: _Found) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    found.add("name", value, f"name ska vara förbundets namn som text, inte {_describe(value)}")
    return None


def _check_wave(value: Any, key: str, found: _Found) -> str | None:
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


def _check_file(value: Any, key: str, folder: Path, found: _Found) -> Path | None:
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


def _check_data(value: Any, key: str, folder: Path, found: _Found) -> dict[str, Path]:
    """Survey → existing file; returns the good entries (possibly fewer than given)."""
    if not isinstance(value, Mapping) or not value:
        example = "operativ: ../data/<förbund>/<mätning>/operativ.csv"
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
        path = _check_file(text, where, folder, found)
        if path is not None:
            files[survey] = path
    for survey in REQUIRED_SURVEYS:
        if survey not in value:
            found.add(key, None, f"{key} saknar enkäten {survey!r}, som rapporten bygger på")
    return files


def _check_baseline(value: Any, wave: str | None, folder: Path, found: _Found) -> dict[str, Any] | None:
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


def _region_units(region: Any, units: Any, found: _Found) -> list[str]:
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


def _check_regions(value: Any, found: _Found) -> dict[str, list[str]] | None:
    """Region → units, no unit (compared as the loader does) in two regions."""
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


def _check_min_n(value: Any, found: _Found) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    found.add("min_n", value, f"min_n ska vara ett positivt heltal (t.ex. 5), inte {_describe(value)}")
    return None


def _check_alpha(value: Any, found: _Found) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    found.add("alpha", value, f"alpha ska vara ett tal mellan 0 och 1 (t.ex. 0.05), inte {_describe(value)}")
    return None


def _check_p_adjust(value: Any, found: _Found) -> str | None:
    if value in P_ADJUST_METHODS:
        return value
    allowed = ", ".join(P_ADJUST_METHODS)
    hint = _hint(value, P_ADJUST_METHODS) if isinstance(value, str) else ""
    found.add("p_adjust", value, f"p_adjust ska vara en av {allowed}, inte {_describe(value)}{hint}")
    return None


# ----------------------------------------------------------------------------- data


def _data_files(values: dict[str, Any]) -> list[tuple[str, str, Path, str | None]]:
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


def _check_units(key: str, path: Path, counts: Mapping[str, int], regions: dict[str, list[str]], found: _Found) -> None:
    """Every unit read (``counts``: unit → respondents) must be in ``regions`` (compared as the loader does)."""
    known = {normalize_text(u): u for units in regions.values() for u in units}
    for unit, n in counts.items():
        if normalize_text(unit) not in known:
            hint = _hint(unit, list(known.values()))
            found.add(key, unit, f"enheten {unit!r} i {path} ({n} svarande) finns inte i regions{hint}")


def _check_data_files(values: dict[str, Any], found: _Found) -> None:
    """Read every data file: its own problems, unreadable files, and units not in ``regions``."""
    for key, survey, path, wave in _data_files(values):
        try:
            result = read_export(path, survey=survey, forbund=values["forbund"], wave=wave, regions=None)
        except DataError as error:
            found.add(key, str(path), _unreadable(error, survey, path))
            continue
        except OSError as error:
            found.add(key, str(path), f"filen {path} kan inte läsas: {error.strerror or error}")
            continue
        found.data_problems.extend(result.problems)
        if values["regions"] is not None:
            _check_units(key, path, result.respondents_per_unit, values["regions"], found)


# ------------------------------------------------------------------------------ API


def _check_values(raw: Mapping, folder: Path, found: _Found) -> dict[str, Any]:
    """Check each key of a parsed params file; the checked values (``None`` where bad)."""
    _check_keys(raw, PARAMS_KEYS, REQUIRED_KEYS, found)
    given = {**PARAMS_DEFAULTS, **raw}
    values: dict[str, Any] = {
        "forbund": _check_forbund(given["forbund"], found) if "forbund" in raw else None,
        "name": _check_name(given["name"], found) if "name" in raw else None,
        "wave": _check_wave(given["wave"], "wave", found) if "wave" in raw else None,
        "data": _check_data(given["data"], "data", folder, found) if "data" in raw else {},
    }
    values["baseline"] = _check_baseline(given["baseline"], values["wave"], folder, found)
    values["regions"] = _check_regions(given["regions"], found) if "regions" in raw else None
    values["min_n"] = _check_min_n(given["min_n"], found)
    values["alpha"] = _check_alpha(given["alpha"], found)
    values["p_adjust"] = _check_p_adjust(given["p_adjust"], found)
    return values


def _in_order(found: _Found) -> list[Problem]:
    """The params file's problems by line (whole-file ones first), then the data files' own."""
    return sorted(found.problems, key=lambda p: p.row or 0) + found.data_problems


def _check(path: str | Path, check_data: bool) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The checked values of a params file (``None`` if it cannot be parsed) and every problem."""
    path = Path(path)
    found = _Found(file=str(path))
    parsed, raw = _read_yaml(path, found)
    if not parsed:
        return None, found.problems
    if not isinstance(raw, Mapping):
        what = "tom" if raw is None else f"{_describe(raw)}, inte en mappning"
        found.add(None, raw, f"params-filen ska vara en YAML-mappning (nyckel: värde), men är {what}")
        return None, found.problems
    values = _check_values(raw, path.resolve().parent, found)
    if check_data:
        _check_data_files(values, found)
    return values, _in_order(found)


def validate_params(path: str | Path, *, check_data: bool = True) -> list[Problem]:
    """List every problem of a params file, never stopping at the first.

    Parameters
    ----------
    path
        The params file (YAML). Relative paths inside it are relative to its folder.
    check_data
        Also read every data file (``data`` and ``baseline.data``): files that cannot
        be read as their survey, the files' own problems (as ``sv.load`` reports
        them), and units in the data that are not in ``regions``.

    Returns
    -------
    list of Problem
        Empty when the file is good. For a problem of the params file: ``file`` the
        params file as given, ``row`` the line of the key (``None`` for a missing key
        or a problem of the whole file), ``column`` the key path (``data.operativ``,
        ``baseline.wave``, ``regions.Gävle``), ``value`` the value given, ``reason``
        in Swedish. A data file's own problems name that file, row and column.

    Examples
    --------
    >>> from samverkan.params import PARAMS_DIR
    >>> validate_params(PARAMS_DIR / "fjallmarken.yaml", check_data=False)
    []
    """
    return _check(path, check_data)[1]


def load_params(path: str | Path, *, check_data: bool = True) -> Params:
    """Read and check a params file.

    Parameters
    ----------
    path
        The params file (YAML). Relative paths inside it are relative to its folder.
    check_data
        Also check the data files (see :func:`validate_params`).

    Returns
    -------
    Params
        The values, with defaults for the keys left out (:data:`PARAMS_DEFAULTS`),
        ``wave`` as text and every path absolute.

    Raises
    ------
    DataError
        Listing every problem of :func:`validate_params`.
    """
    values, problems = _check(path, check_data)
    if problems or values is None:
        raise DataError(problems)
    return Params(**values, source=Path(path).resolve())


def params_paths(folder: str | Path = "params") -> list[Path]:
    """The params files (``*.yaml``, ``*.yml``) of ``folder``, sorted by name.

    Parameters
    ----------
    folder
        A folder; a relative one is relative to the working directory.

    Returns
    -------
    list of pathlib.Path
        The files, as ``folder / name``.

    Raises
    ------
    FileNotFoundError
        If ``folder`` is not a folder.

    Examples
    --------
    >>> [p.stem for p in params_paths(PARAMS_DIR)][:3]
    ['alvdalsbygden', 'fjallmarken', 'gavleborg']
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"mappen {folder} med params-filer finns inte")
    return sorted((p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()), key=lambda p: p.name)


__all__ = [
    "BASELINE_KEYS",
    "P_ADJUST_METHODS",
    "PARAMS_DEFAULTS",
    "PARAMS_DIR",
    "PARAMS_KEYS",
    "Params",
    "REQUIRED_KEYS",
    "REQUIRED_SURVEYS",
    "load_params",
    "params_paths",
    "validate_params",
]
