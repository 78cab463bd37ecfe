# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_PASSWORD ?= demo12345
DEMO_ENV := PORTAL_ENV=development DATABASE_URL= CELERY_BROKER_URL= EMAIL_URL=consolemail://

.PHONY: demo test lint format install messages compilemessages test-browser clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"
	@echo "Портал: http://127.0.0.1:8000  (остановить: Ctrl+C)"
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

messages: install
	$(PY) manage.py makemessages -l ru --add-location=file -i ".venv/*" -i "bench/*" -i "tests/*" -i "staticfiles/*"

compilemessages: install
	$(PY) manage.py compilemessages -i ".venv"

clean:
	rm -rf $(VENV) staticfiles
