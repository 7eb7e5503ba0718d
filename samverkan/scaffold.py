"""``samverkan init``: a commented params file from a förbund's survey exports, with nothing edited in them.

For each export it finds the survey (the one whose questions most of its headers
are), how each header was matched (:mod:`samverkan.headers`) and the units with
their respondents. It writes a params file whose ``columns`` mapping states every
match, marks every guess for review, lists the units in a ``regions`` section to
fill in, and checks the file it wrote as ``samverkan validate --params`` would.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import instrument
from .errors import DataError, Problem
from .files import read_raw
from .raw_table import RawTable
from .headers import HOW_ID, HOW_MAPPED, HOW_METADATA, IGNORE, Column, Layout, check_mapping, resolve_header
from .instrument import normalize_text
from .load import is_canonical, read_export

#: Comment marks of what a person must look at; ``samverkan init`` prints the lines that carry them.
GUESS = "GISSNING"
REVIEW = "GRANSKA"
#: Metadata headers whose values may stand in for a missing respondent id (one per response).
_TIMESTAMPS = ("tidstämpel", "timestamp", "starttid", "start time", "sluttid", "completion time")
_YEAR = re.compile(r"\b(20\d\d)\b")


@dataclass
class Detected:
    """One export: its survey, cells, header layout and the mapping inferred for it."""

    path: Path
    survey: str
    raw: RawTable
    layout: Layout
    entries: list[tuple[str, str, str]] = field(default_factory=list)  # (header, target, comment)
    counts: dict[str, int] = field(default_factory=dict)
    respondents: int = 0
    problems: list[Problem] = field(default_factory=list)


def _fail(path: str | Path, reason: str) -> DataError:
    return DataError([Problem(str(path), None, None, None, reason)])


def _questions_found(layout: Layout) -> int:
    return sum(c.kind in ("single", "option") for c in layout.columns)


def detect_survey(path: str | Path, columns: Mapping[str, Mapping[str, str]] | None = None) -> Detected:
    """The survey of an export: the one with most of its headers matched (``columns``: survey → mapping).

    Raises
    ------
    DataError
        The file cannot be read, no header is a question of any survey, or two
        surveys match equally well.
    """
    names = instrument.survey_names()
    mappings = {s: check_mapping((columns or {}).get(s), instrument.survey(s)) for s in names}

    def score(header: list[str]) -> int:
        return max(_questions_found(resolve_header(header, instrument.survey(s), mappings[s])) for s in names)

    raw = read_raw(path, score)
    if is_canonical(raw.header):  # a long file written by sv.save: its survey is in its cells
        survey = raw.rows[0][[normalize_text(h) for h in raw.header].index("survey")] if raw.rows else ""
        if survey not in names:
            raise _fail(path, f"en kanonisk fil med enkäten {survey!r}; kända enkäter: {', '.join(names)}")
        return Detected(Path(path), survey, raw, Layout(columns=[]))
    labels = getattr(raw, "labels", ())
    layouts = {s: resolve_header(raw.header, instrument.survey(s), mappings[s], labels) for s in names}
    ranked = sorted(names, key=lambda s: -_questions_found(layouts[s]))
    best = _questions_found(layouts[ranked[0]])
    if best == 0:
        raise _fail(path, "ingen kolumn är en fråga i någon enkät; ange i columns vad kolumnerna är")
    if len(ranked) > 1 and _questions_found(layouts[ranked[1]]) == best:
        raise _fail(path, f"kolumnerna passar lika bra för enkäterna {ranked[0]} och {ranked[1]}")
    return Detected(Path(path), ranked[0], raw, layouts[ranked[0]])


# ------------------------------------------------------------------------ mapping


def _entry(column: Column, survey, taken: set[str]) -> tuple[str, str, str] | None:
    """``(header, target, comment)`` for one column; ``None`` for a header that is a question id."""
    if column.kind == "ignored":
        return column.header, IGNORE, column.reason or HOW_METADATA
    if column.kind in ("single", "option"):
        if column.how == HOW_ID and column.kind == "single":
            return None
        target = column.target if column.option is None else f"{column.target} = {column.option}"
        return column.header, target, column.how if column.how != HOW_MAPPED else "angiven"
    guess = column.guess
    if guess is not None and guess not in taken and not column.target:
        taken.add(guess)
        return column.header, guess, f"{GUESS}: liknar frågan {guess}; granska"
    return column.header, IGNORE, f"{REVIEW}: {column.reason}"


def _respondent_stand_in(detected: Detected) -> Column | None:
    """A timestamp column whose values are filled and all different, to use as the respondent id."""
    for column in detected.layout.ignored:
        if normalize_text(column.header) in _TIMESTAMPS:
            values = [row[column.position] for row in detected.raw.rows]
            if all(values) and len(set(values)) == len(values):
                return column
    return None


def infer_mapping(detected: Detected) -> list[tuple[str, str, str]]:
    """The ``columns`` entries of one export: every header not written as a question id, with how it matched."""
    survey = instrument.survey(detected.survey)
    taken = {c.target for c in detected.layout.columns if c.kind in ("single", "option") and c.target}
    stand_in = None if detected.layout.has("respondent_id") else _respondent_stand_in(detected)
    entries = []
    for column in detected.layout.columns:
        if stand_in is not None and column.position == stand_in.position:
            reason = (f"{GUESS}: filen har ingen kolumn med respondent-id; {column.header!r} är ifylld och unik "
                      "på varje rad")
            entries.append((column.header, "respondent_id", reason))
            continue
        entry = _entry(column, survey, taken)
        if entry is not None:
            entries.append(entry)
    return _one_entry_per_header(entries, detected.layout.columns)


def _one_entry_per_header(entries: list[tuple[str, str, str]], columns) -> list[tuple[str, str, str]]:
    """A header that heads several columns gets one entry (a YAML key is written once), marked for review.

    ``columns`` cannot tell such columns apart; validation names the duplicate until the
    export is fixed.
    """
    positions: dict[str, list[int]] = {}
    for column in columns:
        positions.setdefault(column.header, []).append(column.position + 1)
    kept: dict[str, tuple[str, str, str]] = {}
    for header, target, comment in entries:
        if header in kept:
            continue
        if len(positions.get(header, [])) > 1:
            where = ", ".join(map(str, positions[header]))
            comment = (f"{REVIEW}: rubriken står i kolumnerna {where}; columns kan inte skilja dem åt: byt namn på "
                       "eller ta bort den ena i exporten")
        kept[header] = (header, target, comment)
    return list(kept.values())


def _read_with(detected: Detected) -> None:
    """Read the export with its inferred mapping: units, respondents and the problems left."""
    mapping = {header: target for header, target, _ in detected.entries}
    try:
        result = read_export(detected.path, survey=detected.survey, columns=mapping)
    except DataError as error:
        detected.problems = error.problems
        return
    detected.counts, detected.respondents, detected.problems = (result.respondents_per_unit, result.respondents,
                                                                result.problems)


def _drop_bad_guesses(detected: Detected) -> bool:
    """Guessed questions whose cells do not read as that question go back to ``ignore`` for review."""
    bad = {p.column: p.reason for p in detected.problems if p.row not in (None, 1)}
    changed = False
    for index, (header, target, comment) in enumerate(detected.entries):
        if comment.startswith(GUESS) and target != "respondent_id" and header in bad:
            reason = f"{REVIEW}: liknar frågan {target}, men cellerna passar inte ({bad[header]})"
            detected.entries[index] = (header, IGNORE, reason)
            changed = True
    return changed


# ------------------------------------------------------------------------ regions


def guess_regions(counts: Mapping[str, Mapping[str, int]]) -> list[tuple[str, list[str]]]:
    """Each staff unit a region with the Mysam groups named after it; the other units on their own.

    >>> guess_regions({"operativ": {"Bollnäs": 30, "Gävle": 50}, "chefsgrupp": {"Mysam Bollnäs": 8, "Mysam X": 3}})
    [('Bollnäs', ['Bollnäs', 'Mysam Bollnäs']), ('Gävle', ['Gävle']), ('Mysam X', ['Mysam X'])]
    """
    staff = list(counts.get("operativ", {}))
    groups = [u for s, units in counts.items() if s != "operativ" for u in units]
    regions, placed = [], set()
    for unit in staff:
        word = re.compile(rf"(?<!\w){re.escape(normalize_text(unit))}(?!\w)")
        mine = [g for g in groups if g not in placed and word.search(normalize_text(g))]
        placed.update(mine)
        regions.append((unit, [unit, *mine]))
    regions += [(g, [g]) for g in groups if g not in placed]
    return regions


# ------------------------------------------------------------------------ writing


def _q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON's string syntax is a subset of YAML's)."""
    return json.dumps(str(text), ensure_ascii=False)


def _relative(path: Path, folder: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), folder.resolve())
    except ValueError:  # another drive
        return str(path.resolve())


def _guess_wave(exports: Sequence[Detected]) -> str:
    """The most common year in the exports' date columns, else this year."""
    years = Counter()
    for detected in exports:
        for column in detected.layout.ignored:
            years.update(m for row in detected.raw.rows for m in _YEAR.findall(row[column.position]))
    return years.most_common(1)[0][0] if years else str(_dt.date.today().year)


def _data_lines(exports: Sequence[Detected], folder: Path) -> list[str]:
    lines = ["data:                                   # enkät -> exportfil (relativt den här filens mapp)"]
    for detected in exports:
        lines.append(f"  {detected.survey}: {_q(_relative(detected.path, folder))}   # {detected.respondents} "
                     f"respondenter, {len(detected.counts)} enheter")
    for survey in instrument.survey_names():
        if survey not in {d.survey for d in exports}:
            lines.append(f"  {survey}: null                      # ingen export för den här enkäten")
    return lines


def _columns_lines(exports: Sequence[Detected]) -> list[str]:
    lines = ["columns:                                # exportens rubrik -> fråge-id, \"<id> = <alternativ>\" "
             f"eller {IGNORE}; GISSNING och GRANSKA: kontrollera"]
    for detected in exports:
        lines.append(f"  {detected.survey}:                           # {detected.path.name}")
        lines += [f"    {_q(header)}: {_q(target)}   # {comment}" for header, target, comment in detected.entries]
        if not detected.entries:
            lines.append("    {}")
    return lines


def _regions_lines(exports: Sequence[Detected]) -> list[str]:
    counts = {d.survey: d.counts for d in exports}
    lines = ["regions:                                # FYLL I: region (länsdel) -> dess kommuner och Mysam-grupper.",
             f"  # {GUESS}: varje kommun är här en egen region, med de Mysam-grupper som bär dess namn.",
             "  # Slå ihop dem till förbundets länsdelar; utan regions redovisas varje enhet för sig."]
    for region, units in guess_regions(counts):
        sizes = ", ".join(f"{u}: {next(c[u] for c in counts.values() if u in c)} svarande" for u in units)
        lines.append(f"  {_q(region)}: [{', '.join(_q(u) for u in units)}]   # {sizes}")
    return lines


def params_text(exports: Sequence[Detected], *, forbund: str, name: str | None, wave: str | None,
                folder: Path) -> str:
    """The commented params file for ``exports`` (see the module docstring)."""
    name_line = (f"name: {_q(name)}" if name else
                 f"name: {_q('Samordningsförbundet ' + forbund)}   # {REVIEW}: förbundets namn i rapportens rubriker")
    wave_line = (f"wave: {_q(wave)}" if wave else
                 f"wave: {_q(_guess_wave(exports))}   # {GUESS}: året i exportens datum")
    lines = [
        "# Params för förbundsrapporten, skriven av samverkan init från exporterna nedan (som inte ändrats).",
        f"# Granska raderna märkta {GUESS} och {REVIEW}, fyll i regions, och kör sedan:",
        "#   samverkan validate --params DEN_HÄR_FILEN",
        "#   samverkan report DEN_HÄR_FILEN --out reports",
        "# Relativa sökvägar gäller från den här filens mapp, var programmet än körs.",
        "",
        f"forbund: {forbund}   # förbundets id: gemena a–z, 0–9, _ och -; också rapportens mappnamn",
        name_line,
        wave_line,
        "",
        *_data_lines(exports, folder),
        "",
        "baseline: null   # en tidigare mätning att jämföra med: {wave: \"2016\", data: {...}}",
        "",
        *_regions_lines(exports),
        "",
        *_columns_lines(exports),
        "",
        "min_n: 5                                # minsta grupp som redovisas; mindre grupper döljs och markeras",
        "alpha: 0.05                             # signifikansnivå",
        "p_adjust: holm                          # korrektion för flera test: holm, bonferroni eller fdr_bh",
    ]
    return "\n".join(lines) + "\n"


def detect_all(paths: Sequence[str | Path]) -> list[Detected]:
    """Detect each export's survey and infer its mapping; one export per survey.

    Raises
    ------
    DataError
        An export cannot be read or placed, or two exports are of the same survey.
    """
    exports: list[Detected] = []
    order = list(instrument.survey_names())
    for path in paths:
        detected = detect_survey(path)
        twin = next((d for d in exports if d.survey == detected.survey), None)
        if twin is not None:
            raise _fail(path, f"både {twin.path} och den här filen är enkäten {detected.survey}: ange en "
                              "export per enkät (en mätning); en tidigare mätning skrivs under baseline")
        detected.entries = infer_mapping(detected)
        _read_with(detected)
        if _drop_bad_guesses(detected):
            _read_with(detected)
        exports.append(detected)
    return sorted(exports, key=lambda d: order.index(d.survey))


def write_params(paths: Sequence[str | Path], out: str | Path, *, forbund: str, name: str | None = None,
                 wave: str | None = None) -> tuple[Path, list[Detected]]:
    """Write the params file ``out`` for the exports ``paths``.

    Returns
    -------
    (pathlib.Path, list of Detected)
        The file written, and what was found in each export (survey, mapping, units,
        the problems left when read with that mapping).
    """
    out = Path(out)
    exports = detect_all(paths)
    text = params_text(exports, forbund=forbund, name=name, wave=wave, folder=out.parent)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="\n")
    return out, exports


def marked_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` of every line marked for review (:data:`GUESS`, :data:`REVIEW`, FYLL I)."""
    marks = (f"# {GUESS}", f"# {REVIEW}", "FYLL I")
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if any(m in line for m in marks)]
