#!/usr/bin/env bash
# Builds the enclave image as an OCI image layout without a Docker engine, reproducibly:
#   layer 1: a jlinked Java runtime (only the modules the enclave jar needs) and the shared
#            libraries it loads, copied from this machine's Debian packages (listed, with hashes,
#            in /usr/share/sovereign/base-libraries.txt inside the image);
#   layer 2: /app/sovereign-enclave.jar, /etc/hosts (and /etc/sovereign/policy.yaml with --policy FILE).
# Every tar entry has mtime SOURCE_DATE_EPOCH, uid/gid 0, fixed modes and name order; gzip -n.
#
# usage: docker/build-oci.sh [--jar JAR] [--out DIR] [--policy FILE] [--tag TAG] [--check] [--smoke]
#                            [--kms-region REGION --kms-key-arn ARN]
#   --kms-region, --kms-key-arn  production KMS (docs/deploy-nitro.md section 6): /etc/hosts maps
#             kms.REGION.amazonaws.com to 127.0.0.1 and the command gets --kms-region REGION
#             --key-id ARN --kms-proxy vsock:3:8000 (measured in PCR2, as the host cannot pass arguments)
#   --check   build twice into separate directories and fail unless every blob is identical
#   --smoke   run the image's own runtime in a chroot of the two layers (needs root): the JNA and
#             junixsocket natives load, and the enclave boots on a unix socket with the simulated NSM
# Prints the manifest digest on stdout (the last line); everything else goes to stderr.
# Exit 0 built (and, with --check/--smoke, checked), 1 a check failed, 2 usage or environment.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C TZ=UTC

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/enclave-app/target/sovereign-enclave.jar"
OUT="$ROOT/docker/target/oci"
POLICY=""
TAG="sovereign-enclave:0.1.0-SNAPSHOT"
CHECK=0
SMOKE=0
KMS_REGION=""
KMS_KEY_ARN=""
die() { echo "build-oci: $*" >&2; exit 2; }
log() { echo "build-oci: $*" >&2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) JAR="$(readlink -f "$2")"; shift 2 ;;
    --out) OUT="$(readlink -m "$2")"; shift 2 ;;
    --policy) POLICY="$(readlink -f "$2")"; shift 2 ;;
    --tag) TAG="$2"; shift 2 ;;
    --check) CHECK=1; shift ;;
    --smoke) SMOKE=1; shift ;;
    --kms-region) KMS_REGION="$2"; shift 2 ;;
    --kms-key-arn) KMS_KEY_ARN="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[ -f "$JAR" ] || die "no enclave jar at $JAR: build it with ./mvnw -B -q -o -pl enclave-app -am install -DskipTests"
[ -z "$POLICY" ] || [ -f "$POLICY" ] || die "no policy file at $POLICY"
if [ -n "$KMS_REGION$KMS_KEY_ARN" ]; then
  [[ "$KMS_REGION" =~ ^[a-z]{2}(-gov)?-[a-z]+-[0-9]$ ]] || die "--kms-region must be an AWS region such as eu-central-1"
  [[ "$KMS_KEY_ARN" =~ ^arn:aws[a-z-]*:kms:${KMS_REGION}:[0-9]{12}:key/[A-Za-z0-9-]+$ ]] \
    || die "--kms-key-arn must be a full key ARN in $KMS_REGION (arn:aws:kms:$KMS_REGION:ACCOUNT:key/ID)"
fi
# The container command: the default, plus the production KMS options when given.
# Without --policy the image carries none and the enclave waits for the host's LoadPolicy
# (sovereign.host.enclave.load-policy): a policy inside the image cannot list the image's own PCR0.
CMD_ARGS=(--listen vsock:any:5000 --state /var/lib/sovereign)
[ -z "$POLICY" ] || CMD_ARGS+=(--policy /etc/sovereign/policy.yaml)
if [ -n "$KMS_REGION" ]; then
  CMD_ARGS+=(--kms-region "$KMS_REGION" --key-id "$KMS_KEY_ARN" --kms-proxy vsock:3:8000)
fi
CMD_JSON="$(printf '%s\n' "${CMD_ARGS[@]}" | jq -R . | jq -s -c .)"
# Others may rebuild the jar meanwhile: both builds of --check read one snapshot of it.
mkdir -p "$OUT/jar-snapshot"
cp "$JAR" "$OUT/jar-snapshot/sovereign-enclave.jar"
JAR="$OUT/jar-snapshot/sovereign-enclave.jar"
for tool in jlink jdeps tar gzip sha256sum jq ldd dpkg-query unzip; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
[ "$(uname -m)" = x86_64 ] || die "Nitro Enclaves images here are built for x86_64 (this is $(uname -m))"
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")}"
[ -d "$JAVA_HOME/jmods" ] || die "$JAVA_HOME has no jmods (install the JDK's jmods, e.g. openjdk-17-jmods)"
JDK_VERSION="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"
case "$JDK_VERSION" in 17.*) ;; *) die "jlink must come from JDK 17 (found $JDK_VERSION at $JAVA_HOME)" ;; esac

# One timestamp for everything: the build's own project.build.outputTimestamp, unless set.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  ts="$(sed -n 's:.*<project.build.outputTimestamp>\(.*\)</project.build.outputTimestamp>.*:\1:p' "$ROOT/pom.xml")"
  SOURCE_DATE_EPOCH="$(date -u -d "$ts" +%s)"
fi
CREATED="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"

# Modules: what jdeps finds, minus two whose only users are optional code paths, plus the EC
# provider that JCA finds through ServiceLoader (invisible to jdeps). --smoke exercises the paths.
#   java.desktop: JNA's java.awt helpers (window handles) and Jackson's java.beans annotations support
#   java.rmi:     junixsocket's RMI socket factories
modules() {
  local found
  found="$(jdeps --ignore-missing-deps --multi-release 17 --print-module-deps "$JAR")"
  { echo "$found" | tr ',' '\n' | grep -v -x -e java.desktop -e java.rmi; echo jdk.crypto.ec; } | sort -u | paste -sd, -
}

# Shared objects the runtime and the jar's Linux x86_64 natives load, with the dynamic loader.
needed_libraries() {
  local dir="$1" f
  {
    find "$dir" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 | while IFS= read -r -d '' f; do
      if head -c 4 "$f" | grep -q 'ELF'; then
        # libjvm.so is found by the launcher, not by the loader: let ldd see the runtime's own libraries.
        if LD_LIBRARY_PATH="$dir/lib:$dir/lib/server" ldd "$f" | grep -q 'not found'; then
          echo "build-oci: unresolved library in $f:" >&2; ldd "$f" | grep 'not found' >&2; exit 1
        fi
        LD_LIBRARY_PATH="$dir/lib:$dir/lib/server" ldd "$f" | sed -n 's/.*=> \(\/[^ ]*\) (0x.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' \
          | { grep -v "^$dir/" || true; }
      fi
    done
  } | sort -u
}

tar_layer() { # DIR OUT.tar: deterministic tar of DIR's contents (entry names without ./)
  local dir="$1" out="$2"
  (cd "$dir" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort | tar --create --file "$out" \
      --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --files-from=-)
}

normalize_modes() { # directories 0755, files 0755 if executable by someone else 0644
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -type f -perm /111 -exec chmod 0755 {} +
  find "$1" -type f ! -perm /111 -exec chmod 0644 {} +
}

blob() { # FILE -> moves it into blobs/sha256/<digest>, prints the digest hex
  local d; d="$(sha256sum "$1" | cut -c1-64)"; mv "$1" "$LAYOUT/blobs/sha256/$d"; echo "$d"
}

build() { # OUTDIR: builds the layout in OUTDIR/layout and the archive OUTDIR/sovereign-enclave-oci.tar
  local out="$1" work rt app mods lib rel real pkg f
  rm -rf "$out"; mkdir -p "$out"
  work="$out/work"; rt="$work/runtime"; app="$work/app"; LAYOUT="$out/layout"
  mkdir -p "$rt/opt" "$app/app" "$LAYOUT/blobs/sha256"

  mods="$(modules)"
  case "$mods" in java.base,*) ;; *) die "jdeps found no modules in $JAR" ;; esac
  log "jlink --add-modules $mods (JDK $JDK_VERSION)"
  jlink --module-path "$JAVA_HOME/jmods" --add-modules "$mods" --output "$rt/opt/java" \
    --strip-debug --no-header-files --no-man-pages --compress=2 --dedup-legal-notices=error-if-not-same-content
  # jlink links duplicate legal notices to java.base's; a link leaving the runtime would dangle.
  while IFS= read -r f; do
    case "$(readlink -m "$f")" in "$rt"/*) ;; *) die "$f links outside the image: $(readlink "$f")" ;; esac
  done < <(find "$rt" -type l)

  # The jar's Linux x86_64 natives are extracted at run time; their libraries must be present too.
  mkdir -p "$work/natives"
  unzip -q -o -j "$JAR" 'com/sun/jna/linux-x86-64/libjnidispatch.so' \
    'lib/amd64-Linux-clang/jni/libjunixsocket-native-*.so' -d "$work/natives"
  { needed_libraries "$rt/opt/java"; needed_libraries "$work/natives"; } | sort -u > "$work/libs"
  mkdir -p "$rt/usr/share/sovereign"
  {
    echo "# Shared libraries in this image, copied from the build machine's Debian packages."
    echo "# Verify: the package versions below are in Debian's signed Packages index; their .deb files"
    echo "# contain these files with these SHA-256 values. Java runtime: jlink of $JDK_VERSION ($mods)."
    echo "# path sha256 package version"
  } > "$rt/usr/share/sovereign/base-libraries.txt"
  while IFS= read -r lib; do
    real="$(readlink -f "$lib")"
    mkdir -p "$rt$(dirname "$lib")"
    cp "$real" "$rt$lib"
    pkg="$(dpkg-query -S "$lib" 2>/dev/null | grep -v '^diversion' | head -1 | sed 's/: .*//' || true)"
    [ -n "$pkg" ] || pkg="$(dpkg-query -S "$real" 2>/dev/null | grep -v '^diversion' | head -1 | sed 's/: .*//' || true)"
    [ -n "$pkg" ] || die "$lib ($real) belongs to no Debian package: its origin cannot be verified"
    echo "$lib $(sha256sum "$real" | cut -c1-64) $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
  done < "$work/libs" >> "$rt/usr/share/sovereign/base-libraries.txt"
  mkdir -p "$rt/etc" "$rt/tmp" "$rt/var/lib/sovereign"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n' > "$rt/etc/passwd"
  printf 'root:x:0:\n' > "$rt/etc/group"
  # Names come from /etc/hosts only (layer 2): an enclave has no DNS, and KMS must resolve to the
  # in-enclave forwarder on 127.0.0.1 (docs/deploy-nitro.md section 6).
  printf 'hosts: files\n' > "$rt/etc/nsswitch.conf"
  normalize_modes "$rt"
  chmod 1777 "$rt/tmp"
  chmod 0700 "$rt/var/lib/sovereign"

  cp "$JAR" "$app/app/sovereign-enclave.jar"
  if [ -n "$POLICY" ]; then mkdir -p "$app/etc/sovereign"; cp "$POLICY" "$app/etc/sovereign/policy.yaml"; fi
  mkdir -p "$app/etc"
  {
    printf '127.0.0.1 localhost\n'
    if [ -n "$KMS_REGION" ]; then printf '127.0.0.1 kms.%s.amazonaws.com\n' "$KMS_REGION"; fi
  } > "$app/etc/hosts"
  normalize_modes "$app"

  local l1 l2 d1 d2 s1 s2 cfg cfgsize man mansize
  tar_layer "$rt" "$work/runtime.tar"; tar_layer "$app" "$work/app.tar"
  d1="$(sha256sum "$work/runtime.tar" | cut -c1-64)"; d2="$(sha256sum "$work/app.tar" | cut -c1-64)"
  gzip -n -9 -c "$work/runtime.tar" > "$work/runtime.tar.gz"; gzip -n -9 -c "$work/app.tar" > "$work/app.tar.gz"
  s1="$(stat -c %s "$work/runtime.tar.gz")"; s2="$(stat -c %s "$work/app.tar.gz")"
  l1="$(blob "$work/runtime.tar.gz")"; l2="$(blob "$work/app.tar.gz")"

  jq -n -c -S --arg created "$CREATED" --arg d1 "sha256:$d1" --arg d2 "sha256:$d2" --arg jdk "$JDK_VERSION" \
     --arg mods "$mods" --arg tag "$TAG" --argjson cmd "$CMD_JSON" '{
    architecture: "amd64", os: "linux", created: $created,
    config: {
      Entrypoint: ["/opt/java/bin/java", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp",
                   "-jar", "/app/sovereign-enclave.jar"],
      Cmd: $cmd,
      Env: ["PATH=/opt/java/bin", "JAVA_HOME=/opt/java", "LANG=C.UTF-8"],
      WorkingDir: "/",
      Labels: {"org.opencontainers.image.title": "sovereign-enclave", "org.opencontainers.image.ref.name": $tag,
               "dev.sovereign.java.runtime": ("jlink " + $jdk + ": " + $mods)}
    },
    rootfs: {type: "layers", diff_ids: [$d1, $d2]},
    history: [{created: $created, created_by: "docker/build-oci.sh: jlinked runtime and its shared libraries"},
              {created: $created, created_by: "docker/build-oci.sh: enclave jar (and policy)"}]
  }' | tr -d '\n' > "$work/config.json"
  # docker/enclave/Dockerfile states the same entrypoint: keep the two definitions of the image equal.
  # (With --policy or the KMS options the context's copy of the Dockerfile gets the longer CMD, see below.)
  local df="$ROOT/docker/enclave/Dockerfile" key keys=(Entrypoint Cmd)
  [ -z "$KMS_REGION$POLICY" ] || keys=(Entrypoint)
  for key in "${keys[@]}"; do
    if [ "$(sed -n "s/^$(echo "$key" | tr a-z A-Z) //p" "$df" | jq -c .)" != "$(jq -c ".config.$key" "$work/config.json")" ]; then
      die "docker/enclave/Dockerfile's ${key^^} differs from the OCI config's $key"
    fi
  done
  cfgsize="$(stat -c %s "$work/config.json")"; cfg="$(blob "$work/config.json")"

  jq -n -c -S --arg cfg "sha256:$cfg" --argjson cfgsize "$cfgsize" --arg l1 "sha256:$l1" --argjson s1 "$s1" \
     --arg l2 "sha256:$l2" --argjson s2 "$s2" --arg created "$CREATED" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cfg, size: $cfgsize},
    layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l1, size: $s1},
             {mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l2, size: $s2}],
    annotations: {"org.opencontainers.image.created": $created}
  }' | tr -d '\n' > "$work/manifest.json"
  mansize="$(stat -c %s "$work/manifest.json")"; man="$(blob "$work/manifest.json")"

  printf '{"imageLayoutVersion":"1.0.0"}' > "$LAYOUT/oci-layout"
  jq -n -c -S --arg man "sha256:$man" --argjson size "$mansize" --arg tag "$TAG" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $man, size: $size,
                 annotations: {"org.opencontainers.image.ref.name": ($tag | sub("^[^:]*:"; "")),
                               "io.containerd.image.name": ("docker.io/library/" + $tag)}}]
  }' | tr -d '\n' > "$LAYOUT/index.json"
  # docker load (before Docker 25) reads manifest.json; with it the same archive loads everywhere.
  jq -n -c --arg cfg "blobs/sha256/$cfg" --arg l1 "blobs/sha256/$l1" --arg l2 "blobs/sha256/$l2" --arg tag "$TAG" \
    '[{Config: $cfg, RepoTags: [$tag], Layers: [$l1, $l2]}]' | tr -d '\n' > "$LAYOUT/manifest.json"
  normalize_modes "$LAYOUT"
  tar_layer "$LAYOUT" "$out/sovereign-enclave-oci.tar"

  # The build context for docker/enclave/Dockerfile (nitro-cli build-enclave --docker-dir).
  mkdir -p "$out/context"
  if [ -z "$KMS_REGION$POLICY" ]; then
    cp "$ROOT/docker/enclave/Dockerfile" "$out/context/Dockerfile"
  else # the same file with the image's longer CMD
    sed "s|^CMD .*|CMD $(jq -c .config.Cmd "$LAYOUT/blobs/sha256/$cfg" | sed 's/[&|]/\\&/g')|" \
      "$ROOT/docker/enclave/Dockerfile" > "$out/context/Dockerfile"
  fi
  cp "$work/runtime.tar" "$work/app.tar" "$out/context/"

  {
    echo "manifest sha256:$man ($mansize bytes)"
    echo "config   sha256:$cfg"
    echo "layer 1  sha256:$l1 ($s1 bytes gzip, diff_id sha256:$d1, $(stat -c %s "$work/runtime.tar") bytes tar)"
    echo "layer 2  sha256:$l2 ($s2 bytes gzip, diff_id sha256:$d2, $(stat -c %s "$work/app.tar") bytes tar)"
    echo "archive  $(sha256sum "$out/sovereign-enclave-oci.tar" | cut -c1-64)  $out/sovereign-enclave-oci.tar"
  } > "$out/digests.txt"
  echo "sha256:$man" > "$out/manifest-digest"
}

smoke() { # chroot into the two layers and run the image's own runtime
  local out root rc
  out="$1"; root="$out/smoke-root"
  rm -rf "$root"; mkdir -p "$root/proc"
  mount -t proc proc "$root/proc" 2>/dev/null || log "smoke: /proc not mounted in the chroot"
  rc=0; smoke_in "$out" "$root" || rc=1
  umount "$root/proc" 2>/dev/null || true
  return "$rc"
}

smoke_in() {
  local out="$1" root="$2" pol pcr0 pid i n
  [ "$(id -u)" = 0 ] || die "--smoke needs root (chroot)"
  tar -xf "$out/work/runtime.tar" -C "$root"; tar -xf "$out/work/app.tar" -C "$root"
  mkdir -p "$root/dev" "$root/run"
  for n in null zero random urandom; do cp -a "/dev/$n" "$root/dev/$n" 2>/dev/null || mknod -m 666 "$root/dev/$n" c 1 \
    "$(case $n in null) echo 3;; zero) echo 5;; random) echo 8;; urandom) echo 9;; esac)"; done
  mkdir -p "$root/probe"
  cat > "$out/work/Probe.java" <<'EOF'
public class Probe {
  public static void main(String[] a) throws Exception {
    System.out.println("jna " + com.sun.jna.Native.VERSION_NATIVE + " pointer " + com.sun.jna.Native.POINTER_SIZE);
    System.out.println("vsock " + org.newsclub.net.unix.AFSocket.supports(org.newsclub.net.unix.AFSocketCapability.CAPABILITY_VSOCK));
    System.out.println("unix " + org.newsclub.net.unix.AFSocket.supports(org.newsclub.net.unix.AFSocketCapability.CAPABILITY_UNIX_DOMAIN));
    javax.crypto.KeyAgreement.getInstance("ECDH");
    java.security.KeyPairGenerator.getInstance("EC").initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
    System.out.println("ec ok");
  }
}
EOF
  javac -d "$root/probe" -cp "$JAR" "$out/work/Probe.java" || return 1
  log "smoke: native libraries and EC provider in the chroot"
  chroot "$root" /opt/java/bin/java -Djava.io.tmpdir=/tmp -cp /app/sovereign-enclave.jar:/probe Probe >&2 || return 1
  # Boot the enclave once to learn the simulated PCR0 of this jar, then again with it in the policy.
  pol="$root/etc/sovereign/smoke-policy.yaml"; mkdir -p "$(dirname "$pol")"
  write_policy() { cat > "$pol" <<EOF
version: 1
policyId: smoke
enclave: {region: eu-central-1, acceptedMeasurements: [{pcr0: "$1"}]}
zones: {EU: {countries: [DE], processingRegions: [eu-central-1], trustAnchors: ["did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"]}}
datasets: {loyalty-points: {zones: [EU], groupBy: [country], minGroupSize: 5, metrics: {points: {functions: [sum], bounds: [0, 100000]}}}}
EOF
  }
  write_policy "$(printf '00%.0s' $(seq 48))"
  pcr0="$(chroot "$root" /opt/java/bin/java -Djava.io.tmpdir=/tmp -jar /app/sovereign-enclave.jar --simulate-nsm \
    --listen unix:/run/enclave.sock --policy /etc/sovereign/smoke-policy.yaml --state /var/lib/sovereign 2>&1 \
    | sed -n "s/.*this enclave's PCR0 \([0-9a-f]\{96\}\) is not listed.*/\1/p" || true)"
  [ -n "$pcr0" ] || { log "smoke: the enclave did not report its PCR0"; return 1; }
  write_policy "$pcr0"
  chroot "$root" /opt/java/bin/java -Djava.io.tmpdir=/tmp -jar /app/sovereign-enclave.jar --simulate-nsm \
    --listen unix:/run/enclave.sock --policy /etc/sovereign/smoke-policy.yaml --state /var/lib/sovereign \
    > "$out/work/smoke.log" 2>&1 &
  pid=$!
  for i in $(seq 120); do
    if [ -S "$root/run/enclave.sock" ]; then break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if [ -S "$root/run/enclave.sock" ]; then
    log "smoke: enclave booted in the chroot (simulated PCR0 $pcr0) and listens on unix:/run/enclave.sock"
    sed 's/^/  enclave: /' "$out/work/smoke.log" >&2
    kill "$pid"; wait "$pid" 2>/dev/null || true
    [ -z "$KMS_REGION" ] || smoke_kms "$out" "$root" || return 1
    return 0
  fi
  log "smoke: the enclave did not listen:"; cat "$out/work/smoke.log" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

smoke_kms() { # the KMS forwarder in a new network namespace (loopback down, as in an enclave)
  local out="$1" root="$2" pid i line
  command -v unshare >/dev/null || { log "smoke: no unshare, KMS forwarder not checked"; return 0; }
  rm -f "$root/run/enclave.sock"
  unshare -n chroot "$root" /opt/java/bin/java -Djava.io.tmpdir=/tmp -jar /app/sovereign-enclave.jar --simulate-nsm \
    --listen unix:/run/enclave.sock --policy /etc/sovereign/smoke-policy.yaml --state /var/lib/sovereign \
    --kms-region "$KMS_REGION" --key-id "$KMS_KEY_ARN" --kms-proxy unix:/run/kms-proxy.sock \
    > "$out/work/smoke-kms.log" 2>&1 &
  pid=$!
  line="through tcp:127.0.0.1:443 to unix:/run/kms-proxy.sock"
  for i in $(seq 120); do
    if [ -S "$root/run/enclave.sock" ] && grep -q "$line" "$out/work/smoke-kms.log"; then
      log "smoke: in a fresh network namespace the enclave brought up lo, resolved kms.$KMS_REGION.amazonaws.com"
      log "smoke: from the image's /etc/hosts to 127.0.0.1 and forwards 127.0.0.1:443 (unix in place of vsock:3:8000)"
      sed 's/^/  enclave: /' "$out/work/smoke-kms.log" >&2
      kill "$pid"; wait "$pid" 2>/dev/null || true
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  log "smoke: the KMS forwarder did not start:"; cat "$out/work/smoke-kms.log" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

if [ "$CHECK" = 1 ]; then
  build "$OUT/build-1"; build "$OUT/build-2"
  if diff -r "$OUT/build-1/layout" "$OUT/build-2/layout" >&2 \
     && cmp "$OUT/build-1/sovereign-enclave-oci.tar" "$OUT/build-2/sovereign-enclave-oci.tar" >&2; then
    log "reproducible: two builds produced byte-identical layouts and archives"
  else
    log "NOT reproducible: the two builds differ (see above)"; exit 1
  fi
  FINAL="$OUT/build-1"
else
  build "$OUT/build"; FINAL="$OUT/build"
fi
cat "$FINAL/digests.txt" >&2
# Independent readers, when installed (Debian: skopeo, umoci): they must accept the layout and the
# archive (skopeo verifies every blob's digest while copying) and see the same manifest digest.
if command -v skopeo >/dev/null; then
  seen="$(skopeo inspect --format '{{.Digest}}' "oci:$FINAL/layout:${TAG#*:}")"
  [ "$seen" = "$(cat "$FINAL/manifest-digest")" ] || { log "skopeo reads manifest $seen, not ours"; exit 1; }
  rm -rf "$FINAL/skopeo-copy"
  skopeo copy --quiet "oci-archive:$FINAL/sovereign-enclave-oci.tar:${TAG#*:}" "docker-archive:$FINAL/skopeo-copy.tar:$TAG" \
    || { log "skopeo could not copy the archive"; exit 1; }
  rm -f "$FINAL/skopeo-copy.tar"
  log "skopeo $(skopeo --version | cut -d' ' -f3): layout and archive read, blobs verified, manifest $seen"
fi
if command -v umoci >/dev/null && [ "$(id -u)" = 0 ]; then
  rm -rf "$FINAL/umoci-bundle"
  umoci unpack --image "$FINAL/layout:${TAG#*:}" "$FINAL/umoci-bundle" >/dev/null || { log "umoci could not unpack"; exit 1; }
  [ -x "$FINAL/umoci-bundle/rootfs/opt/java/bin/java" ] || { log "umoci's unpacked rootfs has no executable java"; exit 1; }
  log "umoci $(umoci --version | cut -d' ' -f3): unpacked, entrypoint $(jq -c .process.args "$FINAL/umoci-bundle/config.json")"
  rm -rf "$FINAL/umoci-bundle"
fi
if [ "$SMOKE" = 1 ]; then smoke "$FINAL" || exit 1; fi
cat "$FINAL/manifest-digest"
