# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
# Python 3.13 matches the Lambda runtime: python3.13 if it runs, else pyenv's latest 3.13 (where a
# pyenv shim needs PYENV_VERSION). Exported, so the layer's own Makefile (`sam build`) uses it too.
ifndef PYTHON
PYTHON := $(shell python3.13 -c '' 2>/dev/null && echo python3.13 || { v=$$(pyenv latest 3.13 2>/dev/null) && echo "env PYENV_VERSION=$$v python3.13"; } || echo python3.13)
endif
export PYTHON
VENV := .venv
SAM_VENV := .venv-sam
SCAN_VENV := .venv-scan
PIP_QUIET := --quiet --disable-pip-version-check
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

.PHONY: build deploy demo test lint imports typecheck unit pytest sam-check scan salesforce-check salesforce-metadata salesforce-auth bench bench-memory bench-webhook bench-attribution bench-cold-start bench-sweep layer-lock openapi runbook clean

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

# Lightning Flow Scanner, pinned in tools/flow-scanner (package-lock.json), lints the generated flows.
FLOW_SCANNER_DIR := tools/flow-scanner

$(FLOW_SCANNER_DIR)/node_modules/.installed: $(FLOW_SCANNER_DIR)/package.json $(FLOW_SCANNER_DIR)/package-lock.json
	cd $(FLOW_SCANNER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.demo

lint: $(VENV)/.installed imports typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The layer, strict (pyproject.toml [tool.mypy]): Protocols are promises the adapters keep.
typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

# Dependencies point inward: the contracts are in .importlinter (handlers: tests/unit/test_handler_imports.py).
imports: $(VENV)/.installed
	PYTHONPATH=layers/shared $(VENV)/bin/lint-imports --no-cache

# The fast loop (seconds): rules, services on fakes, properties, the emulators themselves.
unit: $(VENV)/.installed
	$(VENV)/bin/pytest -q tests/unit tests/property tests/emulator

# Everything, the handlers through moto and the emulators included (minutes).
pytest: $(VENV)/.installed
	$(VENV)/bin/pytest -q

sam-check: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/sam validate --lint
	$(SAM_VENV)/bin/sam build --build-dir .aws-sam/build

# The deployable artifacts in .aws-sam/build (the layer's Makefile resolves python3.13 as above).
build: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/sam build

# samconfig.toml (copied from samconfig.example.toml and filled in) deploys as it says; without
# one, `sam deploy --guided` asks for each parameter and saves samconfig.toml. CONFIG_ENV=prod
# picks its [prod.*] tables; REGION= overrides the config's. Region, credentials and the config are
# checked first.
deploy: build $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.preflight --config-env $(or $(CONFIG_ENV),default) \
		$(if $(REGION),--region "$(REGION)")
	if [ -f samconfig.toml ]; then $(SAM_VENV)/bin/sam deploy --config-env $(or $(CONFIG_ENV),default) $(if $(REGION),--region "$(REGION)"); \
	else $(SAM_VENV)/bin/sam deploy --guided $(if $(REGION),--region "$(REGION)"); fi

# Template scanners: any new finding fails; accepted ones are listed with reasons in .checkov.yaml.
scan: $(SCAN_VENV)/.installed
	$(SCAN_VENV)/bin/cfn-lint template.yaml
	$(SCAN_VENV)/bin/checkov --config-file .checkov.yaml

# Offline (no org): the Salesforce CLI converts the shipped metadata, a tree generated from sample
# stack outputs and a sample External Client App to Metadata API format, which fails on anything it
# does not recognise; Lightning Flow Scanner lints the generated flows (exceptions, with reasons,
# in tools/flow-scanner/flow-scanner.json).
salesforce-check: $(VENV)/.installed $(SF_DIR)/node_modules/.installed $(FLOW_SCANNER_DIR)/node_modules/.installed
	rm -rf $(SF_CHECK)
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.salesforce_metadata --sample --out $(SF_CHECK)/generated
	cd salesforce && $(SF_ENV) $(SF) project convert source --root-dir force-app --output-dir $(CURDIR)/$(SF_CHECK)/shipped-mdapi
	cd $(SF_CHECK)/generated && $(SF_ENV) $(SF) project convert source --root-dir force-app --output-dir $(CURDIR)/$(SF_CHECK)/generated-mdapi
	node $(FLOW_SCANNER_DIR)/scan-flows.js $(SF_CHECK)/generated/force-app
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.salesforce_auth --sample --out $(SF_CHECK)/auth
	cd $(SF_CHECK)/auth && $(SF_ENV) $(SF) project convert source --root-dir force-app --output-dir $(CURDIR)/$(SF_CHECK)/auth-mdapi

# The outbound messages, flows, named credential and External Service for a deployed stack:
#   make salesforce-metadata STACK=<stack name> INTEGRATION_USER=<username> [REGION=eu-west-1]
#     [AWS_AUTH=access-key: the named credential signs with an IAM user's key, not the stack's role]
salesforce-metadata: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.salesforce_metadata --stack "$(STACK)" \
		--integration-user "$(INTEGRATION_USER)" $(if $(REGION),--region "$(REGION)") \
		$(if $(AWS_AUTH),--aws-auth "$(AWS_AUTH)")

# The production login: a key pair and certificate, the External Client App that trusts it (under
# salesforce/generated/auth) and the JWT login in the Salesforce secret (created if absent):
#   make salesforce-auth SECRET=<name or ARN> INTEGRATION_USER=<username> [DOMAIN=test] [REGION=…]
salesforce-auth: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.salesforce_auth --secret "$(SECRET)" \
		--integration-user "$(INTEGRATION_USER)" $(if $(DOMAIN),--domain "$(DOMAIN)") \
		$(if $(PERMISSION_SET_ID),--permission-set-id "$(PERMISSION_SET_ID)") $(if $(REGION),--region "$(REGION)")

test: lint pytest sam-check scan salesforce-check

bench: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_cold_start
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_sweep

# The recompute's own memory on a first run at 10k and 100k members (about a minute).
bench-memory: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_memory

# The sweep's Salesforce calls with nothing changed and per change (a few seconds).
bench-sweep: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.bench_sweep

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

# docs/runbook.md's operator commands, e.g. make runbook ARGS="redrive --dlq … --queue …"
runbook: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.runbook $(ARGS)

# The admin API's OpenAPI document, from the handlers' code (a test fails when it is stale).
openapi: $(VENV)/.installed
	PYTHONPATH=layers/shared:. $(VENV)/bin/python -m scripts.openapi

clean:
	rm -rf $(VENV) $(SAM_VENV) $(SCAN_VENV) .aws-sam .pytest_cache $(SF_DIR)/node_modules $(FLOW_SCANNER_DIR)/node_modules $(SF_CHECK)
