# plantrack — two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DB ?= data/plantrack.duckdb
PORT ?= 8501

.PHONY: run test install system demo bench fuzz fixtures clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

# Debian packages: chromium for the browser tests and PNG export, fonts with Vietnamese glyphs.
system:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi dejavu; then \
		echo "installing chromium and fonts (apt-get)"; \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core >/dev/null; \
	fi

$(DB): | $(STAMP)
	PLANTRACK_DB=$(DB) $(PY) -m plantrack demo

demo: $(STAMP)
	PLANTRACK_DB=$(DB) $(PY) -m plantrack demo

# serve.py is app.py plus the routes that set and clear the login cookie (plantrack/web.py).
# Streamlit treats the first session after start-up as an old-style app when a pages/ folder
# sits beside app.py: a shared link such as /huyen would then run that page file without
# app.py's frame (sidebar, login). SERVE clears that flag before the server starts, so
# st.navigation in app.py decides every page from the first visitor on.
SERVE = $(PY) -c "import sys; from streamlit.runtime.pages_manager import PagesManager; \
	PagesManager.uses_pages_directory = False; from streamlit.web.cli import main; \
	sys.argv[0] = 'streamlit'; sys.exit(main())"

run: $(STAMP) system $(DB)
	PLANTRACK_DB=$(DB) $(SERVE) run serve.py --server.port $(PORT) --server.headless true

test: $(STAMP) system
	$(PY) -m pytest -q -n 2 --dist loadgroup

bench: $(STAMP)
	$(PY) bench/run.py

fuzz: $(STAMP)
	FUZZ_EXAMPLES=5000 $(PY) -m pytest -q tests/test_fuzz.py

# regenerate the quirk fixtures (needs LibreOffice: apt-get install -y --no-install-recommends libreoffice-calc-nogui)
fixtures: $(STAMP)
	$(PY) tests/fixtures/make_fixtures.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
