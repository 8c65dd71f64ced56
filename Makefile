# mailsec: `make run` starts the desktop app on a demo NAS, `make test` runs the whole suite.
# Both set up everything they need on a fresh Debian machine.

PYTHON ?= $(shell tools/pick-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ROOT := .demo
RUN_PORT ?= 8460
PYTEST_ARGS ?=

.PHONY: all venv system-deps test lint deps-check run demo spk bench clean

all: test

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

system-deps:
	tools/install-system-deps

test: venv system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv system-deps deps-check
	$(BIN)/ruff check package tests tools
	$(BIN)/vermin --no-tips --violations --eval-annotations -t=3.8- package/mailsec
	shellcheck -s sh scripts/* package/bin/* ui/index.cgi tools/pick-python tools/install-system-deps .ci/run \
		tests/support/dsm_standins/*

# Proves the pinned runtime dependencies install on DSM's CPython 3.8 for both NAS families.
deps-check: venv
	$(BIN)/python tools/wheels.py check

demo: venv
	$(BIN)/python -m tests.support.demo_nas $(DEMO_ROOT)

run: demo
	$(BIN)/python -m mailsec.web.devserver --root $(DEMO_ROOT) --port $(RUN_PORT)

# Speed and memory figures: every tests/bench/bench_*.py, each printing its own table.
bench: venv system-deps
	for bench in tests/bench/bench_*.py; do $(BIN)/python -m tests.bench.$$(basename $$bench .py) || exit 1; done

# One DSM 7 package per NAS family in dist/ (see tools/build_spk.py); reproducible from the last commit.
spk: venv
	$(BIN)/python tools/build_spk.py

clean:
	rm -rf build dist $(DEMO_ROOT) .pytest_cache .ruff_cache
