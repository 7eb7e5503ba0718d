"""Problems found in input data, and the exception that lists them all."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: Columns of a rejected-answers / problems table.
PROBLEM_COLUMNS: tuple[str, ...] = ("file", "row", "column", "value", "respondent_id", "item", "reason")


@dataclass(frozen=True)
class Problem:
    """One problem in an input file.

    ``row`` is the row as the user sees it in the file (header = row 1), or ``None``
    for a problem of the whole file or column; ``column`` is the header as written in
    the file.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    respondent_id: str | None = None
    item: str | None = None

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = "" if self.column is None else self.column
        return f"{self.file}:{row}:{column}: {self.reason}"


class DataError(ValueError):
    """Bad input data. ``problems`` lists every problem found, not just the first.

    The message has one line per problem, ``file:row:column: message``.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{len(self.problems)} problem i indata:\n{shown}")


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Return ``problems`` as a table.

    Returns
    -------
    pandas.DataFrame
        Columns ``file, row, column, value, respondent_id, item, reason``; ``row`` is a
        nullable integer (missing for problems of a whole file or column).
    """
    records = [
        {
            "file": p.file,
            "row": p.row,
            "column": p.column,
            "value": p.value,
            "respondent_id": p.respondent_id,
            "item": p.item,
            "reason": p.reason,
        }
        for p in problems
    ]
    frame = pd.DataFrame.from_records(records, columns=list(PROBLEM_COLUMNS))
    frame = frame.astype({c: "string" for c in PROBLEM_COLUMNS if c != "row"})
    return frame.astype({"row": "Int64"})
