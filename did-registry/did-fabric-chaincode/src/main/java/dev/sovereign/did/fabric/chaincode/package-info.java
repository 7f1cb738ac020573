/** The did:fabric chaincode: fabric-contract-api transactions over the shared contract logic. */
package dev.sovereign.did.fabric.chaincode;
