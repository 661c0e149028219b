# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SHELL := /bin/bash
# pip prints one "Location ... is ignored" warning per package when a configured index
# (pip.conf, PIP_EXTRA_INDEX_URL) is a missing folder; nothing is wrong, so it is filtered out.
PIP_QUIET := 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)

.PHONY: run test install system-deps lint typecheck format worker beat demo migrate check-deploy clean messages

# Debian packages the tests need: Chromium for browser tests, poppler for PDF text, DejaVu fonts for PDFs,
# ClamAV's daemon for the malware scan of uploads (the tests start their own clamd: tests/conftest.py).
SYSTEM_PACKAGES := chromium poppler-utils fonts-dejavu clamav-daemon clamav npm

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || { echo "Creating the virtualenv in $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing Python packages (requirements-dev.txt) ..."
	@$(PIP) install --quiet --upgrade pip $(PIP_QUIET)
	@$(PIP) install --quiet -r requirements-dev.txt $(PIP_QUIET)
	@touch $(STAMP)

# axe-core for the browser tests' accessibility checks, from the npm registry, pinned by package-lock.json.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is required for the browser tests' axe-core (apt-get install npm)"; exit 1; }
	@echo "Installing axe-core for the browser tests (npm ci) ..."
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

migrate: install
	@echo "Migrating the database ..."
	@$(PY) manage.py migrate --noinput --verbosity 0

# Links in e-mails and the printed admin address follow HOST and PORT unless SITE_URL is set.
demo run: export SITE_URL ?= http://$(HOST):$(PORT)

demo: migrate
	@$(PY) manage.py seed_demo

## make run: install, migrate SQLite, load demo data, serve on 127.0.0.1:8000 (Celery eager)
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Celery runs tasks in-process: no broker needed)"
	@env -u CELERY_BROKER_URL $(PY) manage.py runserver $(HOST):$(PORT)

system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu"; \
	[ -x /usr/sbin/clamd ] || missing="$$missing clamav-daemon"; \
	command -v clamscan >/dev/null 2>&1 || missing="$$missing clamav"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install these Debian packages first:$$missing"; exit 1; fi; \
	fi

## make test: the whole suite (SQLite and eager Celery unless DATABASE_URL / CELERY_BROKER_URL are set)
test: system-deps install
	$(PY) -m pytest -n 2 --dist loadgroup -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## make typecheck: mypy on the pure modules (rules, lifecycle: strict), every services.py and selectors.py,
## and the API (flags per module in pyproject.toml)
TYPED := requests_app/rules.py requests_app/lifecycle.py requests_app/errors.py requests_app/rows.py \
	requests_app/intake/api.py requests_app/intake/api_urls.py requests_app/intake/serializers.py \
	requests_app/intake/authentication.py \
	$(sort $(wildcard requests_app/services.py requests_app/selectors.py requests_app/*/services.py \
	  requests_app/*/selectors.py transparency/services.py transparency/selectors.py))
typecheck: install
	$(VENV)/bin/mypy --follow-imports=silent $(TYPED)

## make messages: extract marked strings into locale/*/django.po and compile the .mo files (needs gettext)
messages: install
	$(PY) manage.py makemessages -l fr -l de -l es -l pt_BR -l ru -l ar --no-obsolete \
	  --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: install
	$(VENV)/bin/celery -A portal worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A portal beat --loglevel=info

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=portal.example.org \
	EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend FILE_ENCRYPTION_KEY=$$(head -c 32 /dev/urandom | base64) REPORT_SIGNING_KEY=$$(head -c 32 /dev/urandom | base64) LOG_SIGNING_KEY=$$(head -c 32 /dev/urandom | base64) \
	RECORD_SOURCE=requests_app.production.records.DemoRecordSource USER_NOTIFIER=requests_app.production.notifier.DemoUserNotifier CLAMD_SOCKET=/run/clamav/clamd.ctl \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules db.sqlite3 media staticfiles
