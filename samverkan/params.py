"""Per-förbund params files (``params/<forbund>.yaml``): read and check them once, into a typed :class:`Params`.

A params file names the förbund, the wave its report is about, the survey exports of
that wave (and optionally of an earlier wave to compare with), optionally the regions
with their units (kommuner and Mysam groups) and a ``columns`` mapping for export
headers, and the publishing and testing settings. Its keys (:data:`PARAMS_KEYS`) are
the papermill parameters of ``notebooks/forbund_report.ipynb``; their rules are in
:mod:`samverkan.params_checks`.

:func:`check_params` reads a file once and lists **every** problem at once — YAML
syntax, unknown or missing keys, wrong types, files that do not exist, and (with
``check_data``) the data files' own problems, units that are not in ``regions`` and
``columns`` entries no export has — and returns the typed :class:`Params` with
absolute paths when there is none. The batch, its resume check and the publisher take
that object; nothing reads the params file again. :func:`validate_params` returns
just the problems, :func:`load_params` the params or a :class:`DataError`.

Relative paths in a params file are relative to the params file's folder, wherever
the program runs from; every path in a problem is shown resolved.

Examples
--------
>>> from samverkan.params import PARAMS_DIR, check_params, load_params, validate_params
>>> validate_params(PARAMS_DIR / "gavleborg.yaml")
[]
>>> params = load_params(PARAMS_DIR / "gavleborg.yaml")
>>> params.forbund, params.wave, params.baseline["wave"], params.min_n, params.p_adjust
('gavleborg', '2019', '2016', 5, 'holm')
>>> params.data["operativ"].is_absolute()
True
>>> params.regions["Gävle"]
['Gävle', 'Mysam Gävle']
>>> [f.respondents for f in check_params(PARAMS_DIR / "gavleborg.yaml").files]
[832, 56, 817, 54]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, Problem
from .files import MAX_YAML_BYTES, StrictFastLoader, StrictSafeLoader
from .params_checks import (
    BASELINE_KEYS,
    P_ADJUST_METHODS,
    PARAMS_DEFAULTS,
    PARAMS_KEYS,
    REQUIRED_KEYS,
    FileSummary,
    Found,
    _describe,
    check_data_files,
    check_values,
)

#: Folder of the committed params files (in a source checkout; an installed package has none).
PARAMS_DIR = Path(__file__).resolve().parent.parent / "params"


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
        Survey name → export file of ``wave`` (only the surveys that were run).
    baseline : dict or None
        ``{"wave": str, "data": {survey: Path}}``: an earlier wave to compare with.
    regions : dict of str to list of str, or None
        Region → units (kommuner and Mysam groups); ``None``: each unit on its own.
    columns : dict of str to dict
        Survey → {export header: question id, ``<id> = <option>`` or ``ignore``}.
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
    regions: dict[str, list[str]] | None
    columns: dict[str, dict[str, str]]
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
        if self.regions is not None:
            values["regions"] = {region: list(units) for region, units in self.regions.items()}
        values["columns"] = {survey: dict(mapping) for survey, mapping in self.columns.items()}
        if self.baseline is not None:
            values["baseline"] = {"wave": self.baseline["wave"], "data": _path_texts(self.baseline["data"])}
        return values

    def data_files(self) -> list[Path]:
        """Every export the report reads: ``data``, then ``baseline.data``."""
        files = list(self.data.values())
        return files + (list(self.baseline["data"].values()) if self.baseline else [])


def _path_texts(files: Mapping[str, Path]) -> dict[str, str]:
    return {survey: str(path) for survey, path in files.items()}


# ----------------------------------------------------------------------------- YAML


def _key_lines(node: yaml.Node | None, found: Found, prefix: str = "") -> None:
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
    wording and marks. Both refuse anchors and aliases (:class:`samverkan.files.StrictSafeLoader`).
    """
    try:
        return yaml.compose(text, Loader=StrictFastLoader), yaml.load(text, Loader=StrictFastLoader)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=StrictSafeLoader), yaml.load(text, Loader=StrictSafeLoader)


def _read_yaml(path: Path, found: Found) -> tuple[bool, Any]:
    """Parse ``path``: ``(True, contents)``, or ``(False, None)`` with the problem recorded."""
    if not path.is_file():
        reason = "params-filen finns inte" if not path.exists() else "params-filen är en mapp, inte en fil"
        found.add(None, None, reason)
        return False, None
    if path.stat().st_size > MAX_YAML_BYTES:
        found.add(None, None, f"params-filen är {path.stat().st_size} byte; högst {MAX_YAML_BYTES} byte (1 MB) läses")
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


# ------------------------------------------------------------------------------ API


@dataclass(frozen=True)
class Validation:
    """What checking a params file found.

    Attributes
    ----------
    source : pathlib.Path
        The params file (absolute).
    params : Params or None
        The checked params; ``None`` when there is any problem.
    problems : list of Problem
        Every problem (see :func:`validate_params`).
    files : list of FileSummary
        What each data file holds (with ``check_data``): respondents, units, ignored columns.
    forbund : str or None
        The förbund id if it could be read (also when other keys are bad).
    """

    source: Path
    params: Params | None
    problems: list[Problem]
    files: list[FileSummary] = field(default_factory=list)
    forbund: str | None = None


def _in_order(found: Found) -> list[Problem]:
    """The params file's problems by line (whole-file ones first), then the data files' own."""
    return sorted(found.problems, key=lambda p: p.row or 0) + found.data_problems


def check_params(path: str | Path, *, check_data: bool = True) -> Validation:
    """Read and check a params file once: every problem, and the typed :class:`Params` when there is none.

    Parameters
    ----------
    path
        The params file (YAML). Relative paths inside it are relative to its folder.
    check_data
        Also read every data file once (see :func:`validate_params`).

    Returns
    -------
    Validation
        ``params`` (or ``None``), ``problems``, ``files`` and ``forbund``.
    """
    source = Path(path).resolve()
    found = Found(file=str(source))
    parsed, raw = _read_yaml(source, found)
    if not parsed:
        return Validation(source, None, found.problems)
    if not isinstance(raw, Mapping):
        what = "tom" if raw is None else f"{_describe(raw)}, inte en mappning"
        found.add(None, raw, f"params-filen ska vara en YAML-mappning (nyckel: värde), men är {what}")
        return Validation(source, None, found.problems)
    values, origin = check_values(raw, source.parent, found)
    if check_data:
        check_data_files(values, origin, found)
    problems = _in_order(found)
    params = None if problems else Params(**values, source=source)
    return Validation(source, params, problems, found.files, values["forbund"])


def validate_params(path: str | Path, *, check_data: bool = True) -> list[Problem]:
    """List every problem of a params file, never stopping at the first.

    Parameters
    ----------
    path
        The params file (YAML). Relative paths inside it are relative to its folder.
    check_data
        Also read every data file (``data`` and ``baseline.data``) with the
        ``columns`` mapping: files that cannot be read as their survey, the files' own
        problems (as ``sv.load`` reports them), units in the data that are not in
        ``regions``, and ``columns`` entries that no export has.

    Returns
    -------
    list of Problem
        Empty when the file is good. For a problem of the params file: ``file`` the
        params file (absolute), ``row`` the line of the key (``None`` for a missing key
        or a problem of the whole file), ``column`` the key path (``data.operativ``,
        ``baseline.wave``, ``regions.Gävle``), ``value`` the value given, ``reason``
        in Swedish. A data file's own problems name that file, row and column.

    Examples
    --------
    >>> from samverkan.params import PARAMS_DIR
    >>> validate_params(PARAMS_DIR / "fjallmarken.yaml", check_data=False)
    []
    """
    return check_params(path, check_data=check_data).problems


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
    checked = check_params(path, check_data=check_data)
    if checked.params is None:
        raise DataError(checked.problems)
    return checked.params


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
    "FileSummary",
    "P_ADJUST_METHODS",
    "PARAMS_DEFAULTS",
    "PARAMS_DIR",
    "PARAMS_KEYS",
    "Params",
    "REQUIRED_KEYS",
    "Validation",
    "check_params",
    "load_params",
    "params_paths",
    "validate_params",
]
