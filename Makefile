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

.PHONY: demo test lint imports unit sam-check scan bench bench-webhook openapi clean

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

test: lint unit sam-check scan

bench: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench

bench-webhook: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_webhook

# The admin API's OpenAPI document, from the handlers' code (a test fails when it is stale).
openapi: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.openapi

clean:
	rm -rf $(VENV) $(SAM_VENV) $(SCAN_VENV) .aws-sam .pytest_cache
