# 学不停 Xuebuting — the only entry points: make run · make test · make bench · make lint
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --frozen

.PHONY: run test lint bench install backing-services format clean

run: install backing-services ## start the whole suite with demo data
	$(RUN) python deploy/local/run.py

test: install backing-services ## the whole test suite against real Redis, RabbitMQ and a Mongo-wire server
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

bench: install backing-services ## throughput ratios measured in one run on this machine
	$(RUN) python -m tests.bench

install: .venv/.synced

.venv/.synced: pyproject.toml uv.lock shared/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || command -v uv >/dev/null 2>&1 || { \
		echo "Installing uv (the Python package manager) with pip"; \
		$(PYTHON) -m pip install --quiet uv; }
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

backing-services:
	@bash deploy/local/ensure-backing-services.sh

clean: ## remove local data (the demo databases) and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
