# 学不停 Xuebuting — the only entry points: make run · make test · make bench · make lint
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --frozen

.PHONY: run test lint bench bench-portal install backing-services portal browser format clean

PORTAL := gateway/portal
PORTAL_SOURCES := $(shell find $(PORTAL)/src $(PORTAL)/public -type f 2>/dev/null) \
	$(PORTAL)/index.html $(PORTAL)/vite.config.ts $(PORTAL)/tsconfig.json

run: install backing-services portal ## start the whole suite with demo data
	$(RUN) python deploy/local/run.py

test: install backing-services portal browser ## the whole test suite against real Redis, RabbitMQ and a Mongo-wire server
	$(RUN) pytest -q

lint: install ## ruff, mypy, the import contracts (layer rules) and the layout test
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy shared/src services/identity/src services/catalog/src services/tasks/src gateway/src
	$(RUN) lint-imports --no-cache
	$(RUN) pytest -q -p no:cacheprovider tests/architecture

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

bench: install backing-services ## throughput ratios measured in one run on this machine, then Lighthouse on the portal
	@status=0; $(RUN) python -m tests.bench || status=$$?; \
		$(MAKE) --no-print-directory bench-portal || status=$$?; exit $$status

LIGHTHOUSE := tests/bench/lighthouse

bench-portal: install backing-services portal browser $(LIGHTHOUSE)/node_modules/.package-lock.json ## Lighthouse (mobile) on the login page and the pupil's home
	$(RUN) python -m tests.bench.lighthouse

$(LIGHTHOUSE)/node_modules/.package-lock.json: $(LIGHTHOUSE)/package.json $(LIGHTHOUSE)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20+) is needed for Lighthouse: apt-get install nodejs npm"; exit 1; }
	cd $(LIGHTHOUSE) && npm ci --no-audit --no-fund
	@touch $@

install: .venv/.synced

.venv/.synced: pyproject.toml uv.lock shared/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || command -v uv >/dev/null 2>&1 || { \
		echo "Installing uv (the Python package manager) with pip"; \
		$(PYTHON) -m pip install --quiet uv; }
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

portal: $(PORTAL)/dist/index.html ## the web portal, built with the machine's Node.js and npm

$(PORTAL)/node_modules/.package-lock.json: $(PORTAL)/package.json $(PORTAL)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20+) is needed to build the portal: apt-get install nodejs npm"; exit 1; }
	cd $(PORTAL) && npm ci --no-audit --no-fund
	@touch $@

$(PORTAL)/dist/index.html: $(PORTAL)/node_modules/.package-lock.json $(PORTAL_SOURCES)
	cd $(PORTAL) && npm run build

browser: ## Debian's Chromium and CJK fonts for the browser tests (browser downloads are impossible here)
	@bash deploy/local/ensure-browser.sh

backing-services:
	@bash deploy/local/ensure-backing-services.sh

clean: ## remove local data (the demo databases) and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache $(PORTAL)/dist $(PORTAL)/node_modules
