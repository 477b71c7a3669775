# Every target sets up what it needs: a fresh clone only needs python3 and make. System
# packages (chromium, poppler-utils, ...) come from apt-get when run as root; see
# tests/system-deps.sh.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app screener
STAMP := $(VENV)/.installed
AXE := tests/browser/node_modules/axe-core/axe.min.js
PYBABEL := $(VENV)/bin/pybabel
# The interface strings' catalogs: each language's .po (committed) compiles to a .mo (not).
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.DEFAULT_GOAL := help
.PHONY: help venv translations messages run serve test test-browser test-postgres test-production lint check bench fuzz system-deps clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# Quiet unless something fails: pip and setuptools print pages of notices otherwise.
$(STAMP): setup.cfg pyproject.toml
	@echo "setting up $(VENV) (log: $(VENV)/install.log)"
	@python3 -m venv $(VENV)
	@{ $(PY) -m pip install -q --upgrade pip setuptools wheel \
	   && $(PY) -m pip install -q -e '.[test]'; } > $(VENV)/install.log 2>&1 \
	 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

venv: $(STAMP) translations ## create .venv, install the app with its test extras, compile the catalogs

translations: $(COMPILED) ## compile the Spanish (and any other) interface catalog, .po to .mo

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	@$(PYBABEL) compile -d translations -l $* --statistics

messages: $(STAMP) ## re-extract the interface strings into messages.pot and update each .po
	$(PYBABEL) extract -F babel.cfg -k lazy_gettext -k _l -c "translators:" \
	  --ignore-dirs=".* ._ tests build node_modules instance" --add-location=file \
	  --sort-by-file --project=kap-screener --version=0.1.0 --no-wrap -o translations/messages.pot .
	$(PYBABEL) update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete
	@echo "make messages: now translate every new or fuzzy entry in translations/*/LC_MESSAGES/messages.po"

run: venv ## serve the app on http://127.0.0.1:5000 (SQLite in instance/)
	$(FLASK) db-upgrade
	$(FLASK) run --host 127.0.0.1 --port 5000

serve: venv ## serve with gunicorn and production settings (needs SCREENER_SECRET_KEY, SCREENER_DATA_KEY)
	@test -n "$$SCREENER_SECRET_KEY" || { echo "make serve: set SCREENER_SECRET_KEY" >&2; exit 1; }
	@test -n "$$SCREENER_DATA_KEY" || { echo "make serve: set SCREENER_DATA_KEY" >&2; exit 1; }
	SCREENER_ENV=production $(FLASK) db-upgrade
	@echo "make serve: notifications need a second process with the same environment:" \
	      "SCREENER_ENV=production $(FLASK) notify-worker (README: Deploying, Notifications)"
	SCREENER_ENV=production $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

check: venv ## lint questions.yaml and run its examples
	$(FLASK) check

lint: venv ## ruff, ruff format, bandit, and the import contracts between the layers (.importlinter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -r screener -ll
	$(VENV)/bin/lint-imports --no-cache --no-logo

system-deps: ## install the Debian packages and the axe-core script the tests need, when possible
	@bash tests/system-deps.sh

test: lint system-deps ## make lint, then the whole test suite
	$(VENV)/bin/pytest -p no:cacheprovider

test-browser: venv system-deps ## only the browser tests; fails (never skips) without chromium
	SCREENER_REQUIRE_BROWSER=1 $(VENV)/bin/pytest -p no:cacheprovider -m browser

test-postgres: venv ## only the PostgreSQL/Redis tests; fails (never skips) without the servers
	SCREENER_REQUIRE_POSTGRES=1 $(VENV)/bin/pytest -p no:cacheprovider -m "postgres or redis"

test-production: venv system-deps ## the deployment test: nginx, gunicorn, PostgreSQL, Redis, Chromium; fails (never skips) without them
	SCREENER_REQUIRE_PRODUCTION=1 SCREENER_REQUIRE_BROWSER=1 $(VENV)/bin/pytest -p no:cacheprovider -m production

fuzz: venv ## the hostile-input property tests (forms and the staff API) with many more examples
	SCREENER_FUZZ_EXAMPLES=3000 $(VENV)/bin/pytest -p no:cacheprovider tests/test_hostile.py \
	  tests/test_api.py::test_fuzzed_query_parameters_never_fail \
	  tests/test_api.py::test_fuzzed_references_never_fail

bench: venv ## benchmarks, printed as ratios against baselines measured in the same run
	@bash tests/system-deps.sh bench
	@$(PY) -m pip install -q -e '.[dev]' > $(VENV)/install-dev.log 2>&1 || { cat $(VENV)/install-dev.log; exit 1; }
	$(PY) bench/run.py

clean: ## remove the venv and caches (keeps instance/)
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
