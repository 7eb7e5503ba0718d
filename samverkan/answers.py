"""One cell of a wide export: an answer (labels, codes, non-substantive answers), an option's mark, units.

Nothing here knows where a cell is; :mod:`samverkan.wide` reads the rows and says
which cell is which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from . import instrument
from .files import encoding_error
from .instrument import Item, did_you_mean, normalize_text

#: What separates several values in one cell (split, then strip: linear in the cell's length).
_SEPARATORS = re.compile(r"[,;\n]")


# --------------------------------------------------------------------------- labels


def codebook_of(item: Item) -> dict[str, tuple[int, str]]:
    return {normalize_text(label): (pos, label) for pos, label in enumerate(item.labels, start=1)}


def _as_code(text: str) -> int | None:
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _expected(item: Item) -> str:
    labels = ", ".join(repr(label) for label in item.labels)
    return f"ett av {labels} eller en kod 1–{len(item.labels)}"


def _match_one(text: str, item: Item, codebook: dict[str, tuple[int, str]]) -> tuple[int, str] | str:
    """A single answer: ``(value, label)`` or an error message."""
    hit = codebook.get(normalize_text(text))
    if hit is not None:
        return hit
    code = _as_code(text)
    if code is not None:
        if 1 <= code <= len(item.labels):
            return code, item.labels[code - 1]
        return f"koden {text} ligger utanför 1–{len(item.labels)} för frågan {item.id}"
    return f"okänt svar {text!r} på frågan {item.id}; förväntat {_expected(item)}{did_you_mean(text, item.labels)}"


def parse_answer(text: str, item: Item, codebook: dict[str, tuple[int, str]] | None = None) -> tuple:
    """Parse one cell of ``item``.

    Returns
    -------
    tuple
        ``(entries, missing_reason, error)``: ``entries`` a tuple of ``(value, label)``
        (several only for multiselect items), ``missing_reason`` set when the answer is
        missing, ``error`` a message when the cell is bad (then nothing else is set).

    Examples
    --------
    >>> item = instrument.survey("operativ").item("lyssnar")
    >>> parse_answer(" För det  mesta", item)
    (((5, 'för det mesta'),), None, None)
    >>> parse_answer("Vet ej", item)
    ((), 'vet_ej', None)
    >>> parse_answer("7", item)[2]
    'koden 7 ligger utanför 1–6 för frågan lyssnar'
    >>> parse_answer(" ; ", instrument.survey("operativ").item("former_ovriga"))
    ((), 'blank', None)
    """
    codebook = codebook_of(item) if codebook is None else codebook
    if not text:
        return (), "blank", None
    bad_bytes = encoding_error(text)
    if bad_bytes:
        return (), None, bad_bytes
    reason = instrument.load_instrument().non_substantive.get(normalize_text(text))
    if reason is not None:
        return (), reason, None
    if item.kind == "multiselect":
        return _parse_multiselect(text, item, codebook)
    hit = _match_one(text, item, codebook)
    if isinstance(hit, tuple):
        return (hit,), None, None
    parts = split_cell(text)
    if len(parts) > 1 and all(isinstance(_match_one(p, item, codebook), tuple) for p in parts):
        return (), None, f"flera svar ({text!r}) på frågan {item.id}, som bara tillåter ett svar"
    return (), None, hit


def _parse_multiselect(text: str, item: Item, codebook: dict[str, tuple[int, str]]) -> tuple:
    """Every option named in ``text``; a cell of separators only (``";"``, ``",;"``) is blank."""
    parts = split_cell(text)
    if not parts:
        return (), "blank", None
    entries: dict[int, str] = {}
    non_substantive = instrument.load_instrument().non_substantive
    for part in parts:
        if normalize_text(part) in non_substantive:
            return (), None, f"{part!r} kan inte kombineras med andra svar på frågan {item.id}"
        hit = _match_one(part, item, codebook)
        if not isinstance(hit, tuple):
            return (), None, hit
        entries[hit[0]] = hit[1]
    return tuple(sorted(entries.items())), None, None


# ---------------------------------------------------------------------------- units


def unit_lookup(regions: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, str]] | None:
    if regions is None:
        return None
    if not isinstance(regions, Mapping):
        raise ValueError(f"regions must be a mapping region -> list of units, got {type(regions).__name__}")
    lookup: dict[str, tuple[str, str]] = {}
    for region, units in regions.items():
        if isinstance(units, str) or not isinstance(units, Sequence):
            raise ValueError(f"regions[{region!r}] must be a list of units, got {units!r}")
        for unit in units:
            key = normalize_text(unit)
            if key in lookup and lookup[key][1] != region:
                raise ValueError(f"unit {unit!r} is in two regions: {lookup[key][1]!r} and {region!r}")
            lookup[key] = (str(unit), str(region))
    return lookup


def split_cell(text: str) -> list[str]:
    """The values of a cell that may hold several (``,``, ``;`` or a line break between them).

    >>> split_cell("Bollnäs; Söderhamn;")
    ['Bollnäs', 'Söderhamn']
    """
    return [part for part in (p.strip() for p in _SEPARATORS.split(text)) if part]


def parse_units(parts: Sequence[str], lookup: dict[str, tuple[str, str]] | None,
                column: str) -> list[tuple[str, str | None]] | str:
    """The units named in ``parts`` as ``[(unit, region)]``, or an error message."""
    parts = list(dict.fromkeys(parts))
    if not parts:
        return f"{column} saknas: svaren kan inte knytas till någon enhet"
    if lookup is None:
        return [(p, None) for p in parts]
    units, unknown = [], []
    for part in parts:
        hit = lookup.get(normalize_text(part))
        (units.append(hit) if hit else unknown.append(part))
    if unknown:
        known = [u for u, _ in lookup.values()]
        hints = "".join(did_you_mean(u, known) for u in unknown[:1])
        return f"enheten {', '.join(map(repr, unknown))} finns inte i förbundets regions{hints}"
    return list(dict.fromkeys(units))


# --------------------------------------------------------------------- option columns


def parse_option_cell(text: str, option: str, item_id: str) -> bool | str:
    """Whether one option's cell marks it chosen, or why the cell is bad.

    Chosen: the option's own text, or one of ``export_columns.option_chosen`` in the
    instrument (``x``, ``1``, ``ja``, …); not chosen: blank, or one of
    ``option_not_chosen`` (``0``, ``nej``, …).

    >>> parse_option_cell("X", "SIP-möte", "former_med_brukare"), parse_option_cell("", "SIP-möte", "x")
    (True, False)
    >>> parse_option_cell("sip-möte", "SIP-möte", "former_med_brukare")
    True
    """
    folded = normalize_text(text)
    if not folded:
        return False
    markers = instrument.load_instrument().export_columns
    if folded in markers.option_chosen or folded == normalize_text(option):
        return True
    if folded in markers.option_not_chosen:
        return False
    bad_bytes = encoding_error(text)
    if bad_bytes:
        return bad_bytes
    return (f"okänt värde {text!r} i kolumnen för alternativet {option!r} av frågan {item_id}; förväntat "
            f"alternativets text, x, 1 eller ja (valt), eller tomt, 0 eller nej (inte valt)")
