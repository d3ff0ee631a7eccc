# The two commands the README promises: `make demo` and `make test`; `make check` is the quick
# loop (lint, types, unit tests) between them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python's default, bytecode caches (in __pycache__, ignored by git), even where the
# environment turns them off: the tests start hundreds of Python processes over the same
# sources, and without the caches every pytest worker rewrites and compiles every test module
# again (collection: 7.1 s of CPU per worker instead of 2.4 s).
unexport PYTHONDONTWRITEBYTECODE
# Tests run on every core: two workers per core, because most integration tests wait on the
# provider's and the emulator's fixed delays rather than compute (on 2 cores, 4 workers took
# 24.5 min against 29 min for 2). A file's tests stay on one worker (they share its fixtures),
# every worker with its own emulator, engines, ports and temp dirs. Files are handed out
# longest first (tests/longest_first.py), not in xdist's order of most tests first.
PARALLEL := -n $(shell echo $$(( 2 * $$(nproc) ))) --dist loadfile --no-loadscope-reorder

.PHONY: demo demo-down check test lint typecheck unit integration e2e modules dev actions docs bench bench-demo bench-engines clean

dev:
	@scripts/dev-env

# What the first run will build and how long it takes, or what this machine lacks: said
# before anything long starts.
demo:
	@echo "━━ make demo"
	@python3 scripts/prerequisites.py demo
	@$(MAKE) --no-print-directory dev
	@$(PY) scripts/demo.py

demo-down:
	@python3 scripts/localenv.py emulator stop
	@python3 scripts/localenv.py postgres stop
	@scripts/docker-env stop

check: dev lint typecheck
	$(VENV)/bin/pytest $(PARALLEL) -q tests/unit examples/app/tests/unit

test: dev lint typecheck
	$(VENV)/bin/pytest $(PARALLEL)

lint: dev
	$(VENV)/bin/ruff check src tests scripts scripts/release examples/app
	$(VENV)/bin/ruff format --check src tests scripts scripts/release examples/app
	$(PY) scripts/generate-actions --check
	$(PY) scripts/generate-module-docs --check
	$(VENV)/bin/actionlint tests/e2e/workflows/*.yml .github/workflows/*.yml examples/workflows/*.yml
	$(VENV)/bin/zizmor --offline --quiet --config .github/zizmor.yml .github/workflows actions action.yml examples/workflows/*.yml
	$(VENV)/bin/pytest -q tests/unit/test_readme_snippets.py  # README snippets: actionlint, zizmor

typecheck: dev
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict scripts/release
	$(VENV)/bin/mypy --strict examples/app/app

unit: dev
	$(VENV)/bin/pytest $(PARALLEL) tests/unit examples/app/tests/unit

integration: dev
	$(VENV)/bin/pytest $(PARALLEL) tests/integration

e2e: dev
	$(VENV)/bin/pytest $(PARALLEL) tests/e2e

actions: dev
	$(PY) scripts/generate-actions

docs: dev
	$(PY) scripts/generate-module-docs

modules: dev
	$(VENV)/bin/pytest $(PARALLEL) tests/terraform

bench: dev
	$(PY) scripts/bench_bootstrap.py

bench-demo: dev
	$(PY) scripts/bench_demo.py

bench-engines: dev
	$(PY) scripts/bench_engine_install.py

clean: demo-down
	rm -rf .local .pytest_cache .mypy_cache .ruff_cache
