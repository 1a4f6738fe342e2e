# otelcol-obtrace: the two commands are `make run` and `make test`; both install what they need.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# ---- pinned versions --------------------------------------------------------------------------
# Collector release family (../shared/release-family.md): core v0.160.0 / v1.66.0, contrib v0.160.0.
OCB_VERSION      := v0.160.0
# mdatagen v0.161.0 and v0.160.0 need modules the proxy refuses (internal/schemagen); v0.159.0 is
# the newest that installs. It is pinned in internal/tools/go.mod.
MDATAGEN_VERSION := v0.159.0
HELM_VERSION     := v3.22.0
# Built from source by `go install` (no prebuilt binary can be fetched here): ~6 min cold on 2 cores.
GOLANGCI_LINT_VERSION := v2.15.0
# helm built by `go install` assumes Kubernetes 1.20; render for a current cluster instead.
KUBE_VERSION     := 1.34.0

ROOT       := $(CURDIR)
TOOLS_BIN  := $(ROOT)/.tools/bin
BUILD_DIR  := $(ROOT)/.build
OCB        := $(TOOLS_BIN)/builder
MDATAGEN   := $(TOOLS_BIN)/mdatagen
HELM       := $(TOOLS_BIN)/helm
GOLANGCI_LINT := $(TOOLS_BIN)/golangci-lint
BINARY     := $(BUILD_DIR)/otelcol-obtrace
DIST_DIR   := $(ROOT)/otelcol-obtrace

export GOFLAGS := -buildvcs=false
export PATH := $(TOOLS_BIN):$(PATH)

GO_SOURCES := $(shell find . -name '*.go' -not -path './.build/*' -not -path './.tools/*' 2>/dev/null) \
              go.mod go.sum $(DIST_DIR)/go.mod $(DIST_DIR)/go.sum

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# ---- tools --------------------------------------------------------------------------------------
$(OCB):
	GOBIN=$(TOOLS_BIN) go install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)

# mdatagen's module list endpoint is not served, so `go install pkg@version` cannot check for
# deprecation; installing from a pinned tools module avoids that look-up.
$(MDATAGEN): internal/tools/go.mod
	cd internal/tools && GOBIN=$(TOOLS_BIN) go install go.opentelemetry.io/collector/cmd/mdatagen
	@touch $@

$(HELM):
	GOBIN=$(TOOLS_BIN) go install \
	  -ldflags "-X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION)" \
	  helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(GOLANGCI_LINT):
	GOBIN=$(TOOLS_BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

.PHONY: tools
tools: $(OCB) $(MDATAGEN) $(HELM) $(GOLANGCI_LINT) ## install the pinned tools into .tools/bin

# ---- generate and build -------------------------------------------------------------------------
.PHONY: generate
generate: $(OCB) $(MDATAGEN) ## regenerate component metadata and the distribution sources
	go generate ./obtraceexporter/... ./semanticmetricsprocessor/...
	$(OCB) --config builder-config.yaml --skip-compilation

.PHONY: check-generated
check-generated: $(OCB) ## fail when otelcol-obtrace/ differs from what ocb generates
	$(OCB) --config builder-config.yaml --skip-compilation >/dev/null 2>$(BUILD_DIR)/ocb.log || { cat $(BUILD_DIR)/ocb.log; exit 1; }
	@git diff --exit-code --stat -- otelcol-obtrace || { \
	  echo "otelcol-obtrace/ differs from what ocb generates from builder-config.yaml: run 'make generate' and commit"; exit 1; }

$(BINARY): $(GO_SOURCES) builder-config.yaml
	@mkdir -p $(BUILD_DIR)
	cd $(DIST_DIR) && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o $(BINARY) .

.PHONY: build
build: $(BINARY) ## build the otelcol-obtrace binary into .build/

.PHONY: run
run: $(BINARY) ## build and start the collector on configs/local.yaml (OTLP on 127.0.0.1:4317/4318)
	$(BINARY) --config configs/local.yaml

# ---- checks -------------------------------------------------------------------------------------
.PHONY: lint
lint: $(GOLANGCI_LINT) ## golangci-lint (.golangci.yml) on the root, chart test and kafkabroker modules; gofmt on every Go file
	@# golangci-lint's govet replaces `go vet ./...`. Not linted: otelcol-obtrace/ (ocb's output, checked
	@# by check-generated and type-checked by the build; loading it would type-check every component
	@# again), internal/tools (no Go files), build/k8s/tools (a 3-line main around etcdmain whose
	@# dependencies, etcd's server and Kubernetes', would be type-checked from source for it).
	$(GOLANGCI_LINT) run ./...
	cd charts/otelcol-obtrace/test && $(GOLANGCI_LINT) run --config $(ROOT)/.golangci.yml ./...
	cd internal/e2e/kafkabroker && $(GOLANGCI_LINT) run --config $(ROOT)/.golangci.yml ./...
	@# gofmt also covers the modules golangci-lint does not load.
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' ':!otelcol-obtrace/') 2>/dev/null); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi

.PHONY: test-unit
test-unit: ## unit tests of our components
	go test -count=1 ./obtraceexporter/... ./semanticmetricsprocessor/... ./otlpguardextension/... ./semanticfindingsextension/... ./bench/... ./internal/loopback/ ./internal/ingesttest/ ./internal/pdatautil/

.PHONY: test-integration
test-integration: $(BINARY) ## the real binary on loopback, fed by the OpenTelemetry Go SDK; configs/ validated
	OTELCOL_BIN=$(BINARY) go test -count=1 -timeout 15m ./internal/e2e/...

.PHONY: chart-check
chart-check: $(HELM) $(BINARY) ## helm lint --strict per example; chart Go tests (goldens, strict decode, PSS, schema, validate)
	HELM=$(HELM) KUBE_VERSION=$(KUBE_VERSION) OTELCOL_BIN=$(BINARY) build/chart-check.sh

.PHONY: chart-update
chart-update: $(HELM) ## rewrite charts/otelcol-obtrace/examples/*/rendered after a chart change
	UPDATE=1 HELM=$(HELM) KUBE_VERSION=$(KUBE_VERSION) build/chart-check.sh

.PHONY: test-k8s
test-k8s: $(HELM) $(BINARY) ## the chart on a real API server (kube-apiserver, etcd, kwok built into .tools/k8s, cached): dry-run, install, upgrade, uninstall
	HELM=$(HELM) OTELCOL_BIN=$(BINARY) build/k8s-test.sh

.PHONY: image-check
image-check: $(BINARY) ## build the image with buildah (no engine, no pull) and check it
	build/image-check.sh $(BINARY)

.PHONY: docker
docker: $(BINARY) ## the runtime image from the prebuilt binary (docker or buildah)
	build/image-build.sh $(BINARY) otelcol-obtrace:0.1.0

.PHONY: test
test: $(BUILD_DIR) check-generated lint test-unit test-integration chart-check test-k8s image-check ## every test

$(BUILD_DIR):
	@mkdir -p $@

.PHONY: bench
bench: $(BINARY) $(OCB) ## end-to-end benchmark against a stock collector of the same family (~13 min); figures into BENCHMARKS.md
	go run ./bench/cmd/benchdriver -ours $(BINARY) -stock $(BUILD_DIR)/stock/otelcol-stock \
	  -builder $(OCB) -manifest bench/stock-manifest.yaml -gateway configs/gateway.yaml

.PHONY: bench-components
bench-components: ## component micro-benchmarks (figures in the component READMEs)
	go test -run '^$$' -bench . -benchmem ./semanticmetricsprocessor/ ./bench/

.PHONY: clean
clean: ## remove build output (keeps tools)
	rm -rf $(BUILD_DIR)
