# Guichet — the two commands of README.md, and a few more.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check -q -c requirements/constraints.txt

.PHONY: demo test install install-dev lint format messages bench clean cluster cluster-test reliability

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies only (stamp file so that a second `make demo` starts at once).
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements/constraints.txt
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml requirements/constraints.txt
	$(PIP_INSTALL) -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: install, migrate, seed the demo territory and serve with the worker
demo: install
	$(BIN)/guichet migrate --noinput -v0
	$(BIN)/guichet collectstatic --noinput -v0
	$(BIN)/guichet seed_demo
	HOST=$(HOST) PORT=$(PORT) $(BIN)/guichet serve

## make test: install the dev dependencies, lint and type-check, run the whole test suite
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@command -v $${CHROMIUM_PATH:-chromium} >/dev/null 2>&1 || echo "NOTE: Chromium not found: the browser tests (tests/browser) will be SKIPPED. apt-get install chromium to run them."
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make messages: extract the French strings (GNU gettext needed) and compile every catalogue
GETTEXT_TOOLS := xgettext msguniq msgmerge msgattrib
messages: install-dev
	@for tool in $(GETTEXT_TOOLS); do \
	  command -v $$tool >/dev/null 2>&1 || { \
	    echo "make messages: GNU gettext is missing ($$tool not found): apt-get install gettext" \
	         "(or brew install gettext), then run it again. To compile the catalogues alone" \
	         "(no gettext needed): $(BIN)/python scripts/compile_messages.py" >&2; \
	    exit 1; }; \
	done
	cd src/guichet && ../../$(BIN)/guichet makemessages -l en --no-obsolete --ignore "*/migrations/*"
	$(BIN)/python scripts/compile_messages.py

## make bench: seed a volume and measure (see bench/README.md)
bench: install-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## make cluster: nginx, two app servers, two workers, PostgreSQL + replica, Redis, S3 (Ctrl-C stops)
cluster: install-dev
	$(BIN)/python scripts/cluster.py $(CLUSTER_ARGS)

## make cluster-test: start a cluster, run tests/cluster against it, stop it
cluster-test: install-dev
	$(BIN)/python scripts/cluster.py test $(CLUSTER_ARGS)

## make reliability: a cluster under load while SMTP, a worker, PostgreSQL and Redis fail
reliability: install-dev
	$(BIN)/python scripts/reliability.py $(RELIABILITY_ARGS)

clean:
	rm -rf $(VENV) var/static
