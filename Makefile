# taskstream: `make help` lists the targets. Everything a target needs is installed by the target itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUF := node_modules/.bin/buf
PROTO_FILES := $(wildcard protos/taskstream/v1/*.proto)
PY_OUT := clients/python

# Each client language adds its own targets in its own makefile: to LANG_PROTO (generation, run by
# `make proto`), LANG_TEST (run by `make test`) and LANG_LINT (run by `make lint`).
LANG_PROTO :=
LANG_TEST :=
LANG_LINT :=
-include clients/go/go.mk clients/typescript/typescript.mk clients/java/java.mk

# Extra options of `make run`'s server, e.g. make run ARGS="--allow-code --workers 4".
ARGS ?=

# The servers the tests start run their local workers as the user running the tests (a root server's
# default is nobody, which may not be able to run this checkout's Python or read the tests' temporary files).
test-python $(LANG_TEST): export TASKSTREAM_WORKER_USER := $(shell id -un)

.PHONY: help venv run test test-unit test-fast test-python test-tools proto proto-python check-proto lint fmt unasync dist bench bench-deps soak clean

help: ## List the targets (of this Makefile and of each client's .mk file).
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# Both distributions editable (the client with its extras), and the root's dev dependency group.
$(VENV)/.installed: pyproject.toml clients/python/pyproject.toml server/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e './clients/python[all]' -e ./server --group dev
	touch $@

node_modules/.installed: package.json
	npm ci --no-audit --no-fund --silent
	touch $@

venv: $(VENV)/.installed ## Create the Python virtualenv with every dependency.

# Run by root, the server's default worker user is nobody, who cannot run a virtualenv made under a
# root-only home (pyenv's /root): `make run` then keeps its local workers as the user running it, unless
# a worker user is chosen (TASKSTREAMD_WORKER_USER, or --worker-user in ARGS, which wins over it).
RUN_WORKER_USER := $(if $(filter 0,$(shell id -u)),$(if $(TASKSTREAMD_WORKER_USER)$(TASKSTREAM_WORKER_USER),,TASKSTREAMD_WORKER_USER=$(shell id -un) ))

run: $(VENV)/.installed ## Start the service on its embedded defaults (SQLite under ./data, local workers); ARGS="..." adds options.
	$(RUN_WORKER_USER)$(VENV)/bin/taskstreamd serve --data-dir data --tasks taskstream.examples $(ARGS)

test: check-proto lint test-python $(LANG_TEST) ## Run every test, as CI does.
	@if [ "$${CI:-}" = true ] && [ -n "$$(git status --porcelain 2>/dev/null)" ]; then \
		echo "make test changed the tree (a test or a tool wrote into the checkout):"; git status --porcelain; exit 1; fi

test-python: $(VENV)/.installed test-tools ## Run the Python tests (unit, integration, e2e, browser), slow ones included.
	$(PY) -m pytest -q

test-unit: $(VENV)/.installed ## The fast tests: unit tests only, no server processes (seconds).
	$(PY) -m pytest -q tests/unit

test-fast: $(VENV)/.installed ## Unit and integration tests on SQLite: no PostgreSQL, browser, e2e or slow ones.
	$(PY) -m pytest -q -m "not postgres and not browser and not e2e and not slow"

test-tools: ## Install what the e2e, browser and PostgreSQL tests need (tmux, zsh, chromium, postgresql: Debian's packages) when missing.
	@command -v tmux >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y tmux; }
	@command -v zsh >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y zsh; }
	@[ -x /usr/bin/chromium ] || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; }

proto: proto-python $(LANG_PROTO) ## Regenerate the code of every language from protos/.

proto-python: $(VENV)/.installed node_modules/.installed ## Regenerate the Python stubs (taskstream/v1) after buf format and lint.
	cd protos && ../$(BUF) format -w && ../$(BUF) lint
	rm -f $(PY_OUT)/taskstream/v1/*_pb2*.py $(PY_OUT)/taskstream/v1/*_pb2*.pyi
	$(PY) -m grpc_tools.protoc -Iprotos --python_out=$(PY_OUT) --pyi_out=$(PY_OUT) \
		--grpc_python_out=$(PY_OUT) $(PROTO_FILES)

check-proto: proto ## Fail when `make proto` changes committed files.
	@if [ -n "$$(git status --porcelain -- protos clients)" ]; then \
		echo "make proto left a diff; commit the regenerated code:"; git status --porcelain -- protos clients; exit 1; fi

lint: $(VENV)/.installed node_modules/.installed $(LANG_LINT) ## ruff format --check, ruff check, mypy, the sync client is current, buf lint and format.
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(PY) clients/python/tools/unasync.py --check
	$(VENV)/bin/mypy clients/python/taskstream clients/python/tools server/taskstreamd
	cd protos && ../$(BUF) lint && ../$(BUF) format --exit-code -d

dist: $(VENV)/.installed ## Build the wheels of taskstream (client, CLI, authoring API) and taskstreamd (server, worker) into dist/.
	rm -rf dist clients/python/build server/build
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist ./clients/python ./server
	@ls dist

unasync: $(VENV)/.installed ## Write the sync Python client (taskstream/_sync/) from the asyncio one (taskstream/_async/).
	$(PY) clients/python/tools/unasync.py

fmt: $(VENV)/.installed ## Format the Python code.
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench-deps: $(VENV)/.installed ## Install the benchmarks' baselines: the bench extra (Ray, Celery, ...) and redis-server.
	$(PY) -m pip install --quiet --group bench
	@command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; }

bench: bench-deps test-tools ## Run every benchmark and write bench/reports/summary.json (BENCH_ARGS=--quick: a smoke run).
	$(PY) bench/run_all.py $(BENCH_ARGS)

soak: $(VENV)/.installed ## Soak a real server for 60 s (creates, watches, stops); report in bench/reports/soak.json.
	$(PY) bench/soak.py --seconds 60

clean: ## Remove the virtualenv, node_modules and local data.
	rm -rf $(VENV) node_modules data dist clients/python/build server/build .pytest_cache .mypy_cache .ruff_cache
