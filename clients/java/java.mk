# Java client (clients/java): grpc-java stubs generated through buf, the dev.taskstream.client
# helper and its JUnit tests. Included by the root Makefile; Maven keeps its artifacts in ~/.m2.
LANG_PROTO += proto-java
LANG_TEST += test-java
LANG_LINT += lint-java

.PHONY: proto-java test-java lint-java fmt-java

JAVA_DIR := clients/java
JAVA_TOOLS := $(JAVA_DIR)/.tools
# Quiet and non-interactive; warnings (javac's, with -Werror) still show.
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
	rm -rf $(JAVA_DIR)/src/main/java/dev/taskstream/v1
	cd protos && ../$(BUF) generate --template buf.gen.java.yaml

test-java: $(VENV)/.installed ## Run the Java client's JUnit tests, the conformance scenario against a live server included.
	$(JAVA_MVN) test

lint-java: ## Check the Java client's formatting (google-java-format) and compile it with javac warnings as errors.
	$(JAVA_MVN) spotless:check test-compile

fmt-java: ## Format the Java client's code with google-java-format.
	$(JAVA_MVN) spotless:apply
