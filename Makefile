# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PORT ?= 8050
PROCESSES ?= web scheduler
export PORT

.PHONY: run test env chromium lint typecheck pytest migrate demo bench clean

# The environment is rebuilt when the lock file changes.
.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

env: .venv/.synced

migrate: env
	$(UV) run python -m data migrate

# The demo users' password: CARTWATCH_DEMO_PASSWORD, or a random one kept in instance/ so it can be shown again.
DEMO_PASSWORD_FILE := instance/demo-password

demo: migrate
	@mkdir -p instance
	@test -s $(DEMO_PASSWORD_FILE) || python3 -c "import secrets; print(secrets.token_urlsafe(9))" > $(DEMO_PASSWORD_FILE)
	CARTWATCH_DEMO_PASSWORD="$${CARTWATCH_DEMO_PASSWORD:-$$(cat $(DEMO_PASSWORD_FILE))}" $(UV) run python -m data demo --if-empty

# The Procfile's scheduler is `python -m alerts.supervise`: a leader and a hot standby, restarted if they exit.
run: demo
	@echo "cartwatch: open http://127.0.0.1:$(PORT)"
	@echo "log in as nurse, nic, doctor or admin with the password $${CARTWATCH_DEMO_PASSWORD:-$$(cat $(DEMO_PASSWORD_FILE))}"
	$(UV) run honcho start $(PROCESSES)

chromium:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "Browser tests need Chromium. Run as root:"; \
		echo "  apt-get update && apt-get install -y chromium chromium-driver"; \
		exit 1; \
	fi

lint: env
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck: env
	$(UV) run mypy

# Tests run in TEST_WORKERS processes side by side (pytest-xdist); most of the suite's time is spent waiting on
# browsers, servers and processes, so more workers than cores pays. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 3

pytest: env chromium
	$(UV) run pytest -n $(TEST_WORKERS) --dist worksteal

test: lint typecheck pytest

bench: env
	$(UV) run python -m bench

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
