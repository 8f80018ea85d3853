#!/usr/bin/env bash
# The Java client as another project uses it: `mvn install` into a temporary local repository
# seeded from ~/.m2 (never the real one), then clients/java/example, copied outside the
# repository, built offline against those Maven coordinates and run against a live taskstreamd.
# Run by `make test-java`; prints one summary line.
set -euo pipefail

java_dir=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$java_dir/../.." && pwd)
work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "install-check: $*" >&2
  echo "java-install: 0 passed, 1 failed"
  exit 1
}

export MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" # no stray ANSI resets from Debian's Maven
mvn=(mvn -q -B -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dmaven.repo.local="$work/repository")
version=$(grep -m1 -o '<version>[^<]*</version>' "$java_dir/pom.xml" | sed 's/<[^>]*>//g')
grep -q "<version>$version</version>" "$java_dir/example/pom.xml" ||
  fail "example/pom.xml does not depend on version $version of pom.xml"

# Only what the cache lacks (the jar and install plugins on a fresh machine) is downloaded, and
# only into the copy.
mkdir -p "$HOME/.m2/repository"
cp -R "$HOME/.m2/repository" "$work/repository"
"${mvn[@]}" -f "$java_dir/pom.xml" -Dmaven.test.skip=true install ||
  fail "mvn install failed"
[[ -f $work/repository/dev/taskstream/taskstream-client/$version/taskstream-client-$version.jar ]] ||
  fail "mvn install left no dev.taskstream:taskstream-client:$version jar"

cp -R "$java_dir/example" "$work/consumer"
rm -rf "$work/consumer/target"
(cd "$work/consumer" &&
  "${mvn[@]}" -o compile dependency:build-classpath -Dmdep.outputFile=classpath.txt) ||
  fail "the consumer project did not build against dev.taskstream:taskstream-client:$version"

mkfifo "$work/server.out"
"$repo_root/.venv/bin/taskstreamd" --log-level WARNING serve --listen 127.0.0.1:0 \
  --http 127.0.0.1:0 --data-dir "$work/data" --workers 1 --tasks taskstream.examples \
  >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
exec 3<"$work/server.out"
target=
while IFS= read -r -t 60 line <&3; do
  if [[ $line == "{"* ]]; then
    target=$(sed -E 's/.*"grpc": *"([^"]+)".*/\1/' <<<"$line")
    break
  fi
done
[[ -n $target ]] || fail "taskstreamd did not become ready: $(cat "$work/server.log")"
cat <&3 >/dev/null & # The server never blocks on a full pipe.

output=$(cd "$work/consumer" &&
  java -cp "target/classes:$(cat classpath.txt)" example.FirstCall "$target") ||
  fail "the consumer failed: $output"
[[ $output =~ ^[0-9a-z]+\ \{text=hello\}$ ]] || fail "unexpected output: $output"
echo "java-install: 1 passed, 0 failed"
