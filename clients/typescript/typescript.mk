# The TypeScript client (clients/typescript), included by the root Makefile. Everything it needs comes
# from npm through clients/typescript/package-lock.json: protoc-gen-es (run by buf as a local plugin),
# the Connect runtime, TypeScript and Prettier.
TS_DIR := clients/typescript
TS_INSTALLED := $(TS_DIR)/node_modules/.installed

LANG_PROTO += proto-typescript
LANG_LINT += lint-typescript
LANG_TEST += test-typescript

.PHONY: proto-typescript lint-typescript test-typescript

$(TS_INSTALLED): $(TS_DIR)/package.json $(TS_DIR)/package-lock.json
	cd $(TS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

proto-typescript: node_modules/.installed $(TS_INSTALLED) ## Regenerate the TypeScript code (protoc-gen-es) in clients/typescript/src/gen.
	cd protos && ../$(BUF) generate --template buf.gen.typescript.yaml

lint-typescript: $(TS_INSTALLED) ## Type-check the TypeScript client (strict tsc --noEmit) and check its formatting (Prettier).
	cd $(TS_DIR) && npm run --silent lint

# The packaging test (test/package.test.ts) packs the package, installs the tarball in a project in a temp
# dir outside the tree (its dependencies, TypeScript and @types/node from the npm registry, through npm's
# cache when it has them), compiles the README's consumer against the published types and runs it.
test-typescript: $(VENV)/.installed $(TS_INSTALLED) ## Run the TypeScript client's tests: unit, the conformance scenario and the packaged package, against live servers.
	cd $(TS_DIR) && npm test --silent
