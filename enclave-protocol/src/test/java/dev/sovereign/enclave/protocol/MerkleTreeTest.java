package dev.sovereign.enclave.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {
  private static final HexFormat HEX = HexFormat.of();

  /**
   * Leaves and roots of the RFC 6962 test vectors in certificate-transparency (merkle_tree_test).
   */
  private static final List<String> LEAVES =
      List.of(
          "",
          "00",
          "10",
          "2021",
          "3031",
          "40414243",
          "5051525354555657",
          "606162636465666768696a6b6c6d6e6f");

  @Test
  void theEmptyTreeIsTheHashOfNothing() {
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        HEX.formatHex(MerkleTree.root(List.of())));
  }

  @Test
  void rootsMatchTheCertificateTransparencyVectors() {
    assertEquals("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", root(1));
    assertEquals("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", root(2));
    assertEquals("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77", root(3));
    assertEquals("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7", root(4));
    assertEquals("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", root(8));
  }

  @Test
  void theRootDoesNotDependOnTheOrderLeavesArrivedIn() {
    List<byte[]> leaves = new ArrayList<>();
    for (String l : LEAVES) {
      leaves.add(HEX.parseHex(l));
    }
    String expected = HEX.formatHex(MerkleTree.root(leaves));
    for (int i = 0; i < 20; i++) {
      Collections.shuffle(leaves, new java.util.Random(i));
      assertEquals(expected, HEX.formatHex(MerkleTree.root(leaves)));
    }
  }

  private static String root(int n) {
    List<byte[]> leaves = new ArrayList<>();
    for (String l : LEAVES.subList(0, n)) {
      leaves.add(HEX.parseHex(l));
    }
    return HEX.formatHex(MerkleTree.root(leaves));
  }
}
