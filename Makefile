# The single interface for people and CI. `make run` and `make test` set up everything
# they need on a fresh clone (virtual environments included).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
TOOLS := .venv-tools
PY := $(VENV)/bin/python
SAM := $(TOOLS)/bin/sam
# Offline, credential-free defaults for every command below.
export AWS_DEFAULT_REGION ?= ap-southeast-1
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help dev tools run invoke token test lint format typecheck pytest unit integration e2e \
        validate build layer-smoke template-tests bench openapi schemathesis clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt shared/requirements.txt functions/mcp_server/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(TOOLS)/.installed: requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --upgrade pip
	$(TOOLS)/bin/pip install -q -r requirements-tools.txt
	touch $@

dev: $(VENV)/.installed ## Create the app/test virtual environment (.venv)
tools: $(TOOLS)/.installed ## Create the SAM CLI environment (.venv-tools)

run: dev ## Start the whole API on 127.0.0.1:$${PORT:-3000} (moto + Midtrans simulator)
	$(PY) -m midtrans_local.server

invoke: dev ## Invoke one function with an event file: make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json
	$(PY) -m midtrans_local.invoke $(FUNCTION) $(EVENT)

token: dev ## Print a development JWT: make token ROLE=admin CID=tenant-a
	$(PY) -m midtrans_local.tokens --role $${ROLE:-ai_agent} --cid $${CID:-tenant-demo}

lint: dev ## ruff lint + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: dev ## Apply ruff formatting and fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: dev ## mypy (strict) over the layer, functions and local stack
	$(VENV)/bin/mypy shared/midtrans_native midtrans_local functions

pytest: dev ## The whole pytest suite (unit, integration, e2e through the local stack, template tests)
	$(VENV)/bin/pytest -q -n 2

unit: dev
	$(VENV)/bin/pytest -q tests/unit
integration: dev
	$(VENV)/bin/pytest -q tests/integration
e2e: dev
	$(VENV)/bin/pytest -q tests/e2e

validate: tools dev ## sam validate --lint and cfn-lint
	$(SAM) validate --lint
	$(VENV)/bin/cfn-lint template.yaml

build: tools ## sam build (arm64, python3.11, no container), then precompile the artifacts
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(SAM) build --parallel --cached
	# Lambda cannot write __pycache__ into /opt or /var/task: ship bytecode (see make bench, no .pyc).
	$(PYTHON) -m compileall -q -j0 .aws-sam/build

layer-smoke: dev ## Import every handler with nothing but the layer's pinned packages (+ its own requirements.txt)
	rm -rf .layer-smoke .layer-smoke-fn
	$(PY) -m pip install -q --disable-pip-version-check --target .layer-smoke -r shared/requirements.txt 2>&1 \
	  | grep -v 'is ignored' || true
	@for fn in functions/*/; do \
	  echo "layer-smoke: $$fn"; \
	  extra=""; \
	  if [ -f "$${fn}requirements.txt" ]; then \
	    target="$(CURDIR)/.layer-smoke-fn/$$(basename $$fn)"; \
	    $(PY) -m pip install -q --disable-pip-version-check --no-deps --target "$$target" -r "$${fn}requirements.txt" 2>&1 \
	      | grep -v 'is ignored' || true; \
	    extra="$$target:"; \
	  fi; \
	  POWERTOOLS_SERVICE_NAME=layer-smoke POWERTOOLS_METRICS_NAMESPACE=layer-smoke AWS_DEFAULT_REGION=ap-southeast-1 \
	  PYTHONPATH="$$extra$(CURDIR)/.layer-smoke:$(CURDIR)/shared:$(CURDIR)/$$fn" \
	  $(PYTHON) -S -c "import app; assert callable(app.lambda_handler)" || exit 1; \
	done

template-tests: dev ## Template invariants cfn-lint misses
	$(VENV)/bin/pytest -q tests/infra

test: lint typecheck pytest validate build layer-smoke ## Every check (what CI runs)

bench: dev ## Status handler vs Powertools baselines (cold import, first and warm call; interleaved ratios) + local stack timings
	$(PY) bench/bench.py

openapi: dev ## Write docs/openapi.json from the code (a test fails when it drifts)
	$(PY) -m midtrans_local.openapi > docs/openapi.json

schemathesis: dev ## The contract test alone, longer: make schemathesis EXAMPLES=100 (make test runs it with 10)
	SCHEMATHESIS_EXAMPLES=$${EXAMPLES:-100} $(VENV)/bin/pytest -q tests/e2e/test_schemathesis.py

clean: ## Remove build output and caches (keeps the virtual environments)
	rm -rf .aws-sam .layer-smoke .layer-smoke-fn .pytest_cache .mypy_cache .ruff_cache
