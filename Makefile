# Blend: `make run` (bot + Teams simulator) and `make test` (the whole suite). Both set up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test bench package constraints clean

setup: $(STAMP) node_modules/.installed-stamp

# Python packages pinned by constraints.txt (what CI tested); refresh it with `make constraints`.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# The Microsoft 365 Agents Playground, pinned by package-lock.json.
node_modules/.installed-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	./scripts/run_local.sh

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Blend against stock botbuilder and a hand-written ceiling (issue 9); writes bench/RESULTS.md.
# BENCH_ARGS=--quick for a smoke run; BLEND_BENCH_POSTGRES_URL picks the PostgreSQL server.
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

# The Teams app package (needs APP_ID and BLEND_PUBLIC_HOST; see docs/deployment.md).
package: setup
	$(BIN)/python -m manifest.package --out build/blend-teams-app.zip

constraints:
	$(BIN)/python -m pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) node_modules data .playground .pytest_cache
