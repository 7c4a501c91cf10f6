# Two-command set-up: `make run` and `make test`. Both create .venv if missing and install
# only what changed (a stamp per requirements hash), so a second run installs nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
REQ_HASH := $(shell cat requirements/lock.txt requirements/ignore-python.txt pyproject.toml | sha1sum | cut -c1-12)
DEV_HASH := $(shell cat requirements/dev.txt | sha1sum | cut -c1-12)
STAMP := $(VENV)/.stamp-runtime-$(REQ_HASH)
DEV_STAMP := $(VENV)/.stamp-dev-$(DEV_HASH)
EXAMPLE ?= examples/images/handshake.jpg
OUT ?= out

.PHONY: run test setup lint clean bench browser

$(PY):
	$(PYTHON) -m venv $(VENV)

# The lock is the full dependency closure, installed without resolution (--no-deps) so
# nothing unpinned (e.g. a GPU torch, a second OpenCV) is ever pulled in.
$(STAMP): requirements/lock.txt requirements/ignore-python.txt pyproject.toml | $(PY)
	$(PIP) install --no-deps -r requirements/lock.txt
	$(PIP) install --no-deps --ignore-requires-python -r requirements/ignore-python.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.stamp-runtime-*
	touch $@

$(DEV_STAMP): requirements/dev.txt $(STAMP)
	$(PIP) install --no-deps -r requirements/dev.txt
	rm -f $(VENV)/.stamp-dev-*
	touch $@

setup: $(STAMP)
	$(VENV)/bin/hhi models setup

run: setup
	$(VENV)/bin/hhi analyze $(EXAMPLE) --out $(OUT)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "warning: could not install Chromium; the browser tests will be skipped"

test: setup $(DEV_STAMP) browser
	$(VENV)/bin/ruff check hhikit tests $(wildcard bench)
	$(PY) -m pytest -q

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check hhikit tests $(wildcard bench)
	$(VENV)/bin/ruff format --check hhikit tests $(wildcard bench)

bench: setup
	for f in bench/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
