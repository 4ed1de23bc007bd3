# Two commands do all the set-up on a fresh machine (Python 3.11 + make):
#   make train   bootstrap .venv, train on the embedded default corpus, print sample summaries
#   make test    bootstrap .venv, lint (ruff), run every test (notebooks included)
# The venv is rebuilt only when constraints.txt, setup.cfg or pyproject.toml change (stamp keyed
# on their hash).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
EXTRAS ?= dev,notebooks,compare,baselines
STAMP  := $(VENV)/.installed-$(shell cat constraints.txt setup.cfg pyproject.toml | sha256sum | cut -c1-16)
ARGS   ?=

export PYTHONUNBUFFERED := 1
# TF's C++ logging starts before Python's: only an env var silences it.
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: venv train test fuzz bench notebooks compare clean

venv: $(STAMP)

$(STAMP):
	@test -n "$(PYTHON)" || { echo "error: python3.11 not found; install Python 3.11" >&2; exit 1; }
	@rm -f $(VENV)/.installed-*
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[$(EXTRAS)]'
	@touch $@

train: $(STAMP)
	$(PY) -m trax_models train $(ARGS)

test: $(STAMP) browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n auto --dist loadfile --durations=15 $(ARGS)

# Headless Chromium for the HTML view's browser test (tests/summarizer/test_html_browser.py):
# Debian's chromium and chromium-driver, installed with apt-get when missing and run as root
# (once, before pytest's workers start); otherwise a note, and that test skips saying why.
.PHONY: browser
browser:
	@if command -v chromedriver >/dev/null && { command -v chromium || command -v chromium-browser \
	    || command -v google-chrome; } >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromium-driver (apt-get) for the HTML view's browser test"; \
	  { timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 600 \
	      apt-get install -y -qq chromium chromium-driver >/dev/null; } \
	  || echo "note: could not install chromium: the browser test will skip"; \
	else echo "note: no chromium/chromedriver (install them, or run make as root): the browser test will skip"; fi

# The newest stack beside the pinned one: Python 3.12 and the newest jax/jaxlib in
# build/venv-latest, every other package as in constraints.txt; then the core tests (the
# course's graded functions and check values, compat's patches, the models, decoding, a short
# train + resume, the accelerator benchmark at tiny size). JAX_LATEST=0.11.2 tries another
# release (any from 0.10.2 up); PYTHON_LATEST=/path/to/python3.12 another interpreter.
# (the first python3.12 that runs: a pyenv shim on PATH may not, while pyenv's own copy does)
PYTHON_LATEST ?= $(firstword $(foreach p,$(shell command -v python3.12) \
                   $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12),\
                   $(if $(shell $(p) -c 'print(1)' 2>/dev/null),$(p))))
JAX_LATEST    ?= 0.12.0.1
VENV_LATEST   := build/venv-latest
LATEST_STAMP  := $(VENV_LATEST)/.installed-$(JAX_LATEST)-$(shell cat constraints.txt setup.cfg pyproject.toml | sha256sum | cut -c1-16)
CORE_TESTS    := tests/test_compat.py tests/test_attention.py tests/test_numpy_attention.py \
                 tests/test_positional.py tests/test_layers.py tests/test_model.py \
                 tests/test_decoding.py tests/test_training.py tests/test_data.py \
                 tests/test_kv_cache.py tests/test_decoder_lab.py tests/test_lab.py \
                 tests/test_grader.py tests/models tests/summarizer/test_train.py \
                 tests/summarizer/test_generate.py tests/summarizer/test_checkpoint.py \
                 tests/test_accelerator_bench.py

$(LATEST_STAMP):
	@test -n "$(PYTHON_LATEST)" || { echo "error: python3.12 not found; install Python 3.12 or set PYTHON_LATEST=/path/to/python3.12" >&2; exit 1; }
	@rm -f $(VENV_LATEST)/.installed-*
	test -x $(VENV_LATEST)/bin/python || $(PYTHON_LATEST) -m venv $(VENV_LATEST)
	sed -e 's/^jax==.*/jax==$(JAX_LATEST)/' -e 's/^jaxlib==.*/jaxlib==$(JAX_LATEST)/' constraints.txt > $(VENV_LATEST)/constraints.txt
	$(VENV_LATEST)/bin/python -m pip install --quiet --disable-pip-version-check -c $(VENV_LATEST)/constraints.txt -e '.[dev,baselines]'
	@touch $@

.PHONY: test-latest
test-latest: $(LATEST_STAMP)
	$(VENV_LATEST)/bin/python -m pytest -q -n auto --dist loadfile --durations=10 $(CORE_TESTS) $(ARGS)

# Wheels for an accelerator machine that has Python 3.12 and jax (with its CUDA or TPU plugin)
# but no network: trax and what importing it and this package needs beyond jax and numpy (no
# TensorFlow: the accelerator benchmark skips the one row that needs it), for Linux x86_64,
# ≈30 MB. On that machine: pip install --no-index --no-deps build/accelerator-wheels/*.whl,
# then python -m benchmarks.accelerator (see benchmarks/README.md).
ACCEL_WHEELS := build/accelerator-wheels
ACCEL_PKGS   := trax absl-py gin-config matplotlib pillow pyparsing cycler python-dateutil \
                kiwisolver fonttools contourpy psutil six packaging
ACCEL_PLATFORM := --python-version 3.12 --only-binary=:all: --platform manylinux2014_x86_64 \
                  --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64

.PHONY: accelerator-wheels
accelerator-wheels: $(STAMP)
	@rm -rf $(ACCEL_WHEELS)
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps -c constraints.txt $(ACCEL_PLATFORM) -d $(ACCEL_WHEELS) $(ACCEL_PKGS)
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps -c constraints.txt -w $(ACCEL_WHEELS) gym
	@du -sh $(ACCEL_WHEELS)

# The fuzz/fault suite of make test at 25x the cases, random seeds (failures kept in .hypothesis/).
fuzz: $(STAMP)
	TRAX_MODELS_FUZZ=long $(PY) -m pytest -q --hypothesis-show-statistics tests/summarizer/test_fuzz.py $(ARGS)

# torch (the PyTorch peer of the training bench) goes into build/bench-torch, not the venv:
# a bench-only extra; the venv stays the pinned stack that users get.
TORCH_DIR   := build/bench-torch
TORCH_STAMP := $(TORCH_DIR)/.installed-$(shell grep '^torch==' constraints.txt | sha256sum | cut -c1-16)

$(TORCH_STAMP): $(STAMP)
	@rm -rf $(TORCH_DIR)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt --target $(TORCH_DIR) torch
	@touch $@

bench: $(STAMP) $(TORCH_STAMP)
	TRAX_MODELS_TORCH_PATH=$(abspath $(TORCH_DIR)) $(PY) -m benchmarks $(ARGS)

compare: $(STAMP)
	$(PY) -m trax_models compare $(ARGS)

# The family of attention mechanisms on tasks with a known alignment (issue #31):
# every mechanism on every task, 10.5 min on 2 cores (6 Dec 2026); ARGS="--size ci" for less.
.PHONY: attention-study
attention-study: $(STAMP)
	$(PY) -m trax_models attention-study --size default --out build/attention_study $(ARGS)

# T5's idea measured (issue #32): one multi-task model under three mixing strategies vs one
# model per task, same size, steps and seed; JSON + table in build/t5_study_long (8 runs of
# 2,000 steps, ≈37 min on 2 cores, resumed when run again). The first, 600-step study:
# ARGS="--size default --out build/t5_study"; ARGS="--size ci" for a seconds-long check.
.PHONY: t5-study
t5-study: $(STAMP)
	$(PY) -m trax_models t5-study --size long --out build/t5_study_long $(ARGS)

notebooks: $(STAMP)
	$(PY) notebooks/runner.py --out build/notebooks --json build/notebooks/timings.json notebooks/*.ipynb

# Doing the assignment yourself: the exercise notebooks (generated with nbgrader from the
# solution notebooks; an edited copy is kept unless FORCE=1), JupyterLab on localhost, and
# grading: `make grade` (the Assignment's copy; NB=path for another notebook) runs the
# notebook's exercises and the cells they need in a fresh kernel — seconds — and prints a score
# table with, for each failed check, what was expected, what came back and a hint. FULL=1 runs
# every cell instead (the demos and the training too, at the small setting: minutes).
.PHONY: exercises lab grade
LAB_PORT ?= 8888
NB ?= build/exercises/C4W2_Assignment_Transformer_Summarizer.ipynb

exercises: $(STAMP)
	$(PY) notebooks/exercises.py --out build/exercises $(if $(FORCE),--force)

grade: $(STAMP)
	$(PY) -m trax_models grade $(if $(FULL),--full )$(NB)

# `exercises.py lab` is `jupyter lab` without nbgrader's "No nbgrader_config.py" warning.
# (--allow-root only when run as root, e.g. in a container: Jupyter refuses root otherwise.)
lab: $(STAMP)
	$(PY) notebooks/exercises.py lab --ip=127.0.0.1 --port=$(LAB_PORT) \
	  --ServerApp.root_dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--allow-root) $(ARGS)

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
