package dev.sovereign.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A producer key as the verification method of a DID of another method (did:fabric's #key-1). */
class ProducerIdentityTest {
  private static final String FABRIC =
      "did:fabric:sovereign:z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V";

  @TempDir Path dir;

  @Test
  void aKeyControllingAFabricDidSignsUnderItsKidAndSurvivesTheIdentityFile() throws Exception {
    ProducerIdentity key = ProducerIdentity.generate(new SecureRandom());
    ProducerIdentity fabric = key.controlling(FABRIC, FABRIC + "#key-1");
    assertEquals(FABRIC, fabric.did().toString());
    assertEquals(FABRIC + "#key-1", fabric.kid());
    assertEquals(FABRIC + "#key-1", fabric.signer().keyId());
    assertTrue(fabric.equalsKey(key));
    Path file = dir.resolve("id.json");
    fabric.write(file);
    ProducerIdentity read = ProducerIdentity.read(file);
    assertEquals(FABRIC, read.did().toString());
    assertEquals(FABRIC + "#key-1", read.kid());
    assertTrue(read.equalsKey(key));
  }

  @Test
  void aDidKeyOrAKidOutsideTheDidIsRefused() {
    ProducerIdentity key = ProducerIdentity.generate(new SecureRandom());
    String other = ProducerIdentity.generate(new SecureRandom()).did().toString();
    assertThrows(IllegalArgumentException.class, () -> key.controlling(other, other + "#key-1"));
    assertThrows(
        IllegalArgumentException.class,
        () -> key.controlling(FABRIC, "did:fabric:sovereign:other#key-1"));
    assertThrows(IllegalArgumentException.class, () -> key.controlling(FABRIC, FABRIC + "#"));
    assertThrows(
        IllegalArgumentException.class,
        () -> key.controlling("fabric:sovereign:x", "fabric:sovereign:x#key-1"));
  }

  @Test
  void anIdentityFileNamingAnotherKeysDidKeyOrAFabricDidWithoutKidIsRefused() throws Exception {
    ProducerIdentity key = ProducerIdentity.generate(new SecureRandom());
    Path file = dir.resolve("id.json");
    key.write(file);
    ObjectMapper json = new ObjectMapper();
    ObjectNode n = (ObjectNode) json.readTree(file.toFile());
    n.put("did", ProducerIdentity.generate(new SecureRandom()).did().toString());
    Files.write(file, json.writeValueAsBytes(n));
    assertThrows(java.io.IOException.class, () -> ProducerIdentity.read(file));
    n.put("did", FABRIC);
    n.remove("kid");
    Files.write(file, json.writeValueAsBytes(n));
    assertThrows(java.io.IOException.class, () -> ProducerIdentity.read(file));
    n.put("kid", "did:fabric:sovereign:other#key-1");
    Files.write(file, json.writeValueAsBytes(n));
    assertThrows(java.io.IOException.class, () -> ProducerIdentity.read(file));
  }
}
