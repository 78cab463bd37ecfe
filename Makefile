# The two commands a newcomer runs: `make demo` and `make test` (see README.md).
#
#   make demo              venv, install, migrate, demo data, serve http://127.0.0.1:8000
#   make test              ruff, migrations check and the whole pytest suite
#   make test-browser      only the Playwright tests (headless Debian Chromium)
#   make messages          update every Russian catalog (CATALOGS="schools" for one)
#   make compilemessages   compile every catalog to .mo (commit both files)
#
# `make test` uses SQLite and eager Celery unless DATABASE_URL / CELERY_BROKER_URL are set.

PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
PIP := $(VENV)/bin/pip
DJANGO_ADMIN := $(CURDIR)/$(VENV)/bin/django-admin
DEMO_PASSWORD ?= demo12345
DEMO_ADDRESS ?= 127.0.0.1:8000
# Empty values count as unset in settings.py: the demo always runs on SQLite, eager Celery
# and console e-mail, whatever the shell or a local .env says. It shows the Russian error
# pages as users see them; `make demo DEMO_DEBUG=true` for Django's debug pages.
DEMO_DEBUG ?= false
# Links in e-mails, calendar feeds and certificates point where the demo is served.
DEMO_ENV := PORTAL_ENV=development DEBUG=$(DEMO_DEBUG) DATABASE_URL= CELERY_BROKER_URL= \
	EMAIL_URL=consolemail:// SITE_URL=http://$(DEMO_ADDRESS)
PYTEST_ARGS ?=

# Translation catalogs. The root one (locale/) covers templates/, settings and the platform
# sub-apps accounts, access, ui and audit; every other app keeps its own <app>/locale/.
APP_CATALOGS := $(patsubst %/locale,%,$(wildcard */locale network_portal/*/locale))
CATALOGS ?= . $(APP_CATALOGS)
DOMAIN_DIRS := schools diagnostics partnerships roadmaps events knowledge reports \
	network_portal/documents network_portal/notifications
ROOT_IGNORE := .venv bench tests staticfiles media private_media test-artifacts static \
	$(DOMAIN_DIRS) $(APP_CATALOGS)

.PHONY: demo test lint format install install-dev check messages compilemessages test-browser test-a11y load clean

# The demo needs only the portal's own dependencies; lint and tests add the `dev` extra.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"
	@echo "Портал: http://$(DEMO_ADDRESS)  (остановить: Ctrl+C)"
	$(DEMO_ENV) $(PY) manage.py runserver $(DEMO_ADDRESS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install-dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: lint check
	$(PY) -m pytest $(PYTEST_ARGS)

test-browser: install-dev
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

# Access matrix, security settings, accessibility (axe, HTML checker, 360 px) and faults.
test-a11y: install-dev
	$(PY) -m pytest tests/a11y tests/security tests/faults $(PYTEST_ARGS)

# gunicorn (2 workers) on PostgreSQL with a 2,000-school region: req/s, p50/p95/p99, errors.
load: install-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal_load} \
		$(PY) -m bench.load.run $(LOAD_ARGS)

messages: install
	@for dir in $(CATALOGS); do \
	  if [ "$$dir" = "." ]; then \
	    echo "== locale/ (templates, settings, accounts, access, ui, audit)"; \
	    $(PY) manage.py makemessages -l ru --add-location=file --no-obsolete \
	      $(foreach d,$(ROOT_IGNORE),-i "$(d)") || exit 1; \
	  else \
	    echo "== $$dir/locale/"; \
	    (cd $$dir && env -u DJANGO_SETTINGS_MODULE $(DJANGO_ADMIN) makemessages -l ru \
	      --add-location=file --no-obsolete) || exit 1; \
	  fi; \
	done

compilemessages: install
	@for dir in $(CATALOGS); do \
	  echo "== $$dir/locale/"; \
	  (cd $$dir && env -u DJANGO_SETTINGS_MODULE $(DJANGO_ADMIN) compilemessages -l ru \
	    -i "*" ) >/dev/null || exit 1; \
	done

clean:
	rm -rf $(VENV) staticfiles
