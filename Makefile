# The Ansible async lab. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Compose v2 (`docker compose`) where it exists, else docker-compose 1.29.
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo "docker-compose")
VENV ?= .venv
PY := $(VENV)/bin/python
HOSTS := web1 web2 web3 db1 app1
PYTEST_ARGS ?=
# The compose project the tests talk to: $COMPOSE_PROJECT_NAME, else the one in .env.
PROJECT = $${COMPOSE_PROJECT_NAME:-$$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' .env 2>/dev/null)}

.PHONY: help setup images lab up down reset status logs test test-unit test-integration clean purge

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q --upgrade pip
	$(VENV)/bin/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed ## Create the host virtualenv (.venv) for tests and host-side tools

.env:
	@sed "s/^JUPYTER_TOKEN=$$/JUPYTER_TOKEN=$$(python3 -c 'import secrets; print(secrets.token_hex(24))')/" .env.example > .env
	@echo "wrote .env with a new JupyterLab token"

images: .env ## Build the images (falls back to a local base image and a wheelhouse when no registry answers)
	@scripts/ensure-base-image.sh
	@if [ -f build/offline ]; then scripts/build-wheelhouse.sh wheelhouse; fi
	$(COMPOSE) build

lab: images ## Build, start the stack, wait until it is healthy, print the URL with its token
	@COMPOSE="$(COMPOSE)" scripts/check-port.sh
	$(COMPOSE) up -d
	@scripts/wait-healthy.sh 300
	@scripts/lab-url.sh

up: .env ## Start the stack without building
	@COMPOSE="$(COMPOSE)" scripts/check-port.sh
	$(COMPOSE) up -d
	@scripts/wait-healthy.sh 300

down: ## Stop and remove the containers (learner work and keys are kept in volumes)
	$(COMPOSE) down --remove-orphans $(DOWN_FLAGS)

reset: ## Reset the five target hosts to a clean state (learner work is untouched)
	@$(COMPOSE) ps -q web1 2>/dev/null | grep -q . || { echo "The lab is not running: start it with make lab" >&2; exit 1; }
	@$(COMPOSE) start $(HOSTS) >/dev/null
	@scripts/wait-healthy.sh 180 $(HOSTS)
	@for h in $(HOSTS); do $(COMPOSE) exec -T $$h /usr/local/sbin/lab-reset || exit 1; done

status: ## Show the containers and their health
	$(COMPOSE) ps

logs: ## Follow the lab's logs
	$(COMPOSE) logs -f --tail=50

test-unit: setup ## Run the unit tests (no Docker needed)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: setup lab ## Run the integration tests against the running stack
	ASYNCLAB_PROJECT=$(PROJECT) $(PY) -m pytest tests/integration $(PYTEST_ARGS)

test: setup lab ## Run all tests: unit, then integration against the real stack
	ASYNCLAB_PROJECT=$(PROJECT) $(PY) -m pytest tests/unit tests/integration $(PYTEST_ARGS)

clean: ## Remove containers, images and build leftovers (keeps learner work and keys)
	-$(COMPOSE) down --remove-orphans --rmi local
	rm -rf build wheelhouse/*.whl $(VENV) .pytest_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

purge: ## Like clean, and also delete the volumes: ALL LEARNER WORK and the SSH keys
	@read -p "Delete all learner work and keys of this lab? [y/N] " ok && [ "$$ok" = y ]
	$(COMPOSE) down --remove-orphans --rmi local --volumes
