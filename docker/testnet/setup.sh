#!/usr/bin/env bash
# The one-shot "fabric-setup" service of docker/compose.yaml (runs in hyperledger/fabric-tools):
# crypto material (cryptogen), the channel "sovereign" (configtxgen + osnadmin), both peers joined,
# and the did:fabric chaincode as a service: packaged, installed on both peers, approved by both
# organisations, committed with both endorsements. Idempotent enough to re-run after a restart.
# Written for Fabric 2.5; not run where it was written (no Docker engine there).
set -euo pipefail
CHANNEL=sovereign            # = the did:fabric network name: DIDs are did:fabric:sovereign:<id>
CC_NAME=didfabric
CC_LABEL=didfabric_1
CC_VERSION=1
CC_SEQUENCE=1
cd /work

if [[ ! -d organizations ]]; then
  cryptogen generate --config=/testnet/crypto-config.yaml --output=organizations
fi
cp /testnet/configtx.yaml /work/configtx.yaml
ORDERER_TLS=/work/organizations/ordererOrganizations/example.com/orderers/orderer.example.com/tls
FABRIC_CFG_PATH=/work configtxgen -profile SovereignDidChannel -channelID "$CHANNEL" -outputBlock "/work/$CHANNEL.block"

osn() { osnadmin channel "$@" -o orderer.example.com:7053 --ca-file "$ORDERER_TLS/ca.crt" \
          --client-cert "$ORDERER_TLS/server.crt" --client-key "$ORDERER_TLS/server.key"; }
until osn list >/dev/null 2>&1; do sleep 1; done
osn list | grep -q "\"$CHANNEL\"" || osn join --channelID "$CHANNEL" --config-block "/work/$CHANNEL.block"

export FABRIC_CFG_PATH=/etc/hyperledger/fabric CORE_PEER_TLS_ENABLED=true
as_org() { # ORG_NUMBER PORT: the peer CLI acts as that organisation's admin against its peer
  local org="org$1.example.com"
  export CORE_PEER_LOCALMSPID="Org$1MSP"
  export CORE_PEER_ADDRESS="peer0.$org:$2"
  export CORE_PEER_TLS_ROOTCERT_FILE="/work/organizations/peerOrganizations/$org/peers/peer0.$org/tls/ca.crt"
  export CORE_PEER_MSPCONFIGPATH="/work/organizations/peerOrganizations/$org/users/Admin@$org/msp"
}
PEER1_TLS=/work/organizations/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls/ca.crt
PEER2_TLS=/work/organizations/peerOrganizations/org2.example.com/peers/peer0.org2.example.com/tls/ca.crt

for spec in "1 7051" "2 9051"; do
  as_org $spec
  until peer channel list >/dev/null 2>&1; do sleep 1; done
  peer channel list | grep -qx "$CHANNEL" || peer channel join -b "/work/$CHANNEL.block"
done

# Chaincode as a service: the package holds only where the peer reaches the chaincode server.
mkdir -p /work/ccaas && cd /work/ccaas
printf '{"address":"didfabric-chaincode:9999","dial_timeout":"10s","tls_required":false}\n' > connection.json
printf '{"type":"ccaas","label":"%s"}\n' "$CC_LABEL" > metadata.json
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - connection.json | gzip -n > code.tar.gz
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - metadata.json code.tar.gz | gzip -n > "$CC_NAME.tgz"
PACKAGE_ID="$(peer lifecycle chaincode calculatepackageid "$CC_NAME.tgz")"
for spec in "1 7051" "2 9051"; do
  as_org $spec
  peer lifecycle chaincode queryinstalled | grep -q "$PACKAGE_ID" || peer lifecycle chaincode install "$CC_NAME.tgz"
done
echo "$PACKAGE_ID" > /work/ccaas/package-id   # the didfabric-chaincode service waits for this file

ORDERER=(-o orderer.example.com:7050 --tls --cafile "$ORDERER_TLS/ca.crt")
for spec in "1 7051" "2 9051"; do
  as_org $spec
  peer lifecycle chaincode approveformyorg "${ORDERER[@]}" --channelID "$CHANNEL" --name "$CC_NAME" \
    --version "$CC_VERSION" --package-id "$PACKAGE_ID" --sequence "$CC_SEQUENCE" || true
done
peer lifecycle chaincode checkcommitreadiness --channelID "$CHANNEL" --name "$CC_NAME" \
  --version "$CC_VERSION" --sequence "$CC_SEQUENCE" --output json
peer lifecycle chaincode querycommitted --channelID "$CHANNEL" --name "$CC_NAME" >/dev/null 2>&1 \
  || peer lifecycle chaincode commit "${ORDERER[@]}" --channelID "$CHANNEL" --name "$CC_NAME" \
       --version "$CC_VERSION" --sequence "$CC_SEQUENCE" \
       --peerAddresses peer0.org1.example.com:7051 --tlsRootCertFiles "$PEER1_TLS" \
       --peerAddresses peer0.org2.example.com:9051 --tlsRootCertFiles "$PEER2_TLS"
peer lifecycle chaincode querycommitted --channelID "$CHANNEL" --name "$CC_NAME"
echo "did:fabric chaincode $CC_NAME committed on channel $CHANNEL (endorsed by Org1MSP and Org2MSP)"
