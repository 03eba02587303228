# The two commands of the README, `make book` and `make test`, do all the setup on a fresh
# machine with Python 3.11: a virtualenv in .venv, the pinned requirements, and the few
# system and npm packages the book needs.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
JB := $(BIN)/jupyter-book
# Root installs system packages directly; anyone else goes through sudo (as on CI runners).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP := $(VENV)/.installed

# `book/` is a folder, so every target named like one must be phony or make skips it.
.PHONY: book test clean serve bench notebooks times linkcheck system-deps strict-build

$(STAMP): requirements.txt code/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# Build the font cache now, so the first chapter does not print a warning about it.
	$(BIN)/python -c "import matplotlib.pyplot"
	@touch $@

# Graphviz draws the computational graphs of chapter 1.
system-deps:
	@command -v dot >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz >/dev/null; }

## make book: install what is missing, then build the HTML book into _build/html.
book: $(STAMP) system-deps
	$(JB) build . -W -n --keep-going

## make test: the package and chapter tests, then a clean strict build, then the site tests.
test: $(STAMP) system-deps
	$(BIN)/pytest -m "not site"
	$(MAKE) strict-build
	$(BIN)/pytest -m site

# A clean build: a cached build would not notice edits under code/ and could report success
# after a failed build.
strict-build: $(STAMP) system-deps
	rm -rf _build
	$(JB) build . -W -n --keep-going

## make times: each chapter's execution time, from myst-nb's statistics of the last build.
times: $(STAMP)
	$(BIN)/python tools/exec_times.py _build/html/book/exec_times.html

## make notebooks: rewrite install cells from _config.yml and regenerate the .ipynb twins.
notebooks: $(STAMP)
	$(BIN)/python tools/notebooks.py sync

## make bench: mytorch against PyTorch on the same work, as time ratios.
bench: $(STAMP)
	$(BIN)/python bench/bench_mlp.py
	$(BIN)/python bench/bench_conv.py

## make serve: preview the built book on http://localhost:8000
serve:
	$(BIN)/python -m http.server --directory _build/html --bind 127.0.0.1 8000

clean:
	rm -rf _build
