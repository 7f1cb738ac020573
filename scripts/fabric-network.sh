#!/usr/bin/env bash
# A local Hyperledger Fabric 2.5 network for did:fabric, as plain processes (no Docker):
# two organisations (Org1MSP, Org2MSP), each with its own CA, peer and did:fabric chaincode server,
# one Raft orderer (OrdererMSP), channel "sovereign", the chaincode "didfabric" run as a service
# through Fabric's external builder contract. Every listener is on 127.0.0.1; all state, logs and
# PIDs are in one directory.
#
#   scripts/fabric-network.sh up   --fabric-home DIR --state DIR [options]
#   scripts/fabric-network.sh down --state DIR [--purge]
#   scripts/fabric-network.sh status --state DIR
#   scripts/fabric-network.sh restart NAME --state DIR   (NAME: orderer, peer-org1, chaincode-org2, ca-org1...)
#
# up options:
#   --fabric-home DIR      a Fabric release directory with bin/ (peer, orderer, configtxgen, osnadmin,
#                          cryptogen) and config/ (core.yaml, orderer.yaml); default $FABRIC_HOME
#   --state DIR            where everything goes (must not hold a running network)
#   --chaincode-jar JAR    the shaded chaincode (default did-registry/did-fabric-chaincode/target/chaincode.jar)
#   --port-base N          first of 15 consecutive ports (default: a free range picked at random)
#   --ca-mode MODE         auto (default), fabric-ca or cryptogen: see below
#   --batch-timeout D      orderer BatchTimeout (default 100ms)
#   --batch-size N         orderer BatchSize.MaxMessageCount (default 100)
#   --watch-pid PID        stop the network when process PID ends (test JVMs pass their own PID)
#
# CA modes (the mode that ran is printed and written as caMode in network.properties):
#   fabric-ca  (auto when DIR/bin has fabric-ca-server and fabric-ca-client, as Fabric's
#              install-fabric.sh binary download puts them): one fabric-ca-server per organisation
#              (TLS, 127.0.0.1, home in STATE/ca/ORG/server, its bootstrap admin's secret generated
#              and handed over only through the environment and 0600 files); the peer, the org
#              admin and User1 are registered and enrolled there (TLS certificates from the CA's
#              "tls" profile); the org MSPs given to configtxgen hold that CA's root. The orderer
#              organisation (OrdererMSP) stays on cryptogen.
#   cryptogen  (auto otherwise, e.g. this project's CI archive): every organisation's CA is a
#              self-signed cryptogen CA, as in Fabric's test network without fabric-ca; no CA server.
# On success `up` writes STATE/network.properties (ports, paths, PIDs) and prints where the logs
# are; on failure it stops whatever it started and prints the logs' location. `down` stops exactly
# the recorded PIDs.
set -euo pipefail

CHANNEL=sovereign
CC_NAME=didfabric
CC_POLICY="OR('Org1MSP.peer','Org2MSP.peer')"
ORGS=(org1 org2)
PORT_COUNT=15

die() {
  echo "fabric-network: $*" >&2
  exit 2
}

usage() {
  sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

abs() { (cd "$1" && pwd -P); }

# --- down -------------------------------------------------------------------------------------

# Stops the processes whose PIDs are recorded under $STATE/pids, checking that each PID is still
# the process that was recorded (its executable), so a reused PID is never signalled.
stop_all() {
  local state=$1 f pid exe want
  [[ -d "$state/pids" ]] || return 0
  for f in "$state"/pids/*.pid; do
    [[ -e "$f" ]] || continue
    read -r pid want < "$f" || true
    if [[ -n "${pid:-}" ]] && kill -0 "$pid" 2>/dev/null; then
      exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
      if [[ -z "$want" || "$exe" == "$want" ]]; then
        kill -TERM "$pid" 2>/dev/null || true
      fi
    fi
  done
  for _ in $(seq 1 50); do
    local alive=0
    for f in "$state"/pids/*.pid; do
      [[ -e "$f" ]] || continue
      read -r pid want < "$f" || true
      if [[ -n "${pid:-}" ]] && kill -0 "$pid" 2>/dev/null \
          && [[ -z "$want" || "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$want" ]]; then
        alive=1
      fi
    done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for f in "$state"/pids/*.pid; do
    [[ -e "$f" ]] || continue
    read -r pid want < "$f" || true
    if [[ -n "${pid:-}" ]] && kill -0 "$pid" 2>/dev/null \
        && [[ -z "$want" || "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$want" ]]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

cmd_down() {
  local state="" purge=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      --state) state=$2; shift 2 ;;
      --purge) purge=1; shift ;;
      *) usage ;;
    esac
  done
  [[ -n "$state" ]] || die "--state DIR is required"
  [[ -d "$state" ]] || return 0
  stop_all "$state"
  if [[ $purge == 1 ]]; then
    rm -rf "$state"
  fi
  echo "fabric-network: stopped (state: $state)" >&2
}

cmd_status() {
  local state=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --state) state=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  local f pid want running=0
  for f in "$state"/pids/*.pid; do
    [[ -e "$f" ]] || continue
    read -r pid want < "$f" || true
    if kill -0 "$pid" 2>/dev/null; then
      echo "$(basename "$f" .pid) $pid running"
      running=$((running + 1))
    else
      echo "$(basename "$f" .pid) $pid stopped"
    fi
  done
  [[ $running -gt 0 ]]
}

# --- up ---------------------------------------------------------------------------------------

port_free() { [[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

pick_ports() {
  local base=$1 i
  if [[ -n "$base" ]]; then
    for i in $(seq 0 $((PORT_COUNT - 1))); do port_free $((base + i)) || die "port $((base + i)) is in use"; done
    echo "$base"
    return
  fi
  for _ in $(seq 1 50); do
    base=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    local ok=1
    for i in $(seq 0 $((PORT_COUNT - 1))); do port_free $((base + i)) || { ok=0; break; }; done
    if [[ $ok == 1 ]]; then
      echo "$base"
      return
    fi
  done
  die "no $PORT_COUNT free consecutive ports found"
}

# start NAME EXE [args...]: runs EXE in the background with the current environment, output to
# logs/NAME.log, and records "PID EXE" in pids/NAME.pid.
start() {
  local name=$1 exe=$2
  shift 2
  nohup "$exe" "$@" < /dev/null > "$STATE/logs/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $(readlink -f "$exe")" > "$STATE/pids/$name.pid"
}

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 300); do
    port_free "$port" || return 0
    local pid
    read -r pid _ < "$STATE/pids/$name.pid"
    kill -0 "$pid" 2>/dev/null || die "$name exited while starting (see $STATE/logs/$name.log)"
    sleep 0.1
  done
  die "$name did not listen on 127.0.0.1:$port within 30 s (see $STATE/logs/$name.log)"
}

# wait_channel_peers ORG N: waits (at most 120 s) until ORG's peer reports, in its Prometheus
# metrics, at least N other peers in the channel's gossip membership.
wait_channel_peers() {
  local org=$1 want=$2 op=PEER_${1}_OPS_PORT known
  for _ in $(seq 1 240); do
    known=$(curl -fsS "http://127.0.0.1:${!op}/metrics" 2>/dev/null \
      | awk -v ch="$CHANNEL" '$1 == "gossip_membership_total_peers_known{channel=\"" ch "\"}" {print $2}')
    if [[ -n "$known" ]] && (( ${known%.*} >= want )); then
      echo "fabric-network: peer of $org sees $known other peer(s) on $CHANNEL" >> "$STATE/logs/setup.log"
      return 0
    fi
    sleep 0.5
  done
  die "the peer of $org did not see the other organisations' peers on $CHANNEL within 120 s (see $STATE/logs/peer-$org.log)"
}

retry() {
  local n=$1
  shift
  local i
  for i in $(seq 1 "$n"); do
    if "$@" >> "$STATE/logs/setup.log" 2>&1; then
      return 0
    fi
    sleep 1
  done
  return 1
}

# write_crypto_config: cryptogen's input. In fabric-ca mode only the orderer organisation is
# cryptogen's; Org1 and Org2 get their identities from their own CA servers (setup_org_ca).
write_crypto_config() {
  cat > "$STATE/config/crypto-config.yaml" <<'YAML'
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    EnableNodeOUs: true
    Specs:
      - Hostname: orderer
        SANS: [localhost, 127.0.0.1]
YAML
  [[ $CA_MODE == cryptogen ]] || return 0
  cat >> "$STATE/config/crypto-config.yaml" <<'YAML'
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template:
      Count: 1
      SANS: [localhost, 127.0.0.1]
    Users:
      Count: 1
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: true
    Template:
      Count: 1
      SANS: [localhost, 127.0.0.1]
    Users:
      Count: 1
YAML
}

# --- fabric-ca mode: one Fabric CA server per organisation -------------------------------------

# A fresh random enrollment secret (hex). Secrets reach fabric-ca-server and fabric-ca-client only
# through their environment (FABRIC_CA_SERVER_BOOT, FABRIC_CA_CLIENT_URL,
# FABRIC_CA_CLIENT_ID_SECRET) and the server's 0600 configuration file; never a command line, a
# log or network.properties.
new_secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

# start_ca ORG: starts ORG's fabric-ca-server (home STATE/ca/ORG/server, made by setup_org_ca):
# TLS on 127.0.0.1 (its TLS certificate is issued by the CA itself for 127.0.0.1), operations
# listener on 127.0.0.1 too, metrics off.
start_ca() {
  local org=$1 p=CA_${1}_PORT op=CA_${1}_OPS_PORT
  (
    umask 077
    export FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS=127.0.0.1:${!op}
    export FABRIC_CA_SERVER_METRICS_PROVIDER=disabled
    start "ca-$org" "$FABRIC_HOME/bin/fabric-ca-server" start --home "$STATE/ca/$org/server" \
      --ca.name "ca-$org" --address 127.0.0.1 --port "${!p}" --tls.enabled --csr.hosts 127.0.0.1
  )
}

# ca_client ORG USERINFO ARGS...: fabric-ca-client against ORG's CA server over TLS (trusting the
# CA's root), as the registrar enrolled in STATE/ca/ORG/registrar. USERINFO (name:secret, for
# enroll) travels in FABRIC_CA_CLIENT_URL, not on the command line.
ca_client() {
  local org=$1 userinfo=$2 p=CA_${1}_PORT
  shift 2
  (
    umask 077
    export FABRIC_CA_CLIENT_HOME=$STATE/ca/$org/registrar
    export FABRIC_CA_CLIENT_URL="https://${userinfo:+$userinfo@}127.0.0.1:${!p}"
    "$FABRIC_HOME/bin/fabric-ca-client" "$@" --caname "ca-$org" \
      --tls.certfiles "$STATE/ca/$org/server/ca-cert.pem"
  )
}

# ca_register ORG NAME TYPE MAX_ENROLLMENTS SECRET: registers an identity (NodeOU role TYPE). The
# client prints the secret on stdout, which goes nowhere.
ca_register() {
  local org=$1 name=$2 type=$3 max=$4 secret=$5
  (
    export FABRIC_CA_CLIENT_ID_SECRET=$secret
    ca_client "$org" "" register --id.name "$name" --id.type "$type" --id.maxenrollments "$max"
  ) > /dev/null 2>> "$STATE/logs/setup.log" || die "registering $name at the CA of $org failed (see $STATE/logs/setup.log)"
}

# ca_enroll ORG NAME SECRET MSPDIR [ARGS...]: enrolls NAME into MSPDIR.
ca_enroll() {
  local org=$1 name=$2 secret=$3 msp=$4
  shift 4
  ca_client "$org" "$name:$secret" enroll --mspdir "$msp" "$@" >> "$STATE/logs/setup.log" 2>&1 \
    || die "enrolling $name at the CA of $org failed (see $STATE/logs/setup.log)"
}

# node_ous MSPDIR: Fabric NodeOUs for an MSP whose cacerts/ holds one root (the roles are the OU
# that fabric-ca puts in each certificate from the identity's type).
node_ous() {
  local ca
  ca=$(cd "$1/cacerts" && ls -- *.pem | head -n 1)
  cat > "$1/config.yaml" <<YAML
NodeOUs:
  Enable: true
  ClientOUIdentifier: {Certificate: cacerts/$ca, OrganizationalUnitIdentifier: client}
  PeerOUIdentifier: {Certificate: cacerts/$ca, OrganizationalUnitIdentifier: peer}
  AdminOUIdentifier: {Certificate: cacerts/$ca, OrganizationalUnitIdentifier: admin}
  OrdererOUIdentifier: {Certificate: cacerts/$ca, OrganizationalUnitIdentifier: orderer}
YAML
}

# setup_org_ca ORG: initialises and starts ORG's CA server, registers and enrolls its peer
# (signing and TLS), its admin and User1, and builds the organisation MSP for configtxgen from the
# CA's root, in cryptogen's directory layout (the rest of the script reads the same paths).
setup_org_ca() {
  local org=$1 p=CA_${1}_PORT
  local d=$STATE/organizations/peerOrganizations/$org.example.com
  local peer=$d/peers/peer0.$org.example.com
  local hosts="peer0.$org.example.com,localhost,127.0.0.1"
  local boot peer_secret admin_secret user_secret
  mkdir -p "$STATE/ca/$org/server" "$STATE/ca/$org/registrar"
  chmod 700 "$STATE/ca" "$STATE/ca/$org"
  boot=$(new_secret)
  (
    umask 077
    export FABRIC_CA_SERVER_BOOT="admin:$boot"
    "$FABRIC_HOME/bin/fabric-ca-server" init --home "$STATE/ca/$org/server" --ca.name "ca-$org" \
      --csr.cn "ca.$org.example.com" --csr.hosts "ca.$org.example.com,127.0.0.1"
  ) >> "$STATE/logs/setup.log" 2>&1 || die "fabric-ca-server init for $org failed (see $STATE/logs/setup.log)"
  start_ca "$org"
  wait_port "${!p}" "ca-$org"
  ca_enroll "$org" admin "$boot" "$STATE/ca/$org/registrar/msp"
  peer_secret=$(new_secret)
  admin_secret=$(new_secret)
  user_secret=$(new_secret)
  ca_register "$org" "peer0.$org.example.com" peer 2 "$peer_secret"
  ca_register "$org" "${org}admin" admin 1 "$admin_secret"
  ca_register "$org" "user1" client 1 "$user_secret"
  ca_enroll "$org" "peer0.$org.example.com" "$peer_secret" "$peer/msp" --csr.hosts "$hosts"
  ca_enroll "$org" "peer0.$org.example.com" "$peer_secret" "$peer/tls-enrollment" \
    --enrollment.profile tls --csr.hosts "$hosts"
  mkdir -p "$peer/tls"
  cp "$peer"/tls-enrollment/signcerts/cert.pem "$peer/tls/server.crt"
  cp "$peer"/tls-enrollment/keystore/*_sk "$peer/tls/server.key"
  cp "$peer"/tls-enrollment/tlscacerts/*.pem "$peer/tls/ca.crt"
  ca_enroll "$org" "${org}admin" "$admin_secret" "$d/users/Admin@$org.example.com/msp"
  ca_enroll "$org" "user1" "$user_secret" "$d/users/User1@$org.example.com/msp"
  local m
  for m in "$peer/msp" "$d/users/Admin@$org.example.com/msp" "$d/users/User1@$org.example.com/msp"; do
    node_ous "$m"
  done
  # The organisation's MSP in the channel configuration: the CA server's root for identities and,
  # since the TLS certificates come from the same CA's tls profile, for TLS too.
  local root=$STATE/ca/$org/server/ca-cert.pem
  mkdir -p "$d/msp/cacerts" "$d/msp/tlscacerts" "$d/ca" "$d/tlsca"
  cp "$root" "$d/msp/cacerts/ca.$org.example.com-cert.pem"
  cp "$root" "$d/msp/tlscacerts/ca.$org.example.com-cert.pem"
  cp "$root" "$d/ca/ca.$org.example.com-cert.pem"
  cp "$root" "$d/tlsca/tlsca.$org.example.com-cert.pem"
  node_ous "$d/msp"
  echo "fabric-network: CA server ca-$org on 127.0.0.1:${!p}: enrolled peer0.$org.example.com (peer, with a tls-profile certificate), ${org}admin (admin), user1 (client)" >> "$STATE/logs/setup.log"
}

write_configtx() {
  local o=$STATE/organizations
  local otls=$o/ordererOrganizations/example.com/orderers/orderer.example.com/tls
  cat > "$STATE/config/configtx.yaml" <<YAML
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: OrdererMSP
    MSPDir: $o/ordererOrganizations/example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Writers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Admins: {Type: Signature, Rule: "OR('OrdererMSP.admin')"}
    OrdererEndpoints: ["127.0.0.1:$ORDERER_PORT"]
  - &Org1
    Name: Org1MSP
    ID: Org1MSP
    MSPDir: $o/peerOrganizations/org1.example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('Org1MSP.admin', 'Org1MSP.peer', 'Org1MSP.client')"}
      Writers: {Type: Signature, Rule: "OR('Org1MSP.admin', 'Org1MSP.client')"}
      Admins: {Type: Signature, Rule: "OR('Org1MSP.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('Org1MSP.peer')"}
    AnchorPeers: [{Host: 127.0.0.1, Port: $PEER_org1_PORT}]
  - &Org2
    Name: Org2MSP
    ID: Org2MSP
    MSPDir: $o/peerOrganizations/org2.example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('Org2MSP.admin', 'Org2MSP.peer', 'Org2MSP.client')"}
      Writers: {Type: Signature, Rule: "OR('Org2MSP.admin', 'Org2MSP.client')"}
      Admins: {Type: Signature, Rule: "OR('Org2MSP.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('Org2MSP.peer')"}
    AnchorPeers: [{Host: 127.0.0.1, Port: $PEER_org2_PORT}]

Capabilities:
  Channel: &ChannelCapabilities {V2_0: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {V2_5: true}

Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
    Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
  Capabilities: *ApplicationCapabilities

Orderer: &OrdererDefaults
  OrdererType: etcdraft
  Addresses: ["127.0.0.1:$ORDERER_PORT"]
  EtcdRaft:
    Consenters:
      - Host: 127.0.0.1
        Port: $ORDERER_PORT
        ClientTLSCert: $otls/server.crt
        ServerTLSCert: $otls/server.crt
  BatchTimeout: $BATCH_TIMEOUT
  BatchSize: {MaxMessageCount: $BATCH_SIZE, AbsoluteMaxBytes: 99 MB, PreferredMaxBytes: 2 MB}
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}

Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities: *ChannelCapabilities

Profiles:
  SovereignChannel:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
      Capabilities: *OrdererCapabilities
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1, *Org2]
      Capabilities: *ApplicationCapabilities
YAML
}

# The external builder (Fabric's contract: bin/detect, bin/build, bin/release) for packages of
# type "ccaas": the package's code.tar.gz holds only connection.json, which release hands to the
# peer, which then dials the chaincode server named there.
write_builder() {
  local b=$STATE/builder/bin
  mkdir -p "$b"
  cat > "$b/detect" <<'SH'
#!/bin/sh
# detect CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR
grep -q '"type"[[:space:]]*:[[:space:]]*"ccaas"' "$2/metadata.json"
SH
  cat > "$b/build" <<'SH'
#!/bin/sh
# build CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR BUILD_OUTPUT_DIR
set -e
test -f "$1/connection.json" || { echo "ccaas: connection.json missing" >&2; exit 1; }
cp "$1/connection.json" "$3/connection.json"
SH
  cat > "$b/release" <<'SH'
#!/bin/sh
# release BUILD_OUTPUT_DIR RELEASE_OUTPUT_DIR
set -e
mkdir -p "$2/chaincode/server"
cp "$1/connection.json" "$2/chaincode/server/connection.json"
SH
  chmod 755 "$b/detect" "$b/build" "$b/release"
}

# Sets the environment of the peer CLI acting as ORG's admin against ORG's peer.
as_admin() {
  local org=$1 msp=$2
  local d=$STATE/organizations/peerOrganizations/$org.example.com
  export FABRIC_CFG_PATH=$STATE/config/peer
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_LOCALMSPID=$msp
  export CORE_PEER_TLS_ROOTCERT_FILE=$d/peers/peer0.$org.example.com/tls/ca.crt
  export CORE_PEER_MSPCONFIGPATH=$d/users/Admin@$org.example.com/msp
  local var=PEER_${org}_PORT
  export CORE_PEER_ADDRESS=127.0.0.1:${!var}
}

start_peer() {
  local org=$1 msp=$2
  local d=$STATE/organizations/peerOrganizations/$org.example.com/peers/peer0.$org.example.com
  local p=PEER_${org}_PORT c=PEER_${org}_CC_PORT op=PEER_${org}_OPS_PORT
  mkdir -p "$STATE/$org-peer"
  (
    export FABRIC_CFG_PATH=$STATE/config/peer
    export FABRIC_LOGGING_SPEC=${FABRIC_LOGGING_SPEC:-INFO}
    export CORE_PEER_ID=peer0.$org.example.com
    export CORE_PEER_ADDRESS=127.0.0.1:${!p}
    export CORE_PEER_LISTENADDRESS=127.0.0.1:${!p}
    export CORE_PEER_CHAINCODEADDRESS=127.0.0.1:${!c}
    export CORE_PEER_CHAINCODELISTENADDRESS=127.0.0.1:${!c}
    export CORE_PEER_GOSSIP_BOOTSTRAP=127.0.0.1:${!p}
    export CORE_PEER_GOSSIP_EXTERNALENDPOINT=127.0.0.1:${!p}
    export CORE_PEER_LOCALMSPID=$msp
    export CORE_PEER_MSPCONFIGPATH=$d/msp
    export CORE_PEER_TLS_ENABLED=true
    export CORE_PEER_TLS_CERT_FILE=$d/tls/server.crt
    export CORE_PEER_TLS_KEY_FILE=$d/tls/server.key
    export CORE_PEER_TLS_ROOTCERT_FILE=$d/tls/ca.crt
    export CORE_PEER_GATEWAY_ENABLED=true
    export CORE_PEER_FILESYSTEMPATH=$STATE/$org-peer
    export CORE_LEDGER_SNAPSHOTS_ROOTDIR=$STATE/$org-peer/snapshots
    export CORE_LEDGER_STATE_STATEDATABASE=goleveldb
    export CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:${!op}
    # Prometheus metrics on the loopback operations port: `up` reads the peer's gossip membership
    # from them to know when each organisation's peer sees the other's (what the Gateway's
    # discovery needs to endorse with both).
    export CORE_METRICS_PROVIDER=prometheus
    # Local network: retry an unreachable anchor peer every 2 s instead of 25 s.
    export CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s
    export CORE_CHAINCODE_EXTERNALBUILDERS="[{name: ccaas, path: $STATE/builder, propagateEnvironment: [HOME]}]"
    start "peer-$org" "$FABRIC_HOME/bin/peer" node start
  )
}

start_orderer() {
  local o=$STATE/organizations/ordererOrganizations/example.com/orderers/orderer.example.com
  mkdir -p "$STATE/orderer"
  (
    export FABRIC_CFG_PATH=$STATE/config/orderer
    export FABRIC_LOGGING_SPEC=${FABRIC_LOGGING_SPEC:-INFO}
    export ORDERER_GENERAL_LISTENADDRESS=127.0.0.1
    export ORDERER_GENERAL_LISTENPORT=$ORDERER_PORT
    export ORDERER_GENERAL_LOCALMSPID=OrdererMSP
    export ORDERER_GENERAL_LOCALMSPDIR=$o/msp
    export ORDERER_GENERAL_TLS_ENABLED=true
    export ORDERER_GENERAL_TLS_PRIVATEKEY=$o/tls/server.key
    export ORDERER_GENERAL_TLS_CERTIFICATE=$o/tls/server.crt
    export ORDERER_GENERAL_TLS_ROOTCAS="[$o/tls/ca.crt]"
    export ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=$o/tls/server.crt
    export ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=$o/tls/server.key
    export ORDERER_GENERAL_CLUSTER_ROOTCAS="[$o/tls/ca.crt]"
    export ORDERER_GENERAL_BOOTSTRAPMETHOD=none
    export ORDERER_CHANNELPARTICIPATION_ENABLED=true
    export ORDERER_ADMIN_LISTENADDRESS=127.0.0.1:$ORDERER_ADMIN_PORT
    export ORDERER_ADMIN_TLS_ENABLED=true
    export ORDERER_ADMIN_TLS_PRIVATEKEY=$o/tls/server.key
    export ORDERER_ADMIN_TLS_CERTIFICATE=$o/tls/server.crt
    export ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true
    export ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$o/tls/ca.crt]"
    export ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:$ORDERER_OPS_PORT
    export ORDERER_METRICS_PROVIDER=disabled
    export ORDERER_FILELEDGER_LOCATION=$STATE/orderer/ledger
    export ORDERER_CONSENSUS_WALDIR=$STATE/orderer/etcdraft/wal
    export ORDERER_CONSENSUS_SNAPDIR=$STATE/orderer/etcdraft/snapshot
    start orderer "$FABRIC_HOME/bin/orderer"
  )
}

start_chaincode() {
  local org=$1 package_id=$2
  local port=CC_${org}_PORT
  (
    # The chaincode server takes no peer settings (the peer dials it): none of the CLI's CORE_*.
    # shellcheck disable=SC2046
    unset $(compgen -e | grep -E '^(CORE|FABRIC)_' || true)
    export CHAINCODE_SERVER_ADDRESS=127.0.0.1:${!port}
    export CORE_CHAINCODE_ID_NAME=$package_id
    # shellcheck disable=SC2086
    start "chaincode-$org" "$JAVA" ${CHAINCODE_JAVA_OPTS:--XX:+UseSerialGC -Xmx256m} -jar "$CHAINCODE_JAR"
  )
}

on_failure() {
  local rc=$?
  trap - EXIT
  if [[ $rc != 0 && -n "${STATE:-}" && -d "${STATE}/pids" ]]; then
    stop_all "$STATE"
    echo "fabric-network: failed (exit $rc); everything it started is stopped. Logs: $STATE/logs" >&2
  fi
  exit $rc
}

cmd_up() {
  FABRIC_HOME=${FABRIC_HOME:-}
  STATE=""
  local root
  root=$(cd "$(dirname "$0")/.." && pwd -P)
  CHAINCODE_JAR=""
  local port_base="" watch_pid=""
  BATCH_TIMEOUT=100ms
  BATCH_SIZE=100
  CA_MODE=auto
  while [[ $# -gt 0 ]]; do
    case $1 in
      --fabric-home) FABRIC_HOME=$2; shift 2 ;;
      --state) STATE=$2; shift 2 ;;
      --chaincode-jar) CHAINCODE_JAR=$2; shift 2 ;;
      --port-base) port_base=$2; shift 2 ;;
      --batch-timeout) BATCH_TIMEOUT=$2; shift 2 ;;
      --batch-size) BATCH_SIZE=$2; shift 2 ;;
      --watch-pid) watch_pid=$2; shift 2 ;;
      --ca-mode) CA_MODE=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -n "$FABRIC_HOME" ]] || die "--fabric-home DIR (or FABRIC_HOME) is required: a Fabric 2.5 release directory with bin/ and config/"
  [[ -n "$STATE" ]] || die "--state DIR is required"
  local tool
  for tool in peer orderer configtxgen osnadmin cryptogen; do
    [[ -x "$FABRIC_HOME/bin/$tool" ]] || die "$FABRIC_HOME/bin/$tool is missing or not executable"
  done
  [[ -f "$FABRIC_HOME/config/core.yaml" && -f "$FABRIC_HOME/config/orderer.yaml" ]] \
    || die "$FABRIC_HOME/config/core.yaml and orderer.yaml are required"
  local has_ca=0
  [[ -x "$FABRIC_HOME/bin/fabric-ca-server" && -x "$FABRIC_HOME/bin/fabric-ca-client" ]] && has_ca=1
  case $CA_MODE in
    auto) if [[ $has_ca == 1 ]]; then CA_MODE=fabric-ca; else CA_MODE=cryptogen; fi ;;
    fabric-ca) [[ $has_ca == 1 ]] || die "--ca-mode fabric-ca: $FABRIC_HOME/bin has no fabric-ca-server and fabric-ca-client" ;;
    cryptogen) ;;
    *) die "--ca-mode is auto, fabric-ca or cryptogen" ;;
  esac
  if [[ -z "$CHAINCODE_JAR" ]]; then
    CHAINCODE_JAR=$root/did-registry/did-fabric-chaincode/target/chaincode.jar
  fi
  [[ -f "$CHAINCODE_JAR" ]] || die "chaincode jar $CHAINCODE_JAR not found (./mvnw -B -pl did-registry/did-fabric-chaincode -am package -DskipTests)"
  JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
  JAVA=$(command -v "$JAVA") || die "java not found"
  FABRIC_HOME=$(abs "$FABRIC_HOME")
  CHAINCODE_JAR=$(readlink -f "$CHAINCODE_JAR")
  mkdir -p "$STATE"
  STATE=$(abs "$STATE")
  if compgen -G "$STATE/pids/*.pid" > /dev/null && cmd_status --state "$STATE" > /dev/null 2>&1; then
    die "a network is already running from $STATE (scripts/fabric-network.sh down --state $STATE)"
  fi
  rm -rf "${STATE:?}"/{pids,logs,config,organizations,ca,builder,orderer,org1-peer,org2-peer,ccaas,network.properties,network.env}
  mkdir -p "$STATE"/{pids,logs,config/peer,config/orderer,ccaas}
  trap on_failure EXIT

  local base
  base=$(pick_ports "$port_base")
  ORDERER_PORT=$base
  ORDERER_ADMIN_PORT=$((base + 1))
  ORDERER_OPS_PORT=$((base + 2))
  PEER_org1_PORT=$((base + 3))
  PEER_org1_CC_PORT=$((base + 4))
  PEER_org1_OPS_PORT=$((base + 5))
  CC_org1_PORT=$((base + 6))
  PEER_org2_PORT=$((base + 7))
  PEER_org2_CC_PORT=$((base + 8))
  PEER_org2_OPS_PORT=$((base + 9))
  CC_org2_PORT=$((base + 10))
  CA_org1_PORT=$((base + 11))
  CA_org1_OPS_PORT=$((base + 12))
  CA_org2_PORT=$((base + 13))
  CA_org2_OPS_PORT=$((base + 14))

  {
    local v
    for v in FABRIC_HOME CHAINCODE_JAR JAVA ORDERER_PORT ORDERER_ADMIN_PORT ORDERER_OPS_PORT \
        PEER_org1_PORT PEER_org1_CC_PORT PEER_org1_OPS_PORT CC_org1_PORT \
        PEER_org2_PORT PEER_org2_CC_PORT PEER_org2_OPS_PORT CC_org2_PORT CA_MODE \
        CA_org1_PORT CA_org1_OPS_PORT CA_org2_PORT CA_org2_OPS_PORT; do
      printf '%s=%q\n' "$v" "${!v}"
    done
  } > "$STATE/network.env"
  local started=$SECONDS
  if [[ $CA_MODE == fabric-ca ]]; then
    echo "fabric-network: CA mode fabric-ca: a fabric-ca-server per organisation (Org1MSP, Org2MSP) from $FABRIC_HOME/bin; OrdererMSP from cryptogen" >&2
  else
    echo "fabric-network: CA mode cryptogen: $FABRIC_HOME/bin has no fabric-ca-server and fabric-ca-client (or --ca-mode cryptogen); every organisation's CA is a cryptogen CA, no CA server runs" >&2
  fi
  # Peers run without a Docker daemon only with vm.endpoint empty in core.yaml (an empty
  # CORE_VM_ENDPOINT does not override it).
  sed 's#^\(\s*endpoint:\) unix:///var/run/docker.sock#\1 ""#' "$FABRIC_HOME/config/core.yaml" \
    > "$STATE/config/peer/core.yaml"
  grep -q '^\s*endpoint: ""' "$STATE/config/peer/core.yaml" || die "core.yaml: vm.endpoint not found"
  cp "$FABRIC_HOME/config/orderer.yaml" "$STATE/config/orderer/orderer.yaml"
  write_crypto_config
  "$FABRIC_HOME/bin/cryptogen" generate --config="$STATE/config/crypto-config.yaml" \
    --output="$STATE/organizations" >> "$STATE/logs/setup.log" 2>&1
  if [[ $CA_MODE == fabric-ca ]]; then
    local ca_org
    for ca_org in "${ORGS[@]}"; do
      setup_org_ca "$ca_org"
    done
  fi
  write_configtx
  write_builder
  FABRIC_CFG_PATH=$STATE/config "$FABRIC_HOME/bin/configtxgen" -profile SovereignChannel \
    -outputBlock "$STATE/config/$CHANNEL.block" -channelID "$CHANNEL" >> "$STATE/logs/setup.log" 2>&1

  start_orderer
  start_peer org1 Org1MSP
  start_peer org2 Org2MSP
  if [[ -n "$watch_pid" ]]; then
    # Stops the network when the watched process ends (a test JVM that died without its cleanup).
    nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec "$2" down --state "$3"' \
      watcher "$watch_pid" "$(readlink -f "$0")" "$STATE" < /dev/null > "$STATE/logs/watcher.log" 2>&1 &
    echo "$! $(readlink -f "$(command -v bash)")" > "$STATE/pids/watcher.pid"
  fi
  wait_port "$ORDERER_ADMIN_PORT" orderer
  wait_port "$PEER_org1_PORT" peer-org1
  wait_port "$PEER_org2_PORT" peer-org2

  local otls=$STATE/organizations/ordererOrganizations/example.com/orderers/orderer.example.com/tls
  retry 20 "$FABRIC_HOME/bin/osnadmin" channel join --channelID "$CHANNEL" \
    --config-block "$STATE/config/$CHANNEL.block" -o "127.0.0.1:$ORDERER_ADMIN_PORT" \
    --ca-file "$otls/ca.crt" --client-cert "$otls/server.crt" --client-key "$otls/server.key" \
    || die "orderer did not join channel $CHANNEL"
  local org msp
  for org in "${ORGS[@]}"; do
    msp=Org${org#org}MSP
    as_admin "$org" "$msp"
    retry 20 "$FABRIC_HOME/bin/peer" channel join -b "$STATE/config/$CHANNEL.block" \
      || die "peer of $org did not join channel $CHANNEL"
  done

  # One chaincode-as-a-service package per organisation (its connection.json names that
  # organisation's chaincode server), installed on its peer, approved by each organisation.
  local orderer_args=(-o "127.0.0.1:$ORDERER_PORT" --tls --cafile "$otls/ca.crt")
  local commit_peers=()
  for org in "${ORGS[@]}"; do
    msp=Org${org#org}MSP
    local dir=$STATE/ccaas/$org port=CC_${org}_PORT
    mkdir -p "$dir"
    printf '{"address": "127.0.0.1:%s", "dial_timeout": "10s", "tls_required": false}\n' "${!port}" \
      > "$dir/connection.json"
    printf '{"type": "ccaas", "label": "%s_%s"}\n' "$CC_NAME" "$org" > "$dir/metadata.json"
    (cd "$dir" && tar czf code.tar.gz connection.json && tar czf "$CC_NAME.tgz" metadata.json code.tar.gz)
    as_admin "$org" "$msp"
    retry 5 "$FABRIC_HOME/bin/peer" lifecycle chaincode install "$dir/$CC_NAME.tgz" \
      || die "chaincode install on the peer of $org failed"
    local package_id
    package_id=$("$FABRIC_HOME/bin/peer" lifecycle chaincode calculatepackageid "$dir/$CC_NAME.tgz")
    echo "$package_id" > "$dir/package-id"
    start_chaincode "$org" "$package_id"
    retry 30 "$FABRIC_HOME/bin/peer" lifecycle chaincode approveformyorg "${orderer_args[@]}" \
      --channelID "$CHANNEL" --name "$CC_NAME" --version 1 --sequence 1 \
      --package-id "$package_id" --signature-policy "$CC_POLICY" \
      || die "approve by $msp failed (see $STATE/logs/setup.log)"
    commit_peers+=(--peerAddresses "$CORE_PEER_ADDRESS" --tlsRootCertFiles "$CORE_PEER_TLS_ROOTCERT_FILE")
  done
  as_admin org1 Org1MSP
  retry 10 "$FABRIC_HOME/bin/peer" lifecycle chaincode commit "${orderer_args[@]}" \
    --channelID "$CHANNEL" --name "$CC_NAME" --version 1 --sequence 1 \
    --signature-policy "$CC_POLICY" "${commit_peers[@]}" \
    || die "chaincode commit failed (see $STATE/logs/setup.log)"
  # Ready when both chaincode servers answer a query through their own peer.
  for org in "${ORGS[@]}"; do
    as_admin "$org" "Org${org#org}MSP"
    local port=CC_${org}_PORT
    wait_port "${!port}" "chaincode-$org"
    retry 60 "$FABRIC_HOME/bin/peer" chaincode query -C "$CHANNEL" -n "$CC_NAME" \
      -c '{"Args":["org.hyperledger.fabric:GetMetadata"]}' \
      || die "chaincode of $org does not answer (see $STATE/logs/chaincode-$org.log)"
  done

  # Ready when each peer's gossip knows the other organisation's peer on the channel: before
  # that, the Gateway's discovery finds no endorser of the other organisation and every write
  # that needs both fails with "failed to find any endorsing peers".
  for org in "${ORGS[@]}"; do
    wait_channel_peers "$org" $((${#ORGS[@]} - 1))
  done

  local o1=$STATE/organizations/peerOrganizations/org1.example.com
  local o2=$STATE/organizations/peerOrganizations/org2.example.com
  {
    echo "# did:fabric local network (scripts/fabric-network.sh); stop: scripts/fabric-network.sh down --state $STATE"
    echo "channel=$CHANNEL"
    echo "chaincode=$CC_NAME"
    echo "caMode=$CA_MODE"
    echo "chaincodePolicy=$CC_POLICY"
    echo "batchTimeout=$BATCH_TIMEOUT"
    echo "batchSize=$BATCH_SIZE"
    echo "orderer.address=127.0.0.1:$ORDERER_PORT"
    echo "orderer.tlsCa=$otls/ca.crt"
    for org in "${ORGS[@]}"; do
      local d=$STATE/organizations/peerOrganizations/$org.example.com p=PEER_${org}_PORT c=CC_${org}_PORT
      echo "$org.mspId=Org${org#org}MSP"
      echo "$org.peer.address=127.0.0.1:${!p}"
      echo "$org.peer.hostname=peer0.$org.example.com"
      echo "$org.peer.tlsCa=$d/peers/peer0.$org.example.com/tls/ca.crt"
      echo "$org.ca=$d/ca/ca.$org.example.com-cert.pem"
      echo "$org.peer.cert=$(ls "$d"/peers/peer0.$org.example.com/msp/signcerts/*.pem)"
      echo "$org.peer.tlsCert=$d/peers/peer0.$org.example.com/tls/server.crt"
      echo "$org.admin.msp=$d/users/Admin@$org.example.com/msp"
      echo "$org.user.cert=$(ls "$d"/users/User1@$org.example.com/msp/signcerts/*.pem)"
      echo "$org.user.key=$(ls "$d"/users/User1@$org.example.com/msp/keystore/*_sk)"
      echo "$org.chaincode.address=127.0.0.1:${!c}"
      echo "$org.chaincode.packageId=$(cat "$STATE/ccaas/$org/package-id")"
      if [[ $CA_MODE == fabric-ca ]]; then
        local cp=CA_${org}_PORT
        echo "$org.caServer.address=127.0.0.1:${!cp}"
        echo "$org.caServer.name=ca-$org"
        echo "$org.caServer.root=$STATE/ca/$org/server/ca-cert.pem"
        echo "$org.caServer.registrarHome=$STATE/ca/$org/registrar"
        echo "$org.caServer.enrolled=peer0.$org.example.com:peer,${org}admin:admin,user1:client"
      fi
    done
    for f in "$STATE"/pids/*.pid; do
      local pid
      read -r pid _ < "$f"
      echo "pid.$(basename "$f" .pid)=$pid"
    done
    echo "logs=$STATE/logs"
  } > "$STATE/network.properties"
  trap - EXIT
  echo "fabric-network: up in $((SECONDS - started)) s (CA mode $CA_MODE): channel $CHANNEL, Org1MSP peer 127.0.0.1:$PEER_org1_PORT, Org2MSP peer 127.0.0.1:$PEER_org2_PORT, orderer 127.0.0.1:$ORDERER_PORT (BatchTimeout $BATCH_TIMEOUT, MaxMessageCount $BATCH_SIZE)" >&2
  echo "fabric-network: settings in $STATE/network.properties; logs in $STATE/logs; stop with: $0 down --state $STATE" >&2
}

# restart NAME --state DIR: starts one stopped process of a running network again, with the
# settings `up` gave it (for tests that kill a peer, the orderer or a chaincode server).
cmd_restart() {
  local name=${1:-}
  shift || true
  STATE=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --state) STATE=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -n "$STATE" && -f "$STATE/network.env" ]] || die "--state DIR of a network started by up is required"
  STATE=$(abs "$STATE")
  # shellcheck disable=SC1091
  source "$STATE/network.env"
  local pid
  if [[ -f "$STATE/pids/$name.pid" ]]; then
    read -r pid _ < "$STATE/pids/$name.pid"
    if kill -0 "$pid" 2>/dev/null; then
      die "$name is still running (PID $pid)"
    fi
  fi
  mv -f "$STATE/logs/$name.log" "$STATE/logs/$name.log.$(date +%s)" 2>/dev/null || true
  case $name in
    orderer) start_orderer; wait_port "$ORDERER_PORT" orderer ;;
    peer-org1|peer-org2)
      local org=${name#peer-} p
      start_peer "$org" "Org${org#org}MSP"
      p=PEER_${org}_PORT
      wait_port "${!p}" "$name"
      wait_channel_peers "$org" $((${#ORGS[@]} - 1)) ;;
    ca-org1|ca-org2)
      [[ $CA_MODE == fabric-ca ]] || die "no CA server runs in CA mode $CA_MODE"
      local org=${name#ca-} p
      start_ca "$org"
      p=CA_${org}_PORT
      wait_port "${!p}" "$name" ;;
    chaincode-org1|chaincode-org2)
      local org=${name#chaincode-} p
      start_chaincode "$org" "$(cat "$STATE/ccaas/$org/package-id")"
      p=CC_${org}_PORT
      wait_port "${!p}" "$name" ;;
    *) die "unknown process $name (orderer, peer-org1, peer-org2, chaincode-org1, chaincode-org2, ca-org1, ca-org2)" ;;
  esac
  echo "fabric-network: $name restarted (log: $STATE/logs/$name.log)" >&2
}

[[ $# -ge 1 ]] || usage
sub=$1
shift
case $sub in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  restart) cmd_restart "$@" ;;
  *) usage ;;
esac
