"""Write generated exports as a survey tool would: headers, codes, encoding and delimiter of a spec's format.

``make sample`` (``samverkan synth --all --out data/sample``) calls :func:`write_all`,
which regenerates the committed sample byte for byte.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .. import instrument
from . import SPECS_DIR
from .generate import generate
from .spec import load_spec, spec_paths


def format_export(frame: pd.DataFrame, survey: str, fmt: Mapping[str, str]) -> pd.DataFrame:
    """Return ``frame`` as a survey tool of the given format would export it.

    Parameters
    ----------
    frame
        A wide frame from :func:`samverkan.sample.generate.generate` (question ids as headers, labels as cells).
    survey
        ``"operativ"`` or ``"chefsgrupp"``.
    fmt
        The spec's ``format``: ``header`` ``"id"`` or ``"text"`` (the Swedish question
        wording), ``ordinal`` ``"label"`` or ``"code"`` (the 1-based step on the scale;
        non-substantive answers stay as words).

    Returns
    -------
    pandas.DataFrame
        The same rows with the headers and ordinal cells of the format.
    """
    spec = instrument.survey(survey)
    out = frame.copy()
    if fmt.get("ordinal", "label") == "code":
        for item in (i for i in spec.items if i.kind == "ordinal"):
            codes = {label: str(step) for step, label in enumerate(item.labels, start=1)}
            out[item.id] = out[item.id].map(lambda cell, codes=codes: codes.get(cell, cell))
    if fmt.get("header", "id") == "text":
        texts = {i.id: i.text for i in spec.items} | dict(spec.comments)
        out = out.rename(columns=texts)
    return out


def write_csv(frame: pd.DataFrame, path: Path, fmt: Mapping[str, str]) -> Path:
    """Write ``frame`` to ``path`` with the ``csv`` module in ``fmt``'s encoding and delimiter, ``\\n`` line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=fmt["encoding"], newline="") as handle:
        writer = csv.writer(handle, delimiter=fmt["delimiter"], lineterminator="\n")
        writer.writerow(list(frame.columns))
        writer.writerows(frame.to_numpy().tolist())
    return path


def write_spec(spec: dict, out_dir: str | Path) -> list[Path]:
    """Write every wave and survey of a checked spec (see :func:`write_forbund`) under ``out_dir``."""
    paths = []
    for wave in spec["waves"]:
        for survey, frame in generate(spec, wave).items():
            path = Path(out_dir) / spec["id"] / wave / f"{survey}.csv"
            paths.append(write_csv(format_export(frame, survey, spec["format"]), path, spec["format"]))
    return paths


def write_forbund(spec_path: str | Path, out_dir: str | Path) -> list[Path]:
    """Write every wave and survey of one förbund in the format of its spec.

    Parameters
    ----------
    spec_path
        The förbund's spec (see :func:`samverkan.sample.spec.load_spec`).
    out_dir
        Folder under which ``<forbund_id>/<wave>/<survey>.csv`` is written (created if
        needed; existing files are overwritten). Files are written with the ``csv``
        module in the spec's encoding and delimiter, with ``\n`` line endings.

    Returns
    -------
    list of pathlib.Path
        ``out_dir/<forbund_id>/<wave>/<survey>.csv``, in wave and survey order.
    """
    return write_spec(load_spec(spec_path), out_dir)


def write_all(out_dir: str | Path, specs_dir: str | Path | None = None) -> list[Path]:
    """Write the sample of every spec in ``specs_dir`` under ``out_dir`` (see :func:`write_forbund`).

    Parameters
    ----------
    out_dir
        Folder to write to; ``make sample`` writes to ``data/sample``.
    specs_dir
        Folder of spec files; default ``data/sample/specs/``.

    Returns
    -------
    list of pathlib.Path
        Every file written, förbund by förbund (specs sorted by file name).

    Raises
    ------
    ValueError
        If ``specs_dir`` holds no ``*.yaml`` spec, or a spec is invalid.
    """
    paths = spec_paths(specs_dir)
    if not paths:
        raise ValueError(f"no spec files (*.yaml) in {specs_dir or SPECS_DIR}")
    return [p for spec_path in paths for p in write_forbund(spec_path, out_dir)]
