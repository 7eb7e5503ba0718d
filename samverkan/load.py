"""Load survey exports into the canonical tidy answers table, and save it losslessly.

Three input forms are read:

* a **wide survey export** (CSV, XLSX or SPSS ``.sav``): one row per respondent, one
  column per question — or per option of a multi-choice question; headers are question
  ids, the question's Swedish wording (with or without a leading question number), or
  whatever the ``columns`` mapping says (:mod:`samverkan.headers`); cells are Swedish
  labels or numeric codes (1-based step on the scale / position among the values); a
  ``kommun`` / ``mysam_grupp`` cell may name several units;
* the **canonical long CSV** written by :func:`save` (detected by its header).

Accounting: every answer cell read is either kept or listed in ``rejected`` with its
reason (:mod:`samverkan.wide` says which cells are answer cells); survey-tool metadata
columns and columns mapped to ``ignore`` are not read, and are listed in ``ignored``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from . import instrument
from .answers import unit_lookup
from .canonical import read_canonical
from .errors import DataError, Problem, problems_frame
from .files import read_raw
from .headers import Layout, check_mapping, resolve_header
from .instrument import CANONICAL_COLUMNS, Survey, normalize_text
from .read_result import ReadResult, ignored_frame, respondents_per_unit
from .tidy import canonical_dtypes
from .wide import Collector, read_rows, reject_bad_rows

ERRORS_ALLOWED = ("raise", "collect")
COMMENT_COLUMNS = ("forbund", "wave", "survey", "respondent_id", "item", "text")


# ---------------------------------------------------------------------------- frames


def _answers_frame(out: Collector, survey: Survey, forbund, wave) -> pd.DataFrame:
    columns = ["respondent_id", "unit", "region", "item", "value", "label", "missing_reason"]
    frame = pd.DataFrame.from_records(out.records, columns=columns)
    frame.insert(0, "survey", survey.name)
    frame.insert(0, "wave", wave)
    frame.insert(0, "forbund", forbund)
    background = pd.DataFrame.from_records(out.background, columns=[i.id for i in survey.background_items])
    return canonical_dtypes(pd.concat([frame, background], axis=1), survey)


def _comments_frame(out: Collector, survey: Survey, forbund, wave) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(out.comments, columns=["respondent_id", "item", "text"])
    frame.insert(0, "survey", survey.name)
    frame.insert(0, "wave", wave)
    frame.insert(0, "forbund", forbund)
    return frame.astype("string")


def _score_header(survey: Survey, mapping: Mapping[str, tuple]):
    """How many cells of a candidate header are columns of ``survey`` (to choose a CSV delimiter)."""
    return lambda header: sum(c.kind != "unknown" for c in resolve_header(header, survey, mapping).columns)


def is_canonical(header: Sequence[str]) -> bool:
    """Whether a header is that of the canonical long CSV written by :func:`save`."""
    return set(CANONICAL_COLUMNS) <= {normalize_text(h) for h in header}


def _check_errors_arg(errors: str) -> None:
    if errors not in ERRORS_ALLOWED:
        raise ValueError(f"errors={errors!r} is not allowed; expected one of {ERRORS_ALLOWED}")


#: How to run the report so that relative paths in a params file are found.
RELATIVE_PATH_FIX = ("en relativ sökväg i en params-fil gäller från params-filens mapp: kör "
                     "'samverkan report PARAMS.yaml --out MAPP', eller papermill med --cwd <params-filens mapp>")


def _check_exists(path: str | Path) -> None:
    """A relative path that does not exist: name it resolved, the working folder, and the fix."""
    given = Path(path)
    if given.is_absolute() or given.exists():
        return
    reason = f"filen finns inte (angiven som {str(path)!r}, från arbetsmappen {os.getcwd()}); {RELATIVE_PATH_FIX}"
    raise DataError([Problem(str(given.resolve()), None, None, None, reason)])


#: Why a row above the header was not read (:attr:`samverkan.raw_table.RawTable.above_header`).
ABOVE_HEADER = "ovanför rubrikraden: en titel, inga svar"
#: Why a sheet before the answers' sheet was not read (:attr:`samverkan.raw_table.RawTable.other_sheets`).
OTHER_SHEET = "blad före svaren, utan frågor som kolumner"


def _ignored(raw, layout: Layout) -> list[tuple[str, str, str, int]]:
    """The rows above the header (``"rad 1"``) and the columns left out on purpose, with their filled cells."""
    sheets = [(str(raw.path), f"bladet {name!r}", OTHER_SHEET, cells) for name, cells in raw.other_sheets]
    title = [(str(raw.path), f"rad {row}", ABOVE_HEADER, cells) for row, cells in raw.above_header]
    return sheets + title + [(str(raw.path), c.header, c.reason, sum(bool(r[c.position]) for r in raw.rows))
                    for c in layout.ignored]


def read_export(
    path: str | Path,
    *,
    survey: str,
    forbund: str | None = None,
    wave: str | None = None,
    regions: Mapping[str, Sequence[str]] | None = None,
    columns: Mapping[str, str] | None = None,
) -> ReadResult:
    """Read one file completely, keeping every problem instead of raising on it.

    Parameters are those of :func:`load`. Raises :class:`DataError` only when the file
    cannot be read at all (missing, empty, unreadable) or has no respondent-id or
    unit column.

    Returns
    -------
    ReadResult
        ``answers``, ``rejected``, ``comments``, ``ignored``, ``problems`` and ``cells_read``.
    """
    spec = instrument.survey(survey)
    lookup = unit_lookup(regions)
    mapping = check_mapping(columns, spec)
    _check_exists(path)
    raw = read_raw(path, _score_header(spec, mapping))
    if is_canonical(raw.header):
        return read_canonical(raw, spec, forbund=forbund, wave=wave, lookup=lookup)
    out = Collector(file=str(path))
    layout = resolve_header(raw.header, spec, mapping, getattr(raw, "labels", ()))
    for row, column, reason in layout.problems:
        out.problem(row, column, column if row == 1 else None, reason)
    if not all(layout.has(key) for key in ("respondent_id", spec.unit_item)):
        raise DataError(out.problems)
    read_rows(out, raw, layout, spec, lookup)
    reject_bad_rows(out, raw)
    return ReadResult(
        problems=out.problems,
        cells_read=out.cells_read,
        respondents_per_unit=respondents_per_unit((record[1], record[0]) for record in out.records),
        respondents=len({record[0] for record in out.records}),
        tables=lambda: (_answers_frame(out, spec, forbund, wave),
                        problems_frame([p for p in out.problems if p.row in (None, 1)] + out.rejected),
                        _comments_frame(out, spec, forbund, wave)),
        ignored=_ignored(raw, layout),
        layout=layout,
    )


def ignored_columns(data: Mapping[str, str | Path | None], *,
                    columns: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """The columns of a förbund's exports that were left out on purpose, for the report's data section.

    Parameters
    ----------
    data
        Survey → export (as in a params file; ``None``: no export).
    columns
        Survey → the ``columns`` mapping of that survey's exports.

    Returns
    -------
    pandas.DataFrame
        ``survey, column, reason, cells``: one row per metadata column or column
        mapped to ``ignore`` (``cells`` the number of filled cells). Never a cell's
        content, so it may be published.

    Examples
    --------
    >>> import samverkan as sv
    >>> ignored_columns({"chefsgrupp": sv.sample_path("gavleborg", "2019", "chefsgrupp")}).empty
    True
    """
    frames = [read_export(path, survey=survey, columns=(columns or {}).get(survey)).ignored.assign(survey=survey)
              for survey, path in data.items() if path is not None]
    table = pd.concat(frames, ignore_index=True) if frames else ignored_frame([]).assign(survey="")
    return table[["survey", "column", "reason", "cells"]].astype({"survey": "string"})


def load(
    path: str | Path,
    *,
    survey: str,
    forbund: str | None = None,
    wave: str | None = None,
    regions: Mapping[str, Sequence[str]] | None = None,
    errors: str = "raise",
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Load a survey export (wide CSV/XLSX/SPSS) or a canonical long CSV as tidy answers.

    Parameters
    ----------
    path
        The file. Wide exports: ``.csv``/``.txt``/``.tsv`` (utf-8, utf-8 with BOM or
        cp1252; ``,`` ``;`` or tab), ``.xlsx`` (first sheet) or SPSS ``.sav`` (value
        labels as answers, variable labels matched like headers, user-missing codes
        missing with a reason).
    survey
        ``"operativ"`` or ``"chefsgrupp"`` (see ``data/schema/instrument.yaml``).
    forbund, wave
        Written into every row of a wide export; checked against a canonical file.
    regions
        Region → units (kommuner or Mysam groups). Fills ``region``; a unit not in the
        mapping is a problem. Without it, units are kept as written and ``region`` is
        missing.
    errors
        ``"raise"``: raise :class:`DataError` listing every problem. ``"collect"``:
        return the kept answers and a table of the rejected answers.
    columns
        Export header → question id, ``"<id> = <option>"`` (one option's column of the
        unit question or a multi-select item) or ``"ignore"``, for headers the loader
        does not match by itself (see :mod:`samverkan.headers`).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        The answers, one row per (respondent, unit, item) — for multiselect items one
        row per chosen option — with columns ``forbund, wave, survey, respondent_id,
        unit, region, item, value`` (Int64, 1-based step or position), ``label``,
        ``missing_reason`` (``blank``, ``vet_ej``, ``ej_aktuellt``, ``ej_tillfragad``,
        ``kodat_saknat``; set exactly when ``value`` is missing), then one column per background
        question of the survey holding the respondent's label. With
        ``errors="collect"`` also the rejected answers: ``file, row, column, value,
        respondent_id, item, reason`` (``row`` as the user sees it, header = 1).
        Comment texts are never in the answers: see :func:`load_comments`.

    Raises
    ------
    DataError
        Bad input (``errors="raise"``), or a file that cannot be read at all.
    ValueError
        A bad argument (``survey``, ``errors``, ``regions``, ``columns``).

    Examples
    --------
    >>> import samverkan as sv
    >>> answers = sv.load(sv.sample_path("gavleborg", "2016", "chefsgrupp"), survey="chefsgrupp")
    >>> answers["respondent_id"].nunique()
    54
    """
    _check_errors_arg(errors)
    result = read_export(path, survey=survey, forbund=forbund, wave=wave, regions=regions, columns=columns)
    if errors == "collect":
        return result.answers, result.rejected
    if result.problems:
        raise DataError(result.problems)
    return result.answers


def load_comments(
    path: str | Path,
    *,
    survey: str,
    forbund: str | None = None,
    wave: str | None = None,
    regions: Mapping[str, Sequence[str]] | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Free-text comments of a wide export, for internal reading only (never published).

    Returns
    -------
    pandas.DataFrame
        ``forbund, wave, survey, respondent_id, item, text``: one row per non-blank
        comment cell of a respondent kept by :func:`load` with the same arguments.
    """
    return read_export(path, survey=survey, forbund=forbund, wave=wave, regions=regions, columns=columns).comments


def save(answers: pd.DataFrame, path: str | Path) -> Path:
    """Write tidy answers as the canonical long CSV (utf-8, ``,``, ``\\n``).

    :func:`load` reads it back to an equal DataFrame (lossless round trip).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    surveys = answers["survey"].dropna().unique()
    if len(surveys) != 1:
        raise ValueError(f"answers must hold exactly one survey to be saved, got {list(surveys)}")
    frame = canonical_dtypes(answers, instrument.survey(str(surveys[0])))
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
