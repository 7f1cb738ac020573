package dev.sovereign.did.fabric.chaincode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.OperationLogVerifier;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.hyperledger.fabric.contract.ContractRouter;
import org.hyperledger.fabric.contract.ContractRouterAccess;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.shim.Chaincode;
import org.hyperledger.fabric.shim.ChaincodeStub;
import org.junit.jupiter.api.Test;

/**
 * The chaincode through fabric-contract-api's own router (contract scan, metadata, argument and
 * result serialisation, error mapping), as the Fabric peer would drive it, on the in-memory world
 * state.
 */
class ContractRouterTest {
  private final InMemoryChaincodeStub ledger = new InMemoryChaincodeStub("sovereign");
  private final ContractRouter router = ContractRouterAccess.scanned();
  private final byte[] creator;

  ContractRouterTest() throws Exception {
    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"));
    var keys = kpg.generateKeyPair();
    X500Name name = new X500Name("CN=User1,OU=client,O=Org1MSP");
    byte[] der =
        new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ONE,
                new Date(),
                new Date(System.currentTimeMillis() + 86_400_000L),
                name,
                keys.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
            .getEncoded();
    String pem =
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der)
            + "\n-----END CERTIFICATE-----\n";
    creator =
        SerializedIdentity.newBuilder()
            .setMspid("Org1MSP")
            .setIdBytes(com.google.protobuf.ByteString.copyFromUtf8(pem))
            .build()
            .toByteArray();
  }

  private Chaincode.Response invoke(boolean commit, String... args) {
    InMemoryChaincodeStub.Tx tx = ledger.begin();
    ChaincodeStub base = tx.stub;
    List<byte[]> raw = new ArrayList<>();
    for (String a : args) {
      raw.add(a.getBytes(StandardCharsets.UTF_8));
    }
    ChaincodeStub stub =
        (ChaincodeStub)
            Proxy.newProxyInstance(
                ChaincodeStub.class.getClassLoader(),
                new Class<?>[] {ChaincodeStub.class},
                (proxy, method, a) -> {
                  switch (method.getName()) {
                    case "getArgs":
                      return raw;
                    case "getStringArgs":
                      return List.of(args);
                    case "getFunction":
                      return args[0];
                    case "getParameters":
                      return List.of(args).subList(1, args.length);
                    case "getCreator":
                      return creator;
                    case "getTransient":
                      return java.util.Map.of();
                    default:
                      return method.invoke(base, a);
                  }
                });
    Chaincode.Response response = router.invoke(stub);
    if (commit && response.getStatus() == Chaincode.Response.Status.SUCCESS) {
      tx.commit();
    }
    return response;
  }

  @Test
  void contractApiRouterFindsTheContractAndRunsItsTransactions() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    Operation create = FabricDocuments.create("sovereign", key);
    Chaincode.Response created =
        invoke(true, "create", new String(create.toBytes(), StandardCharsets.UTF_8));
    assertEquals(Chaincode.Response.Status.SUCCESS, created.getStatus(), created.getMessage());
    VersionRecord v1 = VersionRecord.parse(created.getPayload());

    Chaincode.Response replay =
        invoke(true, "didfabric:create", new String(create.toBytes(), StandardCharsets.UTF_8));
    assertEquals(Chaincode.Response.Status.INTERNAL_SERVER_ERROR, replay.getStatus());
    assertTrue(replay.getMessage().startsWith("REPLAYED_OPERATION"), replay.getMessage());

    Chaincode.Response log = invoke(false, "history", v1.did());
    assertEquals(1, OperationLogVerifier.verify(v1.did(), log.getPayload()).records().size());
    Chaincode.Response missing = invoke(false, "read", "did:fabric:sovereign:x");
    assertTrue(missing.getMessage().startsWith("MALFORMED_DID"), missing.getMessage());
  }

  @Test
  void chaincodeAndContractLogicAreJava11Bytecode() throws IOException {
    // The Java 11 bytecode level Fabric 2.5's Java chaincode runtime needs: class file major
    // version 55.
    for (Class<?> c :
        List.of(DidFabricChaincode.class, dev.sovereign.did.fabric.core.DidFabricContract.class)) {
      try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
        byte[] head = in.readNBytes(8);
        assertEquals(55, ((head[6] & 0xff) << 8) | (head[7] & 0xff), c.getName());
      }
    }
  }
}
