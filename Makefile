# Two commands from a fresh clone: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export FLASK_APP := web

.PHONY: demo test test-dates lint bandit serve seed migrate bench clean e2e-deps notebooks translations guide-screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installing also compiles the translation catalogues (.mo files are built, never committed).
$(STAMP): requirements.txt $(wildcard web/translations/*/LC_MESSAGES/messages.po) | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(MAKE) --no-print-directory translations
	touch $@

translations:
	$(BIN)/pybabel -q compile -d web/translations

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

# The whole suite on SQLite (two workers; the browser tests after, in one), then again on
# PostgreSQL when TEST_DATABASE_URL is set (CI).
test: $(DEV_STAMP) lint bandit
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 -m "not browser"
	$(BIN)/python -m pytest -q -p no:cacheprovider -m browser
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL) =="; \
		TEST_DB=postgresql $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 -m "not browser"; \
	fi

# Date independence: the SQLite suite (without the browser) again with the tests' frozen clock
# moved to other moments (tests/conftest.py reads IOP_TEST_NOW). CI runs it after `make test`.
TEST_DATES ?= 2027-03-31T23:30:00+02:00 2027-07-04T12:00:00+02:00
test-dates: $(DEV_STAMP)
	@for moment in $(TEST_DATES); do \
		echo "== SQLite again, the clock frozen at $$moment =="; \
		IOP_TEST_NOW=$$moment $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 -m "not browser" || exit 1; \
	done

# Both notebooks, executed headless on fresh demo data (also part of `make test`; see notebooks/README.md).
notebooks: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_notebooks.py

# The user guides' pictures (docs/guide/screenshots/): the browser tests that take them run on a
# freshly seeded demo in Chromium, and each picture a guide shows is copied there as a small PNG.
CHROMIUM_PATH ?= /usr/bin/chromium
guide-screenshots: $(DEV_STAMP)
	UPDATE_GUIDE_SCREENSHOTS=1 RUN_BROWSER_TESTS=1 CHROMIUM_PATH=$(CHROMIUM_PATH) \
		$(BIN)/python -m pytest -q -p no:cacheprovider -m browser \
		tests/e2e/test_journey.py tests/e2e/test_accessibility.py tests/e2e/test_mobile.py tests/e2e/test_guide.py

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): requirements.txt requirements-bench.txt $(STAMP)
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

# The benchmark (about 10 minutes; needs PostgreSQL on 127.0.0.1:5432, see benchmarks/README.md).
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) instance/iop.sqlite .pytest_cache
