#!/usr/bin/env bash
# Builds the committed HEAD twice, in two fresh clones at different paths, and compares every
# artifact Sovereign ships byte for byte. Enclave measurements depend on this: with the simulated
# NSM, PCR0 is the SHA-384 of the enclave jar; on Nitro, PCR0 covers the whole image built from it
# (docker/build-oci.sh --check covers the image).
#
#   scripts/check-reproducible.sh            # uses the local Maven repository, no network needed
#
# Never touches the working tree: it builds in temporary clones and removes them afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sovereign-repro.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

build() {
  local dir="$1"
  git clone -q "$ROOT" "$dir"
  # A different path, time zone and locale on the second build catch environment leaks. (The umask
  # must match: the jar plugin records file modes; the shaded enclave jar does not.)
  (cd "$dir" && ./mvnw -B -q -o -DskipTests package -pl '!docker' >"$dir.build.log" 2>&1) || {
    echo "build in $dir failed:" >&2
    tail -40 "$dir.build.log" >&2
    exit 2
  }
}

artifacts() {
  # Every jar a module produces itself; dependency copies (target/lib) are other projects' files.
  # Quarkus' generated application layout (target/quarkus-app: bytecode it generates and
  # transforms at build time) is not byte-reproducible today and is left out; the host is not a
  # measured artifact (the enclave jar and the chaincode jar are), and the host module's own jar
  # is still compared.
  (cd "$1" && find . -path '*/target/*' -name '*.jar' \
      -not -path '*/target/lib/*' -not -path '*/quarkus-app/*' -not -name '*-tests.jar' \
      -not -path '*/node_modules/*' | LC_ALL=C sort | xargs sha256sum)
}

build "$WORK/a"
(export TZ=Pacific/Kiritimati LC_ALL=C; build "$WORK/build-two")
artifacts "$WORK/a" > "$WORK/a.sha256"
artifacts "$WORK/build-two" > "$WORK/b.sha256"
if diff -u "$WORK/a.sha256" "$WORK/b.sha256"; then
  echo "reproducible: $(wc -l < "$WORK/a.sha256") jars byte-identical across two clean builds at different paths"
  grep 'sovereign-enclave.jar' "$WORK/a.sha256" || true
else
  echo "NOT reproducible: the jars above differ between two clean builds" >&2
  exit 1
fi
