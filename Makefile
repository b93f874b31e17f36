# MetaBuilder: two commands on a fresh machine.
#   make run    installs everything and runs the embedded stack (web, worker, Temporal)
#   make test   installs everything (Chromium too) and runs ruff, mypy and the whole test suite

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ESBUILD := tools/esbuild/node_modules/@esbuild/linux-x64/bin/esbuild
RUNTIME := web/static/build/runtime.js
PYTEST_ARGS ?=

.PHONY: run test setup setup-test lint typecheck pytest clean

run: setup
	$(BIN)/metabuilder up

test: setup setup-test lint typecheck pytest

setup: $(STAMP) $(ESBUILD) $(RUNTIME) ffmpeg

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(ESBUILD): tools/esbuild/package.json tools/esbuild/package-lock.json
	npm ci --prefix tools/esbuild --no-audit --no-fund --loglevel=error
	test -x $(ESBUILD)
	touch $(ESBUILD)

$(RUNTIME): $(STAMP) $(ESBUILD) $(wildcard web/client/*.ts)
	$(BIN)/python -m engine.compiler build-client web/static/build

.PHONY: ffmpeg
ffmpeg:
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || bash tools/install-ffmpeg.sh

setup-test:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	$(SUDO) sh deploy/scripts/install-tools.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) tools/esbuild/node_modules web/static/build .pytest_cache .mypy_cache .ruff_cache
