# `make run` and `make test` set everything up on a fresh machine (a virtual environment in .venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test test-fast lint fmt bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $@

install: $(BIN)/.installed

run: install  ## the service on the embedded SQLite default, polling the real site
	$(BIN)/ilacs run

test: install  ## every test (PostgreSQL at 127.0.0.1:5432; ../shared/ofsted where present)
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q tests/unit

lint: install
	$(BIN)/ruff check events service notifiers tests
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff check --fix events service notifiers tests

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data .pytest_cache
