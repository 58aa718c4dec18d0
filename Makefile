# The Ansible async lab. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# What the Makefile and scripts/ share (the compose command, .env's values, the images' tag,
# the lab's check, free ports) is in scripts/lib.sh, sourced by the recipes that need it.
LIB = . scripts/lib.sh &&
# Compose v2 (`docker compose`) where it exists, else docker-compose 1.29.
COMPOSE ?= $(shell $(LIB) compose_command)
VENV ?= .venv
PY := $(VENV)/bin/python
HOSTS := web1 web2 web3 db1 app1
PYTEST_ARGS ?=
TESTS ?= tests/integration
# The compose project the tests talk to: $COMPOSE_PROJECT_NAME, else the one in .env.
PROJECT = $$($(LIB) lab_project)
# What compose needs from make, given to the recipes of the targets that run compose, scripts
# or tests (not to `make help`): the images' tag, LAB_VERSION (the environment, else .env,
# else the lab's version in pyproject.toml), and the name of the targets' cgroup parents,
# after the project (src/asynclab/stack/cgroup_settings.py): a stack started with another
# COMPOSE_PROJECT_NAME (tests, bench) gets parents of its own.
WITH_STACK = images lab up down reset status url logs test-unit test-integration test test-v2-vm clean purge \
	bundle load release collect autograde reference feedback grades report bench
$(WITH_STACK): export LAB_VERSION ?= $(shell $(LIB) lab_version)
$(WITH_STACK): export LAB_CGROUP_NAME = $(shell $(LIB) cgroup_name "$(PROJECT)")
# The lab image: the Ansible controller, and where the tests that need Ansible run.
LAB_IMAGE = $$($(LIB) lab_image lab)
# The targets' image: also the one-shot helper that removes a project's empty cgroup parents.
TARGET_IMAGE = $$($(LIB) lab_image target)
CLEAN_CGROUPS = python3 src/asynclab/stack/cgroup_settings.py clean --project "$(PROJECT)" --image $(TARGET_IMAGE)
# Unit tests that need Ansible (tests/by_image/lab/units), in a container of the lab image:
# this working tree's code and tests (no rebuild), no network, nothing of a running stack.
UNIT_IN_LAB_IMAGE = docker run --rm --network none -v "$(CURDIR)":/src:ro -w /src -e PYTHONPATH=/src/src \
	-e PYTHONDONTWRITEBYTECODE=1 --entrypoint python $(LAB_IMAGE) \
	-m pytest -p no:cacheprovider tests/by_image/lab/units $(PYTEST_ARGS)

.PHONY: help setup config images lab up down reset status url logs lint hooks test test-unit test-integration test-v2-vm clean purge

# Each reader's targets in the order they are used: the order of this file.
help: ## [learner] Show this help, by reader
	@for reader in learner instructor admin developer; do \
	  printf '\n\033[1m%s\033[0m\n' "$$reader"; \
	  grep -hE "^[a-zA-Z0-9_-]+:.*## \[$$reader\] " $(MAKEFILE_LIST) \
	    | awk -v tag="## [$$reader] " '{ i = index($$0, tag); split($$0, t, ":"); \
	      printf "  \033[36m%-18s\033[0m %s\n", t[1], substr($$0, i + length(tag)) }'; \
	done

# `make setup WHEELS=bundle/wheels` installs from that wheelhouse only (no index: offline).
PIP_SOURCE = $(if $(WHEELS),--no-index --find-links $(WHEELS))

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q $(PIP_SOURCE) --upgrade pip
	$(VENV)/bin/pip install --disable-pip-version-check -q $(PIP_SOURCE) -e '.[dev]'
	touch $@ $(VENV)/.host-installed

# What the instructor's parallel grading needs on the host: the package and Docker's SDK (the
# `host` extra), not the developer's tools. A developer's .venv has it already.
$(VENV)/.host-installed: pyproject.toml
	@if [ -f $(VENV)/.installed ] && [ $(VENV)/.installed -nt pyproject.toml ]; then touch $@; else \
	  python3 -m venv $(VENV) \
	  && $(VENV)/bin/pip install --disable-pip-version-check -q $(PIP_SOURCE) --upgrade pip \
	  && $(VENV)/bin/pip install --disable-pip-version-check -q $(PIP_SOURCE) -e '.[host]' \
	  && touch $@; fi

setup: $(VENV)/.installed ## [developer] Create the host virtualenv (.venv) for tests and host-side tools (WHEELS=dir: offline)

.env:
	@sed -e "s/^JUPYTER_TOKEN=$$/JUPYTER_TOKEN=$$(python3 -c 'import secrets; print(secrets.token_hex(24))')/" \
	  -e "s/^LAB_VERSION=$$/LAB_VERSION=$$($(LIB) package_version)/" .env.example > .env
	@echo "wrote .env with a new JupyterLab token"

config: .env ## [admin] Write the targets' cgroup settings for this Docker engine (docker-compose.cgroup.yml) and point .env at them
	@COMPOSE="$(COMPOSE)" scripts/config.sh

images: .env ## [admin] Build the images (falls back to a local base image and a wheelhouse when no registry answers)
	@BASE_IMAGE=debian:trixie-slim scripts/ensure-base-image.sh
	@BASE_IMAGE=debian:bookworm-slim scripts/ensure-base-image.sh
	@if [ -f build/offline ]; then scripts/build-wheelhouse.sh wheelhouse; fi
	@# The lab's JupyterLab extension, built here when this machine has Node.js >= 20.19 (the
	@# image's build stage builds it itself otherwise, where its containers reach npm).
	@images/lab/playbook-highlight/build.sh images/lab/playbook-highlight/prebuilt \
	  || echo "no host build of the playbook-highlight extension: the image builds it"
	$(COMPOSE) build

lab: images config ## [learner] Build, start the stack, wait until it is healthy, print the URL with its token (LAB_PORT, LAB_BIND in .env)
	@COMPOSE="$(COMPOSE)" scripts/check-port.sh
	$(COMPOSE) up -d
	@scripts/wait-healthy.sh 300
	@scripts/lab-url.sh

up: config ## [learner] Start the stack without building
	@COMPOSE="$(COMPOSE)" scripts/check-port.sh
	$(COMPOSE) up -d
	@scripts/wait-healthy.sh 300

down: ## [learner] Stop and remove the containers (learner work and keys are kept in volumes)
	$(COMPOSE) down --remove-orphans $(DOWN_FLAGS)
	@$(CLEAN_CGROUPS)

reset: ## [learner] Reset the five target hosts to a clean state (learner work is untouched)
	@$(LIB) COMPOSE="$(COMPOSE)" need_lab web1
	@$(COMPOSE) start $(HOSTS) >/dev/null
	@scripts/wait-healthy.sh 180 $(HOSTS)
	@for h in $(HOSTS); do $(COMPOSE) exec -T $$h /usr/local/sbin/lab-reset || exit 1; done

status: ## [learner] Show the containers and their health
	$(COMPOSE) ps

url: ## [learner] Print the lab's address with its token again
	$(NEED_LAB)
	@scripts/lab-url.sh

logs: ## [learner] Follow the lab's logs
	$(COMPOSE) logs -f --tail=50

lint: setup ## [developer] Check the Python code with ruff, lint and format (settings: [tool.ruff] in pyproject.toml)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

hooks: setup ## [developer] Install the git hooks of .pre-commit-config.yaml (ruff, notebooks without outputs)
	$(VENV)/bin/pre-commit install

test-unit: setup images ## [developer] Run the unit tests: on the host, then those that need Ansible in the lab image (no stack needed)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)
	$(UNIT_IN_LAB_IMAGE)

test-integration: setup ## [developer] Run the integration tests against the running stack, no rebuild (TESTS=file or folder, PYTEST_ARGS)
	$(NEED_LAB)
	ASYNCLAB_PROJECT=$(PROJECT) $(PY) -m pytest $(TESTS) $(PYTEST_ARGS)

# The suite's integration tests run on host sets of their own, one per test worker, as many
# at once as the cores, memory and inotify limit allow (chosen as for grading workers);
# TEST_WORKERS=1 runs them one after the other on one set.
TEST_WORKERS ?= $(shell $(PY) -c 'from asynclab.classroom.parallel import worker_limits; \
	print(worker_limits(pending=3).count)' 2>/dev/null || echo 1)
test: lint setup images config ## [developer] Run all tests: lint, unit (host, then lab image), then integration on TEST_WORKERS host sets of the suite's own
	$(UNIT_IN_LAB_IMAGE)
	ASYNCLAB_SUITE=$(PROJECT)-suite $(PY) -m pytest -n $(TEST_WORKERS) tests/unit tests/integration $(PYTEST_ARGS)

test-v2-vm: setup images ## [developer] Run the cgroup v2 tests in a Debian 12 VM under qemu (nsdelegate, systemd driver): slow, outside make test
	ASYNCLAB_V2_ENGINE=vm $(PY) -m pytest tests/integration/test_cgroup_v2.py $(PYTEST_ARGS)

clean: ## [admin] Remove containers, images and build leftovers (keeps learner work and keys)
	-$(COMPOSE) down --remove-orphans
	-@$(CLEAN_CGROUPS)
	-$(COMPOSE) down --rmi local
	rm -rf build wheelhouse/*.whl $(VENV) .pytest_cache .ruff_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

purge: ## [admin] Like clean, and also delete the volumes: ALL LEARNER WORK and the SSH keys
	@read -p "Delete all learner work and keys of this lab? [y/N] " ok && [ "$$ok" = y ]
	$(COMPOSE) down --remove-orphans --volumes
	-@$(CLEAN_CGROUPS)
	$(COMPOSE) down --rmi local

# ---- Offline classroom -------------------------------------------------------------------
# The images, a wheelhouse and the lab's files in one folder, for a machine with no internet.
BUNDLE ?= bundle

.PHONY: bundle load

bundle: ## [admin] Offline: write the images, a wheelhouse and the lab's files to BUNDLE (default bundle/)
	@COMPOSE="$(COMPOSE)" scripts/bundle.sh "$(BUNDLE)"

load: ## [admin] Offline: check BUNDLE against its MANIFEST, load its images, start the lab (no build, no pull)
	@COMPOSE="$(COMPOSE)" scripts/load.sh "$(BUNDLE)"

# ---- Grading (instructors) ---------------------------------------------------------------
# nbgrader runs inside the lab container, as jovyan, in the course folder of its work volume.
ASSIGNMENT ?= async-basics
# The course folder inside the lab, where the files copied out go, and the exchange: the
# tests point these at temporary folders.
COURSE_IN_LAB ?= /home/jovyan/work/grader
GRADER_OUT ?= grader
EXCHANGE ?=
# Parallel grading: workers, each with its own five hosts (default: by cores and memory);
# WORKERS=0 grades in the lab container itself, one student after the other, on the lab's hosts.
WORKERS ?=
IN_COURSE = $(COMPOSE) exec -T -u jovyan -w $(COURSE_IN_LAB) $(if $(EXCHANGE),-e NBGRADER_EXCHANGE=$(EXCHANGE)) lab
LAB_ID = "$$($(COMPOSE) ps -q lab)"
NEED_LAB = @$(LIB) COMPOSE="$(COMPOSE)" need_lab
# The instructor's steps that copy files between this folder and the lab, with the host's
# python3 and the standard library only (src/asynclab/classroom/course_steps.py).
COURSE_STEPS = @COMPOSE="$(COMPOSE)" PYTHONPATH=src$${PYTHONPATH:+:$$PYTHONPATH} python3 -m asynclab.classroom.course_steps \
	--course-in-lab $(COURSE_IN_LAB) $(if $(EXCHANGE),--exchange $(EXCHANGE))

.PHONY: release collect autograde reference feedback grades report

release: ## [instructor] Release ASSIGNMENT (default async-basics) from grader/source to the learners
	$(COURSE_STEPS) release $(ASSIGNMENT) $(if $(LEARNER_LAB),--learner-lab)

collect: ## [instructor] Collect submissions from the exchange, or FROM=<folder or .zip> (FORCE=1 replaces)
	$(COURSE_STEPS) collect $(ASSIGNMENT) $(if $(FROM),--from "$(FROM)") $(if $(FORCE),--force)

# WORKERS=0 grades in the lab container: nothing to install on the host.
autograde: $(if $(filter 0,$(WORKERS)),,$(VENV)/.host-installed) ## [instructor] Grade the submissions not graded yet, in parallel on private hosts (WORKERS=n, STUDENT="id ...", REGRADE=1)
	$(NEED_LAB)
ifeq ($(WORKERS),0)
	@$(IN_COURSE) python -m asynclab.classroom.autograde $(ASSIGNMENT) $(foreach s,$(STUDENT),--student $(s)) $(if $(REGRADE),--regrade); \
	  status=$$?; mkdir -p $(GRADER_OUT); docker cp $(LAB_ID):$(COURSE_IN_LAB)/autograde-report.txt $(GRADER_OUT)/ 2>/dev/null; exit $$status
else
	@COMPOSE="$(COMPOSE)" $(PY) -m asynclab.classroom.parallel $(ASSIGNMENT) --project "$(PROJECT)" \
	  --course-in-lab $(COURSE_IN_LAB) --out $(GRADER_OUT) $(if $(WORKERS),--workers $(WORKERS)) \
	  $(foreach s,$(STUDENT),--student $(s)) $(if $(REGRADE),--regrade)
endif

reference: ## [developer] Record the reference runs the feedback shows, from the solutions of ASSIGNMENT (NAMES="a b" for some)
	$(COURSE_STEPS) reference $(ASSIGNMENT) $(NAMES)

feedback: ## [instructor] Make the feedback HTML (no hidden tests, no tracebacks), release it to the learners (Fetch Feedback) and copy it to grader/feedback/
	$(NEED_LAB)
	$(IN_COURSE) nbgrader generate_feedback $(ASSIGNMENT) --force
	$(IN_COURSE) nbgrader release_feedback $(ASSIGNMENT)
	mkdir -p $(GRADER_OUT)/feedback
	docker cp $(LAB_ID):$(COURSE_IN_LAB)/feedback/. $(GRADER_OUT)/feedback/
	@echo "released: learners get it with Fetch Feedback in the Assignments tab; the files are in $(GRADER_OUT)/feedback/<student>/$(ASSIGNMENT)/"

grades: ## [instructor] Export every grade to grader/grades.csv
	$(NEED_LAB)
	$(IN_COURSE) nbgrader export --to grades.csv
	mkdir -p $(GRADER_OUT)
	docker cp $(LAB_ID):$(COURSE_IN_LAB)/grades.csv $(GRADER_OUT)/grades.csv
	@echo "wrote $(GRADER_OUT)/grades.csv"

report: ## [instructor] Write the class report to grader/report/: points by learner and exercise (index.html, class.csv), the class's mistakes and their lessons, the lab's faults apart
	$(NEED_LAB)
	$(IN_COURSE) python -m asynclab.classroom.report $(ASSIGNMENT)
	rm -rf $(GRADER_OUT)/report && mkdir -p $(GRADER_OUT)/report
	docker cp $(LAB_ID):$(COURSE_IN_LAB)/report/. $(GRADER_OUT)/report/
	@echo "open $(GRADER_OUT)/report/index.html in a browser (it names learners: keep it to yourself)"

# ---- Benchmarks --------------------------------------------------------------------------
BENCH_ARGS ?=
.PHONY: bench

bench: setup ## [developer] Measure the lab against baselines in one run (needs make lab); table + bench/results.json (BENCH_ARGS="--skip build")
	$(NEED_LAB)
	COMPOSE="$(COMPOSE)" COMPOSE_PROJECT_NAME=$(PROJECT) $(PY) bench/run.py $(BENCH_ARGS)
