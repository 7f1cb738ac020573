#!/usr/bin/env bash
# Builds the project twice from clean and compares every jar byte for byte.
# Enclave measurements (PCR0 = SHA-384 of the enclave artifact) depend on this.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
sums() { find . -path ./tools -prune -o -path '*/target/*.jar' -print | grep -v '/target/lib/' | sort | xargs sha256sum; }
./mvnw -B -q clean package -DskipTests -Dquarkus.package.jar.type=uber-jar >/dev/null
sums > /tmp/sovereign-build-1.sha256
./mvnw -B -q clean package -DskipTests -Dquarkus.package.jar.type=uber-jar >/dev/null
sums > /tmp/sovereign-build-2.sha256
if diff -u /tmp/sovereign-build-1.sha256 /tmp/sovereign-build-2.sha256; then
  echo "reproducible: $(wc -l < /tmp/sovereign-build-1.sha256) jars byte-identical across two clean builds"
else
  echo "NOT reproducible: the jars above differ between two clean builds" >&2
  exit 1
fi
