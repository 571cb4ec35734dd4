# ecrm-lab: the README's commands. `make run` and `make test` do all the set-up themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
LOCK   := requirements-lock.txt
# the venv's own kernel first, no debugger noise
export JUPYTER_PREFER_ENV_PATH := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv run test test-fast lab render bench lint format lock clean

help:
	@echo "make run     - set up .venv and execute every lesson into runs/latest/"
	@echo "make test    - set up .venv and run the whole test suite (unit + notebooks)"
	@echo "make lab     - JupyterLab on the lessons"
	@echo "make render  - refresh the committed lesson outputs (developers)"
	@echo "make bench   - run the benchmarks under benchmarks/"
	@echo "make lint    - ruff check and format check"

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ecrm-lab needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c $(LOCK) -e ".[test,bench]"
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m ecrm_lab run --all --out runs/latest
	@echo ""
	@echo "Done. Open runs/latest/index.html (executed notebooks, HTML pages and manifest.json are in runs/latest/)."

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile tests notebooks/[0-9]*.ipynb --nbval-lax --nbval-current-env -p no:cacheprovider

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 tests -m "not notebooks" -p no:cacheprovider

lab: $(STAMP)
	$(PY) -m jupyter lab notebooks/

render: $(STAMP)
	$(PY) -m ecrm_lab render --all

bench: $(STAMP)
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done

lint: $(STAMP)
	$(PY) -m ruff check ecrm_lab tests benchmarks notebooks
	$(PY) -m ruff format --check ecrm_lab tests benchmarks

format: $(STAMP)
	$(PY) -m ruff format ecrm_lab tests benchmarks
	$(PY) -m ruff check --fix ecrm_lab tests benchmarks

# refresh the lock file from the current venv (after changing dependencies)
lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^-e ' > $(LOCK)

clean:
	rm -rf runs .pytest_cache
