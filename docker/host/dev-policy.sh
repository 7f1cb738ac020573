#!/usr/bin/env bash
# Writes the sovereignty policy the compose host's development enclave boots with: the template
# docker/host/dev-policy.yaml.in with enclave.acceptedMeasurements set to the simulated PCR0 of the
# enclave jar (the simulated NSM measures PCR0 as SHA-384 of the jar's bytes, docs/nsm.md), so it
# must be re-run after every enclave rebuild. Development only: on Nitro, PCR0 is the EIF's
# (nitro-cli describe-eif), see docs/deploy-nitro.md.
#   docker/host/dev-policy.sh [JAR] > docker/target/dev-policy.yaml
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="${1:-$ROOT/enclave-app/target/sovereign-enclave.jar}"
[ -f "$JAR" ] || { echo "dev-policy: no enclave jar at $JAR" >&2; exit 2; }
PCR0="$(sha384sum "$JAR" | cut -c1-96)"
sed "s/@PCR0@/$PCR0/" "$ROOT/docker/host/dev-policy.yaml.in"
