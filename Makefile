# rnncourse: the two commands a newcomer needs are `make book` and `make test`.
# Both create .venv and install the pinned requirements.txt on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
# nbgrader runs `alembic` as a subprocess: the venv's bin/ must be on PATH
export PATH := $(BIN):$(PATH)
STAMP  := $(VENV)/.installed
CHAPTERS := $(sort $(wildcard book/[0-9]*.ipynb))
ASSIGNMENTS := $(notdir $(sort $(wildcard solutions/[0-9]*)))

.PHONY: help venv book test notebooks site-pass browser-deps check-site check-portable release autograde feedback clean

help:
	@echo "make book       build the HTML book into _build/html (strict: warnings are errors)"
	@echo "make test       run the whole test suite (package, notebooks, grading pipeline, strict build)"
	@echo "make notebooks  re-execute the chapters in book/ and store their outputs"
	@echo "make check-portable  compare the stored outputs again, computed with other CPU code paths"
	@echo "make check-site build the site and check it as a student and in headless Chromium"
	@echo "                (screenshots of every page at 1280 and 390 px: _build/screenshots/)"
	@echo "make site-pass  apply the book's text-wide conventions (scripts/site_pass.py)"
	@echo "make release    regenerate exercises/ from solutions/ with nbgrader"
	@echo "make autograde  autograde every submission in submitted/ into gradebook.db (JOBS=, ASSIGNMENT=, STUDENT=)"
	@echo "make feedback   write HTML feedback for every autograded submission into feedback/"

# Supported: CPython 3.11 (any patch release; the pinned torch wheel is built for CPython 3.11).
# Checked before anything is installed, so an unsupported interpreter fails here, not inside pip
# (written so that Python 2 can parse it too).
define CHECK_PYTHON
import platform, sys
ok = platform.python_implementation() == "CPython" and sys.version_info[:2] == (3, 11)
if not ok:
    sys.exit("rnncourse needs CPython 3.11 (the pinned torch==2.13.0 wheel is built for it); "
             "%s is %s %s. Run e.g. `make test PYTHON=python3.11`."
             % (sys.executable, platform.python_implementation(), platform.python_version()))
try:
    import ensurepip, venv
except ImportError:
    sys.exit("%s cannot create virtual environments (no ensurepip/venv): "
             "on Debian/Ubuntu run `apt-get install python3-venv`." % sys.executable)
endef
export CHECK_PYTHON

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: PYTHON=$(PYTHON) not found; rnncourse needs CPython 3.11" >&2; exit 1; }
	@$(PYTHON) -c "$$CHECK_PYTHON"
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c "$$CHECK_PYTHON" 2>/dev/null; then \
	  echo "removing $(VENV): it was made with an unsupported interpreter"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# Publishing: `make book SITE_URL=https://ORG.github.io/REPO/` (optionally REPO_URL=...,
# REPO_BRANCH=main, JUPYTERHUB_URL=https://hub...) turns on the repository, issue and launch
# buttons; see README.md, "Publishing the book".
export SITE_URL REPO_URL REPO_BRANCH JUPYTERHUB_URL

book: $(STAMP)
	$(BIN)/jupyter-book build book/ --config $(CURDIR)/_config.yml --toc $(CURDIR)/_toc.yml -W -n --keep-going --path-output .
	@echo "The book is in _build/html/index.html"

# Headless Chromium (Debian's package) and CJK fonts for the browser check; tests/test_site.py
# installs them itself when missing, this target does it ahead of time (as root).
browser-deps:
	@command -v chromium >/dev/null && test -d /usr/share/fonts/opentype/noto || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium fonts-noto-cjk; }

check-site: $(STAMP) browser-deps
	$(BIN)/python -m pytest -p no:cacheprovider -q tests/test_site.py tests/test_conventions.py

test: $(STAMP)
	$(BIN)/python -m pytest -n 2

notebooks: $(STAMP)
	export RNNCOURSE_NO_PROGRESS=1; for nb in $(CHAPTERS); do $(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $$nb || exit 1; done
	$(BIN)/python scripts/site_pass.py $(CHAPTERS)

# The book's text-wide conventions (citations by name, Chinese terms, chapter links, figure
# captions and alt text from book/figures.yml, merged output streams): scripts/site_pass.py.
site-pass: $(STAMP)
	$(BIN)/python scripts/site_pass.py

# Stored outputs must not depend on the processor. This re-runs nbval on the chapters with the
# code paths of another (x86) CPU: OpenBLAS's Sandy Bridge kernels, numpy without AVX2/AVX-512
# loops, MKL in SSE4.2 mode and PyTorch's default (non-AVX) kernels. Run it after changing a
# chapter that trains a model: rounding differences must not reach a printed digit.
PORTABLE_ENV := OPENBLAS_CORETYPE=Sandybridge MKL_CBWR=SSE4_2 ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 \
  NPY_DISABLE_CPU_FEATURES=AVX512F,AVX512_SKX,AVX512_CLX,AVX512_CNL,AVX512_ICL,AVX2,FMA3

check-portable: $(STAMP)
	env $(PORTABLE_ENV) $(BIN)/python -m pytest -p no:cacheprovider -q book

release: $(STAMP)
	for a in $(ASSIGNMENTS); do $(BIN)/nbgrader generate_assignment $$a --force --no-db || exit 1; done

# Instructors: put submissions in submitted/<student>/<assignment>/<assignment>.ipynb first.
# Grades every submission present (any subset of students and assignments), JOBS in parallel,
# student code in a sandbox (rnncourse.grading); ends with a summary table. Never stops at a bad one.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
autograde: $(STAMP)
	$(BIN)/python -m rnncourse.grading autograde --jobs $(JOBS) $(foreach a,$(ASSIGNMENT),--assignment $(a)) $(foreach s,$(STUDENT),--student $(s))

feedback: $(STAMP)
	for a in $(ASSIGNMENTS); do [ -d autograded ] && ls autograded/*/$$a >/dev/null 2>&1 || continue; \
	  $(BIN)/nbgrader generate_feedback $$a --force || echo "feedback: errors for $$a (see above)"; done

clean:
	rm -rf _build .pytest_cache
