PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: setup run dev-deps test test-fast lint format bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt

run: setup
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

dev-deps: setup
	$(BIN)/pip install -q -r requirements-dev.txt
	@command -v chromium >/dev/null 2>&1 || ( \
		echo "Installing Debian chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null )

lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest -q

# The quick loop: unit, property and doctests; no AppTest, browser, sweep or slow test.
test-fast: dev-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not e2e and not slow and not sweep and not apptest"

format: dev-deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: dev-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache bench/.cache
