# The Go client (clients/go), included by the root Makefile, and the `buf breaking` check of the API.
# Go modules come through the module proxy into Go's own caches (go.sum pins them); protoc-gen-go and
# protoc-gen-go-grpc are installed with `go install` at the versions below into clients/go/.bin, which buf
# runs as local plugins (protos/buf.gen.go.yaml).
GO ?= go
GO_DIR := clients/go
GO_BIN := $(GO_DIR)/.bin
# protoc-gen-go is kept at the version of google.golang.org/protobuf in clients/go/go.mod (lint-go checks).
PROTOC_GEN_GO_VERSION := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2
# One stamp per pair of versions: changing a version above installs again.
GO_PLUGINS := $(GO_BIN)/.installed-$(PROTOC_GEN_GO_VERSION)-$(PROTOC_GEN_GO_GRPC_VERSION)

LANG_PROTO += proto-go
LANG_LINT += lint-go breaking
LANG_TEST += test-go

.PHONY: proto-go lint-go test-go breaking

$(GO_PLUGINS):
	@command -v $(GO) >/dev/null || { echo "go.mk: the Go toolchain ($(GO)) is not on PATH" >&2; exit 1; }
	rm -rf $(GO_BIN)
	GOBIN=$(CURDIR)/$(GO_BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	GOBIN=$(CURDIR)/$(GO_BIN) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	touch $@

proto-go: node_modules/.installed $(GO_PLUGINS) ## Regenerate the Go code (protoc-gen-go, protoc-gen-go-grpc) in clients/go/gen.
	cd protos && ../$(BUF) generate --template buf.gen.go.yaml

lint-go: ## Check the Go client: gofmt, go vet, go.mod tidy, protoc-gen-go at the runtime's version.
	@command -v $(GO) >/dev/null || { echo "go.mk: the Go toolchain ($(GO)) is not on PATH" >&2; exit 1; }
	@cd $(GO_DIR) && unformatted="$$(gofmt -l .)" && \
		if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	cd $(GO_DIR) && $(GO) vet ./... && $(GO) mod tidy -diff
	@runtime="$$(cd $(GO_DIR) && $(GO) list -m -f '{{.Version}}' google.golang.org/protobuf)" && \
		if [ "$$runtime" != "$(PROTOC_GEN_GO_VERSION)" ]; then \
		echo "go.mk: PROTOC_GEN_GO_VERSION $(PROTOC_GEN_GO_VERSION) differs from google.golang.org/protobuf $$runtime in go.mod"; exit 1; fi

# The conformance package also builds the README's "Use it from your own project" program as a module of its
# own in a temporary directory (a replace pointing at clients/go) and runs it against its live server.
test-go: $(VENV)/.installed ## Run the Go client's tests: unit, the conformance scenario and an outside module, against a live server.
	@command -v $(GO) >/dev/null || { echo "go.mk: the Go toolchain ($(GO)) is not on PATH" >&2; exit 1; }
	cd $(GO_DIR) && $(GO) test -count=1 ./...

# buf breaking compares protos/ in the working tree with protos/ in the last commit on main. On main itself
# that is HEAD, so a breaking change fails `make lint` before it is committed; on another branch everything
# the branch changed is checked. Without a local main (a detached checkout) it compares with origin/main, or
# else with HEAD, and says so. BREAKING_AGAINST=<buf input> picks another baseline, e.g. a release tag.
BREAKING_AGAINST ?=
breaking: node_modules/.installed ## buf breaking: protos/ in the working tree against the last commit on main.
	@against='$(BREAKING_AGAINST)'; \
	if [ -z "$$against" ]; then \
		git_dir="$$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" || { \
			echo "breaking: $(CURDIR) is not a git repository, so there is no main to compare with;" \
				"set BREAKING_AGAINST to a buf input (e.g. a directory or an archive of the last release's protos/)" >&2; \
			exit 1; }; \
		if git rev-parse -q --verify refs/heads/main >/dev/null; then \
			against="$$git_dir#branch=main,subdir=protos"; \
		elif git rev-parse -q --verify refs/remotes/origin/main >/dev/null; then \
			echo "breaking: no local branch main; comparing with origin/main" >&2; \
			against="$$git_dir#ref=refs/remotes/origin/main,subdir=protos"; \
		else \
			head="$$(git rev-parse -q --verify HEAD)" || { echo "breaking: no commit to compare with" >&2; exit 1; }; \
			echo "breaking: no branch main (nor origin/main); comparing with HEAD ($$head), the last commit" >&2; \
			against="$$git_dir#ref=$$head,subdir=protos"; \
		fi; \
	fi; \
	echo "cd protos && buf breaking --against '$$against'"; \
	cd protos && ../$(BUF) breaking --against "$$against"
