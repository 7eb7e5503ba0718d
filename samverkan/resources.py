"""Where the files that ship inside the package are: instrument, schema, sample data, reference, notebooks.

Found with :mod:`importlib.resources`, so they are found the same way in a source tree
(``make install``, an editable install) and in an installed wheel; nothing walks up
from the package folder. (The repository's top-level ``data/`` and ``notebooks/`` are
links to these folders.)
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: The installed package's folder.
PACKAGE_DIR = Path(str(files("samverkan")))
#: The instrument, the table schema, the sample data and the published figures.
DATA_DIR = PACKAGE_DIR / "data"
#: ``instrument.yaml`` and ``answers.schema.json``.
SCHEMA_DIR = DATA_DIR / "schema"
#: The committed synthetic sample exports and their specs.
SAMPLE_DIR = DATA_DIR / "sample"
#: The figures FoU rapport 2017:1 printed.
REFERENCE_DIR = DATA_DIR / "reference"
#: The report, overview, reproduction and quickstart notebooks.
NOTEBOOKS_DIR = PACKAGE_DIR / "notebooks"
