# Every target installs what it needs: Node packages into node_modules (npm's cache makes
# reruns fast), Go-built tools and providers into the platform cache outside the repo
# (~/.cache/doks-platform, or $PLATFORM_CACHE_DIR).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ENV ?= local
CONTEXT ?=
OFFLINE ?=
PLATFORM := node_modules/.bin/tsx harness/cli.ts

.PHONY: help deps toolchain migrate-deps plan apply bootstrap test test-unit test-integration typecheck bench e2e docs clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: node_modules/.installed ## install the harness's Node packages

toolchain: deps ## build or find tofu, providers, opa, etcd, kube-apiserver, versitygw; Debian test packages (cached; ~11 min cold on 2 cores)
	$(PLATFORM) toolchain

migrate-deps: deps ## only the Debian packages `platform migrate` uses (nsd, knot, ldnsutils, dovecot, sqlite3); no Go builds
	$(PLATFORM) toolchain --system-only

plan: deps ## plan ENV (default local) with the policy gate, cost and capacity; CONTEXT=<kubeconfig context>; OFFLINE=1 plans production without its API
	$(PLATFORM) plan --env $(ENV) $(if $(CONTEXT),--context $(CONTEXT)) $(if $(OFFLINE),--offline)

apply: deps ## plan ENV, gate, show the changes, confirm, apply the saved plan (stack by stack); CONTEXT=<kubeconfig context>
	$(PLATFORM) apply --env $(ENV) $(if $(CONTEXT),--context $(CONTEXT)) $(if $(OFFLINE),--offline)

bootstrap: deps ## phase 0 of ENV (default production): first Spaces key and the state bucket, gated (docs/rollout.md)
	$(PLATFORM) bootstrap --env $(if $(filter local,$(ENV)),production,$(ENV))

typecheck: deps
	node_modules/.bin/tsc --noEmit

test-unit: toolchain ## harness unit tests (real tofu plans, real policy engine)
	node_modules/.bin/vitest run --project unit

test-integration: toolchain ## tofu test, local control plane apply/plan/destroy, the CLI gate end to end
	node_modules/.bin/vitest run --project integration

test: toolchain typecheck ## everything CI runs
	node_modules/.bin/vitest run

bench: toolchain ## policy speed vs conftest, backup vs raw tools, production cost and headroom; prints `bench: <name> <value> <unit>` lines
	node_modules/.bin/tsx bench/index.ts

e2e: deps ## nightly end to end on the node kind where the machine allows it (pods run): apply environments/local, the data layer's Jobs, backups and restore tests, isolation, re-plan (0 changes), destroy, nothing left; prints `bench: e2e-*` timings
	$(PLATFORM) toolchain --node
	$(PLATFORM) e2e

docs: deps ## regenerate the inputs/outputs tables in every module README
	$(PLATFORM) docs

clean: deps ## remove reports, saved plans and provider links; never state or encryption keys (the toolchain cache stays)
	$(PLATFORM) clean
