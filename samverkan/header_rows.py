"""Where a file's header is: the first non-blank row, or the header below a title.

Survey tools and hand-made Excel sheets often put a line or two ("Enkätresultat operativ
personal 2019", an export date) above the header. The header is the first non-blank row,
unless that row is such a title (at most :data:`TITLE_CELLS` filled cells, none a known
column) and one of the next rows, below at most :data:`MAX_TITLE_ROWS` title rows, has at
least :data:`MIN_HEADER_SCORE` known columns. Which cells are known columns is the
caller's ``score_header`` (:mod:`samverkan.files` knows no instrument); this module only
decides where the header is, for :mod:`samverkan.files` to read and list the rest.
"""

from __future__ import annotations

from collections.abc import Callable

#: Title rows above the header: at most this many, each with at most :data:`TITLE_CELLS` filled cells.
MAX_TITLE_ROWS = 5
TITLE_CELLS = 2
#: A row below a title is the header when at least this many of its cells are known columns.
MIN_HEADER_SCORE = 3
#: A header cell longer than this is no question's wording (the longest is ~130 characters): the header search
#: stops at such a row, and samverkan.headers does not match such a header (a hostile cell costs nothing).
MAX_HEADER_CHARS = 500


def remembered(score_header: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
    """``score_header`` computed once per candidate header (its cells stripped, as the header is matched)."""
    scores: dict[tuple[str, ...], int] = {}

    def score(record: list[str]) -> int:
        key = tuple(cell.strip() for cell in record)
        if key not in scores:
            scores[key] = score_header(list(key))
        return scores[key]
    return score


def header_position(records: list[list[str]], score_header: Callable[[list[str]], int]) -> int | None:
    """Index of the header among ``records``: the first non-blank one, or the header below a title (module docstring)."""
    filled = ((i, r) for i, r in enumerate(records) if any(c.strip() for c in r))
    first = None
    for count, (index, record) in zip(range(MAX_TITLE_ROWS + 1), filled):
        if first is None:
            first = index
        if count and any(len(c) > MAX_HEADER_CHARS for c in record):
            break  # a row below the first with a cell longer than any header is data: no header search in it
        score = score_header(record)
        if count and score >= MIN_HEADER_SCORE:
            return index
        if score or sum(bool(c.strip()) for c in record) > TITLE_CELLS:
            break
    return first


def names_questions(records: list[list[str]], score_header: Callable[[list[str]], int]) -> bool:
    """Whether the header of ``records`` (below a title, if any) names at least :data:`MIN_HEADER_SCORE` columns."""
    index = header_position(records, score_header)
    return index is not None and score_header(records[index]) >= MIN_HEADER_SCORE
