# Leeway: `make demo` runs it, `make test` tests it. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install demo serve test lint test-sqlite test-postgres test-browser messages catalogues clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) catalogues

catalogues: $(STAMP)
	$(BIN)/python -m leeway.core.catalogues --compile

data/secret_key:
	mkdir -p data
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# The embedded default: SQLite in ./data, no other server; the production server runs the background
# worker beside it (LEEWAY_EMBEDDED_WORKER), so the overdue sweep, imports and value refreshes just work.
demo: install data/secret_key
	SECRET_KEY=$$(cat data/secret_key) $(BIN)/leeway migrate --no-input -v 0
	SECRET_KEY=$$(cat data/secret_key) $(BIN)/leeway demo-data
	SECRET_KEY=$$(cat data/secret_key) LEEWAY_DEMO=true \
		$(BIN)/leeway serve --host 127.0.0.1 --port $(PORT)

lint: install
	mkdir -p data
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	LEEWAY_TESTING=true $(BIN)/leeway makemigrations --check --dry-run

test-sqlite: install
	$(BIN)/pytest -m "not browser" -q

# Same suite on PostgreSQL when one answers (CI sets LEEWAY_REQUIRE_POSTGRES=1: then it must).
test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(POSTGRES_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -m "not browser" -q; \
	elif [ "$$LEEWAY_REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL at $(POSTGRES_URL) is required but does not answer"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(POSTGRES_URL): PostgreSQL tests skipped"; \
	fi

test-browser: install
	@if [ -x /usr/bin/chromium ]; then \
		$(BIN)/pytest -m browser --browser chromium -q; \
	elif [ "$$LEEWAY_REQUIRE_BROWSER" = "1" ]; then \
		echo "/usr/bin/chromium is required but missing (apt-get install chromium)"; exit 1; \
	else \
		echo "/usr/bin/chromium missing: browser tests skipped (apt-get install chromium)"; \
	fi

test: lint test-sqlite test-postgres test-browser

# For developers: refresh the Spanish catalogues after changing strings (needs GNU gettext).
# Run from leeway/ so each app's strings go to its own locale/ folder.
messages: install
	cd leeway && LEEWAY_TESTING=true $(CURDIR)/$(BIN)/leeway makemessages -l es --no-obsolete --no-location \
		-i "tests/*" -i "*/tests/*" -i "migrations/*" -i "*/migrations/*" -i "static/*" -i "*/static/*"
	$(BIN)/python -m leeway.core.catalogues --strip-fuzzy-headers

clean:
	rm -rf $(VENV) staticfiles
