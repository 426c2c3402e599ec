# Two commands a deployer needs: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
APP_PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install browser train validate lint format bench clean

run: install ## install what is missing, train if the data changed, start the stack (under supervisord)
	$(APP_PY) scripts/stack.py

test: install browser lint validate train ## every check and test suite
	$(APP_PY) -m pytest

install: .venv/.installed .venv-rasa/.installed

.venv/.installed: requirements/app.txt requirements/dev.txt scripts/bootstrap.sh
	PYTHON=$(PYTHON) scripts/bootstrap.sh app

.venv-rasa/.installed: requirements/rasa.txt requirements/rasa-overrides.txt scripts/bootstrap.sh
	PYTHON=$(PYTHON) scripts/bootstrap.sh rasa

browser: ## Debian's Chromium and a Chinese font for the browser tests (installed when missing)
	scripts/install_browser.sh

train: install ## train the Rasa model unless a model for the same inputs is cached
	$(APP_PY) scripts/train.py

validate: install ## Rasa's own consistency checks of domain, stories, rules and NLU data
	$(RASA) data validate --fail-on-warnings

lint: install ## style, formatting, and the layers' import contracts (pyproject.toml)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench: install train ## benchmarks; reports go to benchmarks/reports/
	$(APP_PY) -m benchmarks

clean: ## remove environments, models and run state (caches under ~/.cache stay)
	rm -rf .venv .venv-rasa models .run
