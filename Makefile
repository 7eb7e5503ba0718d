# samverkan — every install goes through this file (and requirements.lock).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test stress validate lab report reproduce sample benchmark clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) behövs (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25,<26"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

test: install
	$(BIN)/python -m pytest

# Calibrate every test path and interval by simulation (2000 data sets per scenario; 15–30 min on 2 cores).
# Writes validation/results.md, the table the README shows.
validate: install
	$(BIN)/python validation/simulate.py --sims 2000

# The batch's thread-race test repeated over ten fresh processes (make test runs one).
stress: install
	SAMVERKAN_RACE_RUNS=10 $(BIN)/python -m pytest tests/test_batch_survival.py -k race

# Every förbund in params/ on the sample data: reports/<förbund>/, reports/index.html, reports/overview.html.
report: install
	$(BIN)/samverkan run params/*.yaml --out reports --jobs 2

# FoU rapport 2017:1 recomputed, as reports/reproduce/reproduce_fou_2017_1.html. On the synthetic sample by
# default; on the real 2016 exports: make reproduce STAFF=path/operativ.csv MANAGERS=path/chefsgrupp.csv
# (and REGIONS=regions.yaml when the exports name their Mysam groups otherwise).
reproduce: install
	$(BIN)/samverkan reproduce --out reports/reproduce $(if $(STAFF),--staff "$(STAFF)") \
		$(if $(MANAGERS),--managers "$(MANAGERS)") $(if $(REGIONS),--regions "$(REGIONS)")

lab: install
	$(BIN)/jupyter lab notebooks/

# Regenerate the committed synthetic sample data (byte-identical for the same seed).
sample: install
	$(BIN)/samverkan synth --all --out data/sample

benchmark: install
	$(BIN)/python benchmarks/bench_significance.py
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) reports .pytest_cache
