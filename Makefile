# Two commands from a fresh clone: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export FLASK_APP := web

.PHONY: demo test lint bandit serve seed migrate bench clean e2e-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt $(STAMP)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(STAMP)
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

demo: seed
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C stops)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

bandit: $(DEV_STAMP)
	$(BIN)/bandit -q -c pyproject.toml -r models web matcher --severity-level medium

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set (CI).
test: $(DEV_STAMP) lint bandit
	$(BIN)/python -m pytest -q -p no:cacheprovider
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL) =="; \
		TEST_DB=postgresql $(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser"; \
	fi

bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) instance/iop.sqlite .pytest_cache
