# The two commands: `make run` and `make test`. Both create .venv on first use from
# pyproject.toml and the lock file (requirements.lock), with nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
# pytest-xdist workers for `make test`; PYTEST_WORKERS=0 runs the suite in one process. Each
# worker has its own test database and Redis database (tests/conftest.py). Four on two cores:
# the fault tests (one xdist group, the Redis outage another) mostly wait on processes and
# sleeps, so they hold a worker each while the rest of the suite keeps the cores busy
# (tests/faults: 69 s of CPU in 583 s, -n 2).
PYTEST_WORKERS ?= 4

.PHONY: run test superuser lint fmt lock bench mutants clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "secmods needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py runtracker

test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# With DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD set,
# no questions are asked (createsuperuser --noinput).
superuser: $(STAMP)
	$(BIN)/python manage.py migrate --verbosity 0
	@if [ -n "$$DJANGO_SUPERUSER_USERNAME" ] && [ -n "$$DJANGO_SUPERUSER_PASSWORD" ]; then \
		$(BIN)/python manage.py createsuperuser --noinput; \
	else \
		$(BIN)/python manage.py createsuperuser; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy secmods config
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the pinned versions after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# Load 100 / 1,000 / 10,000 modifications into secmods_bench_<size> on the local PostgreSQL,
# serve them with gunicorn and measure; writes bench/results.md and bench/latency.png.
# BENCH_SIZES=100,1000 and BENCH_SECONDS=5 limit it (see bench/README.md).
bench: $(STAMP)
	$(BIN)/python bench/run.py

# Mutation testing of the SEC rules (secmods/rules/) against tests/rules/ and of the reminder
# dispatcher against tests/reminders/ (a sample), on SQLite; prints killed / total per module.
# CPU-heavy (about an hour on two cores), hence not part of `make test` or CI.
# MUTANTS="dates lifecycle" runs some modules only; see docs/mutants.md.
mutants: $(STAMP)
	$(BIN)/python scripts/mutants.py $(MUTANTS)

clean:
	rm -rf mutants $(VENV) var .pytest_cache .mypy_cache .ruff_cache
