/** did:fabric over Hyperledger Fabric through the Fabric Gateway. Host-side only (gRPC). */
package dev.sovereign.did.fabric.gateway;
