# The two commands: `make run` (set up, then the whole pipeline) and
# `make test` (set up, then every check CI runs).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SHARED_MNIST := ../shared/data/mnist

.PHONY: setup run test lint data-link clean

setup: $(VENV)/.installed data-link

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Offline MNIST: use the project's shared copy when it sits beside the repo
# and the user has not put files in resources/mnist themselves.
data-link:
	@if [ ! -e resources/mnist ] && [ -d $(SHARED_MNIST) ]; then \
		mkdir -p resources && ln -s $(abspath $(SHARED_MNIST)) resources/mnist && \
		echo "linked resources/mnist -> $(SHARED_MNIST)"; fi

run: setup
	$(BIN)/snakemake --cores all

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint

test: lint
	$(BIN)/pytest

clean:
	find results -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
