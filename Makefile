# gcrm: the two commands a user needs.
#   make run   set everything up and serve the dashboard
#   make test  set everything up and run the whole suite (lint, contracts, tests)
# Both are idempotent: run them again and they only do what is missing.

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501
# The address the dashboard listens on: this machine only. To let others in, put TLS in
# front (a reverse proxy, see docker-compose.yml) and `make run GCRM_HOST=0.0.0.0`.
GCRM_HOST ?= 127.0.0.1
GCRM_HOME_DIR := $(or $(GCRM_HOME),.gcrm)

.PHONY: run test bench bench-scale setup install assets browser db lint pytest stop demo help

help:
	@echo "make run    set up and serve the dashboard on http://localhost:$(PORT)"
	@echo "make test   set up and run lint, import contracts and the test suite"
	@echo "make bench  set up and run the benchmark suite (BENCH_ACCOUNTS=1000000 BENCH_REPEAT=3)"
	@echo "make bench-scale  the cube and assignment at 10M, 30M and 100M facts, Dask vs one"
	@echo "            machine (BENCH_SCALE_COPIES=1,3,10; needs ~40 GB of disk, see docs/scale.md)"
	@echo "make stop   stop the local database"

run: setup
	$(BIN)/gcrm demo --if-empty
	$(BIN)/gcrm cube build --incremental
	@echo ""
	@echo "gcrm dashboard: http://localhost:$(PORT) (listening on $(GCRM_HOST); plain HTTP:"
	@echo "to serve others, put TLS in front, see README 'Serving others')"
	@echo "Sign in as admin, analyst, marketer, planner, manager or county_manager"
	@echo "with the password in $(GCRM_HOME_DIR)/demo-password: $$(cat $(GCRM_HOME_DIR)/demo-password 2>/dev/null)"
	@echo ""
	$(BIN)/streamlit run dashboards/server.py --server.port $(PORT) --server.address $(GCRM_HOST)

test: setup browser lint pytest

setup: install assets db

# The benchmark suite (not part of make test): the demo world at BENCH_ACCOUNTS in its own
# database, every benchmark against its peer, one table in bench/results/SUMMARY.md and the
# README. Needs the peers of the bench extra (PySAL spopt).
BENCH_ACCOUNTS ?= 1000000
BENCH_REPEAT ?= 3
BENCH_STAMP := $(VENV)/.bench-stamp

bench: setup $(BENCH_STAMP)
	BENCH_ACCOUNTS=$(BENCH_ACCOUNTS) BENCH_REPEAT=$(BENCH_REPEAT) $(BIN)/python bench/suite.py

# Past one machine (docs/scale.md): copies of the 1M world, Dask LocalCluster vs one process.
BENCH_SCALE_COPIES ?= 1,3,10

bench-scale: setup $(BENCH_STAMP)
	$(BIN)/python bench/scale.py --copies $(BENCH_SCALE_COPIES)

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	@touch $@

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "gcrm needs Python >= 3.11; found $$($(PY) --version 2>&1)."; exit 1; }
	@$(PY) -m venv $(VENV) >/dev/null 2>&1 || { \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing python3-venv with apt-get ..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
			$(PY) -m venv $(VENV); \
		else echo "Python's venv module is missing: install the package python3-venv."; exit 1; fi; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# The maps' Leaflet, jQuery and Bootstrap, from npm, served by the dashboard itself
# (dashboards/static/vendor -> /app/static/vendor/): no CDN is ever asked.
VENDOR := dashboards/static/vendor
ASSETS_STAMP := $(VENDOR)/.installed-stamp
NPM_MODULES := dashboards/assets/node_modules

assets: $(ASSETS_STAMP)

$(ASSETS_STAMP): dashboards/assets/package.json dashboards/assets/package-lock.json
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing npm with apt-get (for the map assets) ..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
		else echo "The map assets come from npm: install the package npm."; exit 1; fi; }
	cd dashboards/assets && npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp -r $(NPM_MODULES)/leaflet/dist $(VENDOR)/leaflet
	cp $(NPM_MODULES)/jquery/dist/jquery.min.js $(VENDOR)/
	cp $(NPM_MODULES)/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/
	cp $(NPM_MODULES)/bootstrap/dist/css/bootstrap.min.css $(VENDOR)/
	mkdir -p $(VENDOR)/leaflet.vectorgrid
	cp $(NPM_MODULES)/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js $(VENDOR)/leaflet.vectorgrid/
	@touch $@

# The browser tests drive the system's Chromium (Playwright never downloads one).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing chromium with apt-get (for the browser tests) ..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "The browser tests need Chromium: install the package chromium."; exit 1; fi; }

db: install
	$(BIN)/gcrm db start
	$(BIN)/gcrm db upgrade

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Two workers, a test file each (its module fixtures built once): the browser and database
# waits of one overlap the other's work (8 min instead of 13 on 2 cores).
TEST_WORKERS ?= 2
pytest: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=30

demo: setup
	$(BIN)/gcrm demo --accounts $${ACCOUNTS:-50000}

stop:
	@[ -x $(BIN)/gcrm ] && $(BIN)/gcrm db stop || true
