"""Read an SPSS ``.sav`` export (with pyreadstat) into text cells, as CSV and XLSX files are read.

Research units and survey tools hand data over as SPSS files. What SPSS adds is kept:

* **value labels** become the cell's text (``1`` labelled "Aldrig" reads as "Aldrig",
  matched against the instrument's labels like any cell); an unlabelled number is
  its code (``3``, a step on the scale);
* **variable labels** are matched like headers (:mod:`samverkan.headers`) when the
  variable's name is not a question id;
* **user-missing codes** (SPSS "missing values", e.g. 98 "Vet ej", 99 "Ej svar") are
  missing answers with a reason: the one their label names in the instrument's
  ``non_substantive`` answers, else ``kodat_saknat``.

Row numbers are those of the same data written as a CSV with the variable names on
row 1: case 1 is row 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from . import instrument
from .errors import DataError, Problem
from .raw_table import RawTable
from .instrument import normalize_text

#: Larger files are refused before their data is read (rows × variables).
MAX_CELLS = 20_000_000
#: The missing reason of a user-missing code whose label is not a known non-substantive answer.
CODED_MISSING = "kodat_saknat"


@dataclass(frozen=True)
class SavTable(RawTable):
    """A :class:`samverkan.raw_table.RawTable` of an SPSS file, with what SPSS adds.

    ``labels[i]`` is the variable label of ``header[i]`` (``""`` if none);
    ``missing[(row index, column)]`` the missing reason of a user-missing cell (its
    text is then blank).
    """

    labels: list[str] = field(default_factory=list)
    missing: dict[tuple[int, int], str] = field(default_factory=dict)


def _fail(path: Path, reason: str) -> DataError:
    return DataError([Problem(file=str(path), row=None, column=None, value=None, reason=reason)])


def _is_user_missing(value: float, ranges: list[dict], values: list) -> bool:
    return any(r["lo"] <= value <= r["hi"] for r in ranges) or value in values


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _missing_reason(label: str | None) -> str:
    return instrument.load_instrument().non_substantive.get(normalize_text(label or ""), CODED_MISSING)


def _column_cells(values, value_labels: dict, ranges: list[dict], user_values: list):
    """``(texts, {row index: missing reason})`` of one variable."""
    texts, missing = [], {}
    for index, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            texts.append("")
        elif isinstance(value, str):
            texts.append(value.strip())
            if value in user_values:
                missing[index] = _missing_reason(value_labels.get(value, value))
                texts[-1] = ""
        elif isinstance(value, (int, float)):
            if _is_user_missing(value, ranges, user_values):
                missing[index] = _missing_reason(value_labels.get(value))
                texts.append("")
            else:
                label = value_labels.get(value)
                texts.append(label.strip() if label is not None else _number_text(value))
        else:  # dates and times: metadata such as the start time
            texts.append(str(value))
    return texts, missing


def _read(path: Path, **options):
    import pyreadstat

    try:
        return pyreadstat.read_sav(str(path), **options)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, UnicodeError, ValueError, OverflowError) as error:
        raise _fail(path, f"filen kan inte läsas som SPSS-fil (.sav): {error}") from error


def read_sav(path: str | Path) -> SavTable:
    """Read an SPSS file into text cells (see the module docstring).

    Raises
    ------
    DataError
        The file is not an SPSS file, has no cases, or is larger than :data:`MAX_CELLS`.
    """
    path = Path(path)
    _, meta = _read(path, metadataonly=True)
    if meta.number_rows is not None and meta.number_rows * max(meta.number_columns, 1) > MAX_CELLS:
        raise _fail(path, f"filen har {meta.number_rows} fall × {meta.number_columns} variabler, fler celler än "
                          f"gränsen {MAX_CELLS}")
    data, meta = _read(path, user_missing=True, output_format="dict")
    header = [str(name).strip() for name in meta.column_names]
    columns, missing = [], {}
    for pos, name in enumerate(meta.column_names):
        texts, coded = _column_cells(list(data[name]), meta.variable_value_labels.get(name, {}),
                                     meta.missing_ranges.get(name, []), meta.missing_user_values.get(name, []))
        columns.append(texts)
        missing.update({(index, pos): reason for index, reason in coded.items()})
    rows = [list(cells) for cells in zip(*columns)]
    keep = [i for i, cells in enumerate(rows) if any(cells) or any((i, p) in missing for p in range(len(header)))]
    if not keep:
        raise _fail(path, "filen har variabler men inga fall")
    renumber = {old: new for new, old in enumerate(keep)}
    labels = [(meta.column_names_to_labels.get(name) or "").strip() for name in meta.column_names]
    return SavTable(path=path, header=header, rows=[rows[i] for i in keep], row_numbers=[i + 2 for i in keep],
                    bad_rows=[], labels=labels,
                    missing={(renumber[i], p): r for (i, p), r in missing.items() if i in renumber})
