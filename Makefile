# The two commands of the README: `make run` and `make test`. Both build what they need first.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON := $(shell scripts/find-python)
# Expanded first in each recipe that runs $(PYTHON): stops there with a clear message, not with
# "-m: command not found" (and leaves `make help` working when no Python is found).
NEED_PYTHON = $(if $(PYTHON),,$(error no Python for the virtualenv: scripts/find-python found none (>= 3.11, with venv and ensurepip); install Python 3.13))
VENV := .venv
TOOLS := .tools
UV_VERSION := 0.13.9
UV := $(TOOLS)/uv/bin/uv
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
OPENAPI_CLIENT := $(TOOLS)/openapi-client/bin/openapi-python-client
# npm ci installs Redocly CLI, openapi-typescript and TypeScript as package-lock.json pins them.
NODE_TOOLS := node_modules/.installed
REDOCLY := node_modules/.bin/redocly
OPENAPI_DOCUMENT := functions/get_post/openapi.json
REFERENCE_PAGE := site/api-reference.html
# True in a recipe where Node.js is on PATH and npm ci has installed the Node tools (node-tools).
NODE_READY := command -v node >/dev/null && command -v npm >/dev/null && [ -f $(NODE_TOOLS) ]
BIN := $(VENV)/bin
BUILT_TEMPLATE := .aws-sam/build/template.yaml
# checkov evaluates Conditions with the parameters' defaults, so it would never see the CDN (off by
# default): lint-template scans a copy of the template with the CDN, both custom domains and SnapStart on, too.
CDN_ON_TEMPLATE := .aws-sam/template-cdn-on.json
CDN_ON_PARAMETERS := CdnEnabled=true CdnDomainName=blog.example.org \
	CdnCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/example \
	ApiDomainName=api.example.org ApiCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/example \
	HostedZoneId=Z0EXAMPLE SnapStart=PublishedVersions
# What sam build reads: a change to any of them builds again (sam's own cache keeps that quick).
BUILD_INPUTS := template.yaml samconfig.toml $(wildcard layers/*/requirements.txt layers/*/Makefile) \
	$(shell find functions layers -name '*.py' -not -path '*/__pycache__/*')

# uv must never download an interpreter: the virtualenv uses the Python find-python chose.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# sam validate and sam build need a region, never credentials; and they send nothing to AWS.
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
# checkov: no calls to its vendor's platform, no update check.
export BC_SKIP_MAPPING := TRUE
export CKV_SKIP_PACKAGE_UPDATE_CHECK := true
# Redocly CLI: no usage data sent, no update check (redocly.yaml says the same for its own part).
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

.PHONY: help install run test lint check-format format typecheck lint-template build unit invoke bench clean \
	openapi lint-openapi reference node-tools

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	@$(NEED_PYTHON)echo "==> bootstrapping uv $(UV_VERSION) with $(PYTHON)"
	$(PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	@$(NEED_PYTHON)echo "==> installing the locked dependencies into $(VENV) ($(PYTHON))"
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	@touch $@

# aws-sam-cli pins boto3 and packaging differently from this project, so it gets its own venv.
$(SAM): tools/sam-requirements.txt | $(UV)
	@$(NEED_PYTHON)echo "==> installing aws-sam-cli into $(TOOLS)/sam"
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(TOOLS)/sam
	VIRTUAL_ENV=$(TOOLS)/sam $(UV) pip install --quiet --require-hashes -r tools/sam-requirements.txt
	@touch $@

# checkov pins boto3 and packaging differently again (from the project and from aws-sam-cli).
$(CHECKOV): tools/checkov-requirements.txt | $(UV)
	@$(NEED_PYTHON)echo "==> installing checkov into $(TOOLS)/checkov"
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(TOOLS)/checkov
	VIRTUAL_ENV=$(TOOLS)/checkov $(UV) pip install --quiet --require-hashes -r tools/checkov-requirements.txt
	@touch $@

# openapi-python-client generates the Python client the tests drive; its pins are its own again.
$(OPENAPI_CLIENT): tools/openapi-client-requirements.txt | $(UV)
	@$(NEED_PYTHON)echo "==> installing openapi-python-client into $(TOOLS)/openapi-client"
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(TOOLS)/openapi-client
	VIRTUAL_ENV=$(TOOLS)/openapi-client $(UV) pip install --quiet --require-hashes -r tools/openapi-client-requirements.txt
	@touch $@

$(NODE_TOOLS): package.json package-lock.json
	@echo "==> installing the Node tools of package-lock.json into node_modules (npm ci)"
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Node.js runs Redocly CLI, openapi-typescript and tsc. Without it their steps are skipped, and
# say so; under CI=true a missing Node.js is a failure, as a missing browser is.
node-tools:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		$(MAKE) --no-print-directory $(NODE_TOOLS); \
	elif [ "$${CI:-}" = true ]; then \
		echo "no Node.js (node and npm) on PATH: CI needs it to lint the OpenAPI document, build its reference page and type-check its TypeScript types" >&2; \
		exit 1; \
	else \
		echo "==> skipped: no Node.js (node and npm) on PATH, so no OpenAPI lint, reference page or TypeScript check; install Node.js 20.19 or later"; \
	fi

# sam build, and the layer's own Makefile, run `python3.13` from PATH: the directory of the Python
# find-python chose comes first. pip fetches the layer's pinned arm64 wheels from PyPI.
$(BUILT_TEMPLATE): $(BUILD_INPUTS) | $(SAM)
	@$(NEED_PYTHON)echo "==> sam build (python3.13 from $(dir $(PYTHON)), arm64)"
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM) build --config-env default
	@touch $@

install: $(VENV)/.installed ## Create the virtualenv and install the locked dependencies

run: install reference ## Start the local API (port 3000) and demo site (port 8080) with demo data; ARGS=... passes flags
	$(BIN)/python -m local serve $(ARGS)

invoke: install ## Invoke one function on one event: make invoke FUNCTION=GetPostFunction EVENT=events/get_post.json
	$(BIN)/python -m local invoke $(FUNCTION) -e $(EVENT) $(ARGS)

lint: check-format typecheck lint-template lint-openapi ## ruff, ruff format --check, mypy, cfn-lint, sam validate --lint, checkov, the OpenAPI document
	$(BIN)/ruff check .

check-format: install
	$(BIN)/ruff format --check .

format: install ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy

openapi: install ## Generate the OpenAPI document (functions/get_post/openapi.json) from the handlers; commit it
	$(BIN)/python -m tools.openapi

lint-openapi: node-tools
	@if $(NODE_READY); then \
		echo "==> redocly lint $(OPENAPI_DOCUMENT) (recommended rules as errors, redocly.yaml)"; \
		$(REDOCLY) lint --lint-config error $(OPENAPI_DOCUMENT); \
	fi

# A self-contained page: Redoc's script is inlined from the pinned package, nothing is loaded from
# a CDN when the page is read.
$(REFERENCE_PAGE): $(OPENAPI_DOCUMENT) redocly.yaml tools/openapi/reference-page.hbs $(NODE_TOOLS)
	@echo "==> building the API reference page $@ from $(OPENAPI_DOCUMENT)"
	$(REDOCLY) build-docs --lint-config error $(OPENAPI_DOCUMENT) --inlineBundle --template tools/openapi/reference-page.hbs --title "Serverless blog API" -o $@

reference: node-tools ## Build the demo site's API reference page (site/api-reference.html) from the OpenAPI document
	@if $(NODE_READY); then $(MAKE) --no-print-directory $(REFERENCE_PAGE); fi

lint-template: install $(SAM) $(CHECKOV)
	$(BIN)/cfn-lint template.yaml waf.yaml
	$(SAM) validate --lint --template template.yaml --config-env default
	$(SAM) validate --lint --template template.yaml --config-env prod
	$(CHECKOV) --file template.yaml --file waf.yaml --framework cloudformation --skip-download --compact --quiet
	mkdir -p $(dir $(CDN_ON_TEMPLATE))
	PYTHONPATH=. $(BIN)/python scripts/template-with-defaults $(CDN_ON_PARAMETERS) > $(CDN_ON_TEMPLATE)
	$(CHECKOV) --file $(CDN_ON_TEMPLATE) --framework cloudformation --skip-download --compact --quiet

build: $(BUILT_TEMPLATE) ## sam build into .aws-sam/build, offline from AWS (Python 3.13, arm64)

test: lint build reference $(OPENAPI_CLIENT) ## Lint, build, then run every test (tests/build_output opens what sam build made)
	$(BIN)/pytest

unit: install ## Only the unit tests (fast)
	$(BIN)/pytest tests/unit

# The built layer is measured too (its unzipped size), so it is built first; the table goes to the
# terminal, the figures to bench/results.json. `make bench ARGS=--quick` runs it on tiny sizes.
bench: install build ## Measure the performance targets (docs/PERFORMANCE.md); writes bench/results.json
	$(BIN)/python -m bench $(ARGS)

clean: ## Remove the virtualenv, tool environments and caches
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache .mypy_cache .ruff_cache node_modules $(REFERENCE_PAGE)
