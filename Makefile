# The few targets the README and CI use. Everything runs from the project's own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint bench worker serve clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_setup
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py load_demo_roster
	$(BIN)/python manage.py load_demo_patrols
	$(BIN)/python manage.py load_demo_evaluation
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop); public live calls at /live/exampleshire/"
	@# The simulated control room feeds the live-call maps through the push API while the server runs.
	$(BIN)/python manage.py simulate_calls --url http://$(HOST):$(PORT) > calls-simulator.log 2>&1 & \
	trap "kill $$! 2>/dev/null" EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

worker: $(STAMP)
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=$${WORKER_CONCURRENCY:-2}

serve: $(STAMP)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_WORKERS:-3}

clean:
	rm -rf $(VENV) staticfiles .test-db*.sqlite3*
