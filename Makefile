# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp

.PHONY: run test install install-test assets translations db demo serve chromium clamav poppler lint bench mutation clean

run: install assets translations db demo serve  ## set up, load the demo data and serve on :5000

test: install-test assets translations chromium clamav poppler  ## set up, check the layers and run the whole test suite
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "odr needs Python 3.11 or newer (set PYTHON=python3.11)"; exit 1)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP)-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP)-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)-run

install: $(STAMP)-run
install-test: $(STAMP)-test

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: node_modules/.stamp  ## build the front-end into odr/platform/static/dist
	npm run build

translations: install  ## compile the message catalogues
	$(BIN)/pybabel compile -d odr/translations

db: install  ## create or upgrade the database
	$(BIN)/odr db upgrade

demo: db  ## load the demo tenant (safe to repeat)
	$(BIN)/odr demo

serve:  ## serve pages, API and Socket.IO on ODR_HOST:ODR_PORT
	$(BIN)/odr serve

chromium:  ## Debian's Chromium for the browser tests
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

clamav:  ## Debian's clamd for the malware-scan tests (they start it with a signature file of their own)
	@test -x /usr/sbin/clamd || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon)

poppler:  ## Debian's poppler-utils: pdfsig checks the sealed agreements' signatures in the tests
	@test -x /usr/bin/pdfsig || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils)

lint: install-test
	$(BIN)/ruff check odr tests bench
	$(BIN)/lint-imports

bench: install-test assets translations
	$(BIN)/python -m bench.http

# Not part of `make test` nor of CI: a few minutes on two cores. Always on SQLite (each mutant's
# tests make a database of their own); [tool.mutmut] in pyproject.toml names the modules and tests.
mutation: install-test  ## mutation testing of the kernel's rules: scores per module, then the survivors
	rm -rf mutants
	ODR_TEST_DATABASE_URL= $(BIN)/mutmut run --max-children 2
	@$(BIN)/mutmut results --all true | awk -F': ' '/: /{sub(/^ +/, "", $$1); split($$1, p, "[.]x"); n[p[1]]++; if ($$2 == "killed") k[p[1]]++} \
		END {for (m in n) printf "%-30s %4d/%-4d killed %5.1f%%\n", m, k[m], n[m], 100 * k[m] / n[m]}' | sort
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) node_modules odr/platform/static/dist instance
