# The two commands the README starts with:
#   make run    the product, embedded (no servers): demo store, collector, overlay, dashboard
#   make test   everything CI runs: installs what it needs, starts real Kafka and Redis, tests
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install system-deps services-up services-down unit integration tracker-test themes bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/cartcoach serve --demo-traffic

system-deps:
	bash scripts/system_deps.sh

services-up:
	bash scripts/services.sh up

services-down:
	bash scripts/services.sh down

tracker-test:
	cd tracker && npm ci --no-audit --no-fund --loglevel=error && npm test

# The theme corpus (tests/themes): npm templates, django-oscar and Cartridge by pinned version, never
# committed; the held-out Shuup store only with `python -m tests.themes.install --held-out`.
themes: install
	$(BIN)/python -m tests.themes.install

# Services are stopped even when a test fails; the exit code is the tests'.
# The theme corpus installs (npm, two pip virtualenvs, seeded stores: mostly waiting on the
# network and disk) in the background while the snippet, unit and integration tests run; its
# own tests wait for it. The unit and integration tests share one pytest with two workers
# (pytest-xdist): the integration tests all go to one of them, one at a time, since they share
# the services (tests/integration/conftest.py), and the CPU-bound unit tests fill both.
# The browser tests run in their own pytest: sync Playwright keeps an event loop
# running in the main thread, which the asyncio tests cannot share; the theme corpus runs
# apart too, since its shoppers start Playwright in threads of their own.
test: install system-deps
	bash scripts/services.sh up
	status=0; \
	  $(BIN)/python -m tests.themes.install >$(VENV)/themes-install.log 2>&1 & themes=$$!; \
	  $(MAKE) --no-print-directory tracker-test || status=$$?; \
	  $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadgroup --durations=12 tests/unit tests/integration || status=$$?; \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser --ignore=tests/browser/test_themes.py || status=$$?; \
	  wait $$themes || { status=$$?; cat $(VENV)/themes-install.log; }; \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser/test_themes.py || status=$$?; \
	  bash scripts/services.sh down; exit $$status

bench: install services-up
	bash scripts/system_deps.sh --bench
	$(BIN)/python benchmarks/collector.py

clean:
	bash scripts/services.sh down
	rm -rf $(VENV) .services tracker/node_modules tests/themes/node_modules tests/themes/.venv-* tests/themes/data-* tests/themes/.installed-*
