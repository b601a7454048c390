# CVM Workbench: every set-up step lives here, so a fresh clone needs only
#   make report   — create .venv, install the locked dependencies, run the study suite into reports/
#   make test     — same set-up, then the unit tests, doctests and notebooks (nbval-lax)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements/lock.txt

.PHONY: all setup pg-server java report test test-fast test-py313 lab bench lock clean

all: test

setup: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name cvm-workbench --display-name "Python (CVM Workbench)" >/dev/null
	@$(MAKE) --no-print-directory java
	touch $(STAMP)

# PostgreSQL server binaries for tests/test_postgres.py, which starts its own throw-away server
# on 127.0.0.1 (as an unprivileged user when run as root). Installed from Debian when missing.
pg-server:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing the PostgreSQL server (apt-get install postgresql) for the database tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	else echo "warning: no PostgreSQL server binaries (initdb); install the 'postgresql' package or tests/test_postgres.py skips"; fi

# The Spark engine (pyspark, from the lock) needs a Java 17 or 21 runtime: installed with the
# system's package manager when `java` is missing (root or sudo), else the Spark tests skip.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; \
	  else \
	    echo "warning: no Java runtime and no apt-get; install Java 17 or 21 for the Spark tests"; \
	  fi; \
	fi

report: $(STAMP)
	$(BIN)/cvm run --config studies/cdnow.yaml --out reports

test: $(STAMP) pg-server
	$(BIN)/python -m pytest tests cvm_lib --nbval-lax notebooks -p no:cacheprovider

# Under 2 minutes on 2 cores: everything but the tests marked slow (pyproject.toml, [tool.pytest.ini_options]
# markers: end-to-end runs, notebooks, wheel, PostgreSQL, Spark, glyph rendering); the 20 slowest are listed.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests cvm_lib -m "not slow" -p no:cacheprovider --durations=20

# The same tests on Python 3.13 (3.11 is the main environment; 3.11-3.13 are declared).
# Needs a python3.13 on PATH (Debian 12 has none; e.g. pyenv, or PY313=/path/to/python3.13).
PY313       ?= python3.13
PY313_VENV  ?= .venv-py313

$(PY313_VENV)/.installed: pyproject.toml $(LOCK)
	@$(PY313) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else "PY313 must be a Python 3.13")'
	test -x $(PY313_VENV)/bin/python || $(PY313) -m venv $(PY313_VENV)
	$(PY313_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PY313_VENV)/bin/python -m pip install --quiet -r $(LOCK)
	$(PY313_VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(PY313_VENV)/bin/python -m ipykernel install --sys-prefix --name cvm-workbench --display-name "Python (CVM Workbench)" >/dev/null
	touch $@

test-py313: $(PY313_VENV)/.installed
	$(PY313_VENV)/bin/python -m pytest tests cvm_lib -m "not slow" -p no:cacheprovider

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

# pymc-marketing pins its own scientific stack, so it gets a separate environment.
PYMC_VENV := .venv-pymc

$(PYMC_VENV)/bin/python:
	$(PYTHON) -m venv $(PYMC_VENV)
	$(PYMC_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYMC_VENV)/bin/python -m pip install --quiet pymc-marketing

bench: $(STAMP) $(PYMC_VENV)/bin/python
	$(BIN)/python benchmarks/bench_summary.py
	$(BIN)/python benchmarks/bench_load.py --rows 1e7
	$(BIN)/python benchmarks/bench_clv.py --customers 1e6 --pymc-python $(PYMC_VENV)/bin/python

# Re-resolve the newest releases allowed by pyproject.toml and pin them (then commit the lock).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet --upgrade pip
	.lockenv/bin/python -m pip install --quiet '.[test,bench]'
	.lockenv/bin/python -m pip freeze --exclude-editable | grep -v '^cvm-workbench' > $(LOCK)
	rm -rf .lockenv

clean:
	rm -rf $(VENV) $(PY313_VENV) .pytest_cache build dist *.egg-info
