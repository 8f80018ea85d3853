# Java client (clients/java): grpc-java stubs generated through buf, the dev.taskstream.client
# helper and its JUnit tests. Included by the root Makefile; Maven keeps its artifacts in ~/.m2.
LANG_PROTO += proto-java
LANG_TEST += test-java
LANG_LINT += lint-java

.PHONY: proto-java test-java lint-java fmt-java

JAVA_DIR := clients/java
JAVA_TOOLS := $(JAVA_DIR)/.tools
JAVA_GEN := $(JAVA_DIR)/src/main/java/dev/taskstream/v1
# buf generates into this staging directory (protos/buf.gen.java.yaml); proto-java moves it to JAVA_GEN.
JAVA_STAGE := $(JAVA_TOOLS)/gen
# Quiet and non-interactive; warnings (javac's, with -Werror) still show. .mvn/jvm.config keeps the
# JVM from printing stray ANSI resets (Debian's Maven 3.8 does even with -B).
JAVA_MVN := mvn -q -B -f $(JAVA_DIR)/pom.xml -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
# protoc's os-arch classifier on Maven Central: linux-x86_64, linux-aarch_64, osx-aarch_64 ...
JAVA_PROTOC_CLASSIFIER := $(shell uname -s | tr A-Z a-z | sed 's/darwin/osx/')-$(shell uname -m | sed 's/^arm64$$/aarch_64/; s/^aarch64$$/aarch_64/')

# protoc and protoc-gen-grpc-java at the versions pinned in pom.xml, from Maven Central.
$(JAVA_TOOLS)/.fetched: $(JAVA_DIR)/pom.xml
	rm -rf $(JAVA_TOOLS)
	$(JAVA_MVN) dependency:copy@protoc-tools -Dprotoc.classifier=$(JAVA_PROTOC_CLASSIFIER)
	chmod +x $(JAVA_TOOLS)/protoc $(JAVA_TOOLS)/protoc-gen-grpc-java
	touch $@

proto-java: $(JAVA_TOOLS)/.fetched node_modules/.installed ## Regenerate the Java stubs (clients/java/src/main/java/dev/taskstream/v1).
	rm -rf $(JAVA_STAGE)
	cd protos && ../$(BUF) generate --template buf.gen.java.yaml
	@# Swap in only code that changed: untouched files keep their times, so Maven does not recompile them.
	@if ! diff -r -q $(JAVA_STAGE)/dev/taskstream/v1 $(JAVA_GEN) >/dev/null 2>&1; then \
		echo "replacing $(JAVA_GEN)"; rm -rf $(JAVA_GEN) && mv $(JAVA_STAGE)/dev/taskstream/v1 $(JAVA_GEN); fi
	rm -rf $(JAVA_STAGE)

test-java: $(VENV)/.installed ## Run the Java client's JUnit tests (the conformance scenario against a live server included), then install it and use it from a project outside the tree.
	rm -rf $(JAVA_DIR)/target/surefire-reports
	$(JAVA_MVN) test
	@# Quiet Maven prints no summary of its own.
	@grep -ho '<testsuite [^>]*>' $(JAVA_DIR)/target/surefire-reports/TEST-*.xml | \
		sed -E 's/.* tests="([0-9]+)" errors="([0-9]+)" skipped="([0-9]+)" failures="([0-9]+)".*/\1 \2 \3 \4/' | \
		awk '{ t += $$1; f += $$2 + $$4; s += $$3 } END { printf "java: %d passed, %d failed, %d skipped\n", t - f - s, f, s }'
	@# `mvn install` into a temporary local repository, then example/ built in a temporary
	@# directory from those coordinates and run against a live server.
	$(JAVA_DIR)/install-check.sh

lint-java: ## Check the Java client's formatting (google-java-format) and compile it with javac warnings as errors.
	$(JAVA_MVN) spotless:check test-compile

fmt-java: ## Format the Java client's code with google-java-format.
	$(JAVA_MVN) spotless:apply
