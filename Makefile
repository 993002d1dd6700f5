# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
# Python 3.13 matches the Lambda runtime, so `sam build` finds the interpreter it needs.
PYTHON ?= $(shell PYENV_VERSION=3.13.0 command -v python3.13 >/dev/null 2>&1 && echo "env PYENV_VERSION=3.13.0 python3.13" || echo python3.13)
VENV := .venv
SAM_VENV := .venv-sam
SCAN_VENV := .venv-scan
PIP_QUIET := --quiet --disable-pip-version-check
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

.PHONY: demo test lint imports unit sam-check scan salesforce-check salesforce-metadata bench bench-webhook bench-attribution bench-cold-start layer-lock openapi clean

$(VENV)/.installed: requirements-dev.txt layers/shared/requirements.txt constraints/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_QUIET) -r requirements-dev.txt -c constraints/dev.txt
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt constraints/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install $(PIP_QUIET) -r requirements-sam.txt -c constraints/sam.txt
	touch $@

# cfn-lint and checkov pin packages of their own (requirements-scan.txt says why these versions).
$(SCAN_VENV)/.installed: requirements-scan.txt constraints/scan.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install $(PIP_QUIET) -r requirements-scan.txt -c constraints/scan.txt
	touch $@

# The Salesforce CLI, pinned in tools/sf (package-lock.json); `npm ci` installs exactly that.
SF_DIR := tools/sf
SF := $(CURDIR)/$(SF_DIR)/node_modules/.bin/sf
SF_ENV := SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true SF_HIDE_RELEASE_NOTES=true
SF_CHECK := .salesforce-check

$(SF_DIR)/node_modules/.installed: $(SF_DIR)/package.json $(SF_DIR)/package-lock.json
	cd $(SF_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.demo

lint: $(VENV)/.installed imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Dependencies point inward: the contracts are in .importlinter (handlers: tests/unit/test_handler_imports.py).
imports: $(VENV)/.installed
	PYTHONPATH=layers/shared $(VENV)/bin/lint-imports --no-cache

unit: $(VENV)/.installed
	$(VENV)/bin/pytest -q

sam-check: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/sam validate --lint
	$(SAM_VENV)/bin/sam build --build-dir .aws-sam/build

# Template scanners: any new finding fails; accepted ones are listed with reasons in .checkov.yaml.
scan: $(SCAN_VENV)/.installed
	$(SCAN_VENV)/bin/cfn-lint template.yaml
	$(SCAN_VENV)/bin/checkov --config-file .checkov.yaml

# Offline (no org): the Salesforce CLI converts the shipped metadata and a tree generated from
# sample stack outputs to Metadata API format, which fails on anything it does not recognise.
salesforce-check: $(VENV)/.installed $(SF_DIR)/node_modules/.installed
	rm -rf $(SF_CHECK)
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.salesforce_metadata --sample --out $(SF_CHECK)/generated
	cd salesforce && $(SF_ENV) $(SF) project convert source --root-dir force-app --output-dir $(CURDIR)/$(SF_CHECK)/shipped-mdapi
	cd $(SF_CHECK)/generated && $(SF_ENV) $(SF) project convert source --root-dir force-app --output-dir $(CURDIR)/$(SF_CHECK)/generated-mdapi

# The outbound messages, flows, named credential and External Service for a deployed stack:
#   make salesforce-metadata STACK=<stack name> INTEGRATION_USER=<username> [REGION=eu-west-1]
salesforce-metadata: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.salesforce_metadata --stack "$(STACK)" \
		--integration-user "$(INTEGRATION_USER)" $(if $(REGION),--region "$(REGION)")

test: lint unit sam-check scan salesforce-check

bench: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_cold_start

bench-webhook: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_webhook

bench-attribution: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_attribution

# Each handler's cold import as a ratio to `import boto3`, and the built layer's size.
bench-cold-start: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_cold_start

# What the layer installs: requirements.txt's closure at the dev pins, minus the runtime's boto3.
layer-lock: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.layer_lock

# The admin API's OpenAPI document, from the handlers' code (a test fails when it is stale).
openapi: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.openapi

clean:
	rm -rf $(VENV) $(SAM_VENV) $(SCAN_VENV) .aws-sam .pytest_cache $(SF_DIR)/node_modules $(SF_CHECK)
