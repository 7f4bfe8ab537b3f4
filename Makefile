# `make run` and `make test` set everything up on a fresh machine (a virtual environment in .venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test test-fast lint fmt bench lock clean

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

lock: install  ## requirements.lock for the image: the runtime dependencies at the tested versions, with hashes
	$(BIN)/pip freeze --exclude-editable | grep -v '^soupsieve==' > $(VENV)/constraints.txt
	echo 'soupsieve<3.0.2' >> $(VENV)/constraints.txt  # later ones need Python 3.11.5; the stand-in base has 3.11.2
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --annotation-style=line -c $(VENV)/constraints.txt -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) data .pytest_cache
