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
BUILD_INPUTS := template.yaml samconfig.toml layers/blog/requirements.txt layers/blog/Makefile \
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

.PHONY: help install run test lint check-format format typecheck lint-template build unit invoke bench clean

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

# sam build, and the layer's own Makefile, run `python3.13` from PATH: the directory of the Python
# find-python chose comes first. pip fetches the layer's pinned arm64 wheels from PyPI.
$(BUILT_TEMPLATE): $(BUILD_INPUTS) | $(SAM)
	@$(NEED_PYTHON)echo "==> sam build (python3.13 from $(dir $(PYTHON)), arm64)"
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM) build --config-env default
	@touch $@

install: $(VENV)/.installed ## Create the virtualenv and install the locked dependencies

run: install ## Start the local API (port 3000) and demo site (port 8080) with demo data; ARGS=... passes flags
	$(BIN)/python -m local serve $(ARGS)

invoke: install ## Invoke one function on one event: make invoke FUNCTION=GetPostFunction EVENT=events/get_post.json
	$(BIN)/python -m local invoke $(FUNCTION) -e $(EVENT) $(ARGS)

lint: check-format typecheck lint-template ## ruff, ruff format --check, mypy, cfn-lint, sam validate --lint, checkov
	$(BIN)/ruff check .

check-format: install
	$(BIN)/ruff format --check .

format: install ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy

lint-template: install $(SAM) $(CHECKOV)
	$(BIN)/cfn-lint template.yaml waf.yaml
	$(SAM) validate --lint --template template.yaml --config-env default
	$(SAM) validate --lint --template template.yaml --config-env prod
	$(CHECKOV) --file template.yaml --file waf.yaml --framework cloudformation --skip-download --compact --quiet
	mkdir -p $(dir $(CDN_ON_TEMPLATE))
	PYTHONPATH=. $(BIN)/python scripts/template-with-defaults $(CDN_ON_PARAMETERS) > $(CDN_ON_TEMPLATE)
	$(CHECKOV) --file $(CDN_ON_TEMPLATE) --framework cloudformation --skip-download --compact --quiet

build: $(BUILT_TEMPLATE) ## sam build into .aws-sam/build, offline from AWS (Python 3.13, arm64)

test: lint build ## Lint, build, then run every test (tests/build_output opens what sam build made)
	$(BIN)/pytest

unit: install ## Only the unit tests (fast)
	$(BIN)/pytest tests/unit

# The built layer is measured too (its unzipped size), so it is built first; the table goes to the
# terminal, the figures to bench/results.json. `make bench ARGS=--quick` runs it on tiny sizes.
bench: install build ## Measure the performance targets (docs/PERFORMANCE.md); writes bench/results.json
	$(BIN)/python -m bench $(ARGS)

clean: ## Remove the virtualenv, tool environments and caches
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache .mypy_cache .ruff_cache
