#!/usr/bin/env bash
# Runs inside the fabric-tools container: crypto material, channel "sovereign", did:fabric chaincode
# as a service (CCaaS: the peer connects to the chaincode container, no Docker-in-Docker).
set -euo pipefail
cd /work
CHANNEL=sovereign
CC_NAME=didfabric
CC_LABEL=didfabric_1
ORDERER_TLS=/work/organizations/ordererOrganizations/example.com/orderers/orderer.example.com/tls
ORG1=/work/organizations/peerOrganizations/org1.example.com

if [[ ! -d organizations ]]; then
  cryptogen generate --config=/config/crypto-config.yaml --output=organizations
fi
export FABRIC_CFG_PATH=/config
configtxgen -profile SovereignChannel -outputBlock /work/${CHANNEL}.block -channelID ${CHANNEL}

until osnadmin channel list -o orderer.example.com:7053 --ca-file ${ORDERER_TLS}/ca.crt \
    --client-cert ${ORDERER_TLS}/server.crt --client-key ${ORDERER_TLS}/server.key >/dev/null 2>&1; do sleep 1; done
osnadmin channel join --channelID ${CHANNEL} --config-block /work/${CHANNEL}.block -o orderer.example.com:7053 \
  --ca-file ${ORDERER_TLS}/ca.crt --client-cert ${ORDERER_TLS}/server.crt --client-key ${ORDERER_TLS}/server.key || true

export FABRIC_CFG_PATH=/etc/hyperledger/fabric
export CORE_PEER_TLS_ENABLED=true
export CORE_PEER_LOCALMSPID=Org1MSP
export CORE_PEER_TLS_ROOTCERT_FILE=${ORG1}/peers/peer0.org1.example.com/tls/ca.crt
export CORE_PEER_MSPCONFIGPATH=${ORG1}/users/Admin@org1.example.com/msp
export CORE_PEER_ADDRESS=peer0.org1.example.com:7051
sleep 3
peer channel join -b /work/${CHANNEL}.block || true

# Chaincode-as-a-service package: connection.json points the peer at the chaincode container.
mkdir -p /work/ccaas && cd /work/ccaas
cat > connection.json <<JSON
{"address": "didfabric-chaincode:9999", "dial_timeout": "10s", "tls_required": false}
JSON
cat > metadata.json <<JSON
{"type": "ccaas", "label": "${CC_LABEL}"}
JSON
tar czf code.tar.gz connection.json
tar czf ${CC_NAME}.tgz metadata.json code.tar.gz
peer lifecycle chaincode install ${CC_NAME}.tgz || true
PACKAGE_ID=$(peer lifecycle chaincode calculatepackageid ${CC_NAME}.tgz)
echo "${PACKAGE_ID}" > /work/ccaas/package-id   # the chaincode container waits for this file

ORDERER_ARGS=(-o orderer.example.com:7050 --tls --cafile ${ORDERER_TLS}/ca.crt)
peer lifecycle chaincode approveformyorg "${ORDERER_ARGS[@]}" --channelID ${CHANNEL} --name ${CC_NAME} \
  --version 1 --package-id "${PACKAGE_ID}" --sequence 1
peer lifecycle chaincode commit "${ORDERER_ARGS[@]}" --channelID ${CHANNEL} --name ${CC_NAME} --version 1 --sequence 1 \
  --peerAddresses peer0.org1.example.com:7051 --tlsRootCertFiles ${CORE_PEER_TLS_ROOTCERT_FILE}
peer lifecycle chaincode querycommitted --channelID ${CHANNEL} --name ${CC_NAME}
echo "did:fabric chaincode ${CC_NAME} committed on channel ${CHANNEL}: DIDs are did:fabric:${CHANNEL}:<id>"
