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
NPM_STAMP := node_modules/.installed
# The site serves MathJax and the widget manager itself (_config.yml: html_static_path,
# mathjax_path, nb_ipywidgets_js), so a reader offline still sees equations and widgets.
# Not a folder named `_static`: Jupyter Book would inject every JS file in it into every page.
VENDOR := assets/vendor
VENDOR_STAMP := $(VENDOR)/.copied

# The chapters and the tests work on small arrays, where one thread per library is faster
# than several, and far faster when other processes keep the cores busy; one thread also
# keeps floating-point sums in the same order in every run. `make bench` sets its own.
THREADED := book strict-build test unit-tests grader-tests student grade mutants problems notebooks
$(THREADED): export OMP_NUM_THREADS := 1
$(THREADED): export OPENBLAS_NUM_THREADS := 1
$(THREADED): export MKL_NUM_THREADS := 1

# `book/` is a folder, so every target named like one must be phony or make skips it.
.PHONY: book test clean serve bench notebooks times linkcheck system-deps browser-deps strict-build \
	student grade mutants problems pdf unit-tests grader-tests

$(STAMP): requirements.txt code/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# Build the font cache now, so the first chapter does not print a warning about it.
	$(BIN)/python -c "import matplotlib.pyplot"
	@touch $@

# Graphviz draws the computational graphs of chapter 1.
system-deps:
	@command -v dot >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz >/dev/null; }

# Headless Chromium for the browser tests of the site (Playwright drives /usr/bin/chromium;
# `playwright install` would download a browser of its own).
browser-deps:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The npm packages of package-lock.json: what the site serves, and axe-core for the tests.
# Node.js and npm come with the machine; where they are missing, apt installs nodejs, and
# npm too unless that nodejs (as NodeSource's does) brings its own.
$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs >/dev/null; }
	@command -v npm >/dev/null || $(SUDO) apt-get install -y -qq npm >/dev/null
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Copy the files the pages load into assets/vendor/ (git-ignored), served as _static/vendor/.
$(VENDOR_STAMP): $(NPM_STAMP)
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/html-manager
	cp -R node_modules/mathjax/es5 $(VENDOR)/mathjax
	cp node_modules/requirejs/require.js $(VENDOR)/require.js
	cp node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js $(VENDOR)/html-manager/
	@# The widgets' icon fonts, which embed-amd.js loads from its own folder.
	cp node_modules/@jupyter-widgets/html-manager/dist/*.{woff2,woff,ttf,eot,svg} $(VENDOR)/html-manager/
	@touch $@

## make book: install what is missing, then build the HTML book into _build/html.
book: $(STAMP) system-deps $(VENDOR_STAMP)
	$(JB) build . -W -n --keep-going

## make test: ruff, the package and chapter tests, a clean strict build and the grader's tests,
## side by side (each mostly keeps one core busy); then the student edition and the tests
## of the built sites, two test files at a time.
test: $(STAMP) system-deps $(VENDOR_STAMP) browser-deps
	$(MAKE) --no-print-directory -j2 --output-sync=target unit-tests strict-build grader-tests
	$(BIN)/python tools/student.py
	$(BIN)/pytest -m "site or edition" --ignore=tests/course/test_grading.py -n 2 --dist loadfile

# Parts of `make test` that need nothing built: they run while the book builds. ruff
# first: the package's lines fit 88 characters (code/pyproject.toml), the rest 120.
unit-tests:
	$(BIN)/ruff check .
	$(BIN)/pytest -m "not site and not edition"

# The grader grades the handout, which needs the student repository but not the site.
grader-tests:
	$(BIN)/python tools/student.py --repo-only
	$(BIN)/pytest tests/course/test_grading.py

## make student: the student edition in _build/student/ (repo/ for students, html/ for the
## site), from the outputs of the last `make book` (built first when missing).
student: $(STAMP) system-deps $(VENDOR_STAMP)
	@test -d _build/jupyter_execute || $(MAKE) book
	$(BIN)/python tools/student.py

## make grade SUBMISSIONS=dir: grade each student's folder or .zip in dir into _build/grades/.
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder-of-submissions"; exit 2; }
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --out _build/grades

## make mutants: plant plausible bugs one at a time and count how many the tests catch.
mutants: $(STAMP)
	$(BIN)/python tools/mutants.py

# A clean build: a cached build would not notice edits under code/ and could report success
# after a failed build. Only what the build writes is removed: the student repository,
# written meanwhile by grader-tests, stays.
strict-build: $(STAMP) system-deps $(VENDOR_STAMP)
	rm -rf _build/html _build/jupyter_execute _build/.doctrees
	$(JB) build . -W -n --keep-going

## make pdf: print the built book into _build/pdf/book.pdf (runs `make book` first when
## _build/html is missing; run it yourself after editing chapters), and the student edition,
## when _build/student/html exists, into _build/pdf/student.pdf. Headless Chromium prints
## each page once MathJax and the figures are ready; tools/pdf.py joins them in _toc.yml order.
pdf: $(STAMP) browser-deps
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python tools/pdf.py _build/html _build/pdf/book.pdf
	@if [ -f _build/student/html/index.html ]; then \
	  toc=_toc.yml; [ -f _build/student/repo/_toc.yml ] && toc=_build/student/repo/_toc.yml; \
	  echo "$(BIN)/python tools/pdf.py _build/student/html _build/pdf/student.pdf --toc $$toc"; \
	  $(BIN)/python tools/pdf.py _build/student/html _build/pdf/student.pdf --toc $$toc; \
	fi

## make linkcheck: check the external links (needs the internet; not part of make test).
linkcheck: $(STAMP) system-deps $(VENDOR_STAMP)
	$(JB) build . --builder linkcheck

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
	$(BIN)/python bench/bench_bn.py

## make problems ROSTER=students.csv: a printable backpropagation problem per student (the
## CSV's `student` column) and the answer key, in _build/problems (emptied first).
ROSTER ?=
problems: $(STAMP)
	@test -n "$(ROSTER)" || { echo "make problems: expected ROSTER=<file.csv>, a CSV file with a 'student' column" >&2; exit 2; }
	rm -rf _build/problems
	$(BIN)/python tools/problems.py "$(ROSTER)" --out _build/problems

## make serve: preview the built book on http://localhost:8000
serve:
	$(BIN)/python -m http.server --directory _build/html --bind 127.0.0.1 8000

clean:
	rm -rf _build
