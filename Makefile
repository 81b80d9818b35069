# The two commands: `make run` (local server on SQLite + local media) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST_PORT ?= 127.0.0.1:8000
# What `make run` watches for changes (not .venv: uvicorn would poll every installed file).
RELOAD_DIRS := coursecompanion access content quizzes progress templates

.PHONY: run test typecheck lint check install install-dev clean bench

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps re-install only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Serves the ASGI app (Django and the MCP server at /mcp), reloading when Python code changes.
run: export DJANGO_DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_course --write --if-empty
	$(PY) manage.py ensure_local_admin
	$(VENV)/bin/uvicorn coursecompanion.asgi:application --host $(word 1,$(subst :, ,$(HOST_PORT))) \
	  --port $(word 2,$(subst :, ,$(HOST_PORT))) --reload $(foreach d,$(RELOAD_DIRS),--reload-dir $(d))

# Coverage floors: the whole project, and each services.py and pure rule module on its own.
COVERAGE_FLOOR := 90
COVERED_RULES := access/services.py content/services.py quizzes/services.py \
	progress/services.py quizzes/grading.py quizzes/kinds.py progress/streaks.py \
	content/search_query.py

test: install-dev
	$(VENV)/bin/pytest -q --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR) $(PYTEST_ARGS)
	$(VENV)/bin/coverage report --no-skip-covered --include="$$(echo $(COVERED_RULES) | tr ' ' ,)"
	@for module in $(COVERED_RULES); do \
		$(VENV)/bin/coverage report --include=$$module --fail-under=$(COVERAGE_FLOOR) >/dev/null \
			|| { echo "coverage of $$module is below $(COVERAGE_FLOOR)%"; exit 1; }; \
	done

typecheck: install-dev
	DJANGO_DEBUG=1 $(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The benchmark (bench/run.py): the Procfile's server on PostgreSQL and Redis, driven by wrk.
# BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_PORT and BENCH_DURATION choose where and how long.
bench: install
	$(PY) bench/run.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: export DJANGO_DEBUG ?= 1
check: install-dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .local-admin-password.* .coverage .mypy_cache
