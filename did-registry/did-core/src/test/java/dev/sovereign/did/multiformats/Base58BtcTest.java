package dev.sovereign.did.multiformats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Base58BtcTest {

  // Vectors from draft-msporny-base58-03, section 5 ("Test Vectors").
  @Test
  void helloWorldEncodesAsInTheBase58Draft() {
    assertEquals(
        "2NEpo7TZRRrLZSi2U", Base58Btc.encode("Hello World!".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void theQuickBrownFoxEncodesAsInTheBase58Draft() {
    assertEquals(
        "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
        Base58Btc.encode(
            "The quick brown fox jumps over the lazy dog.".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void leadingZeroBytesBecomeLeadingOnesAsInTheBase58Draft() {
    byte[] bytes = HexFormat.of().parseHex("0000287fb4cd");
    assertEquals("11233QC4", Base58Btc.encode(bytes));
    assertArrayEquals(bytes, Base58Btc.decode("11233QC4"));
  }

  @Test
  void emptyAndAllZeroInputsRoundTrip() {
    assertEquals("", Base58Btc.encode(new byte[0]));
    assertEquals("111", Base58Btc.encode(new byte[3]));
    assertArrayEquals(new byte[3], Base58Btc.decode("111"));
  }

  @Test
  void randomInputsRoundTrip() {
    Random r = new Random(42);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[r.nextInt(70)];
      r.nextBytes(b);
      if (b.length > 0 && r.nextBoolean()) {
        b[0] = 0;
      }
      assertArrayEquals(b, Base58Btc.decode(Base58Btc.encode(b)));
    }
  }

  @Test
  void charactersOutsideTheAlphabetAreRejected() {
    for (String s : new String[] {"0", "O", "I", "l", "+", "é", " "}) {
      assertThrows(IllegalArgumentException.class, () -> Base58Btc.decode("abc" + s));
    }
  }

  @Test
  void overlongInputIsRejectedBeforeDecoding() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Base58Btc.decode("2".repeat(Base58Btc.MAX_ENCODED_LENGTH + 1)));
  }

  @Test
  void multicodecHeadersAreUnsignedVarints() {
    assertArrayEquals(new byte[] {(byte) 0xed, 0x01, 9}, Multicodec.prefix(0xed, new byte[] {9}));
    assertArrayEquals(new byte[] {(byte) 0x80, 0x24}, Multicodec.prefix(0x1200, new byte[0]));
    assertArrayEquals(new byte[] {(byte) 0xe7, 0x01}, Multicodec.prefix(0xe7, new byte[0]));
    assertEquals(0x1200, Multicodec.split(new byte[] {(byte) 0x80, 0x24, 1}).code());
    assertArrayEquals(
        new byte[] {1}, Multicodec.split(new byte[] {(byte) 0x80, 0x24, 1}).payload());
  }

  @Test
  void nonMinimalOrTruncatedVarintsAreRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> Multicodec.split(new byte[] {(byte) 0xed, 0x00}));
    assertThrows(IllegalArgumentException.class, () -> Multicodec.split(new byte[] {(byte) 0x80}));
    assertThrows(IllegalArgumentException.class, () -> Multicodec.split(new byte[0]));
  }

  @Test
  void multibaseAcceptsOnlyTheBase58BtcPrefix() {
    assertArrayEquals(
        new byte[] {0, 1}, Multibase.decodeBase58Btc(Multibase.encodeBase58Btc(new byte[] {0, 1})));
    assertThrows(IllegalArgumentException.class, () -> Multibase.decodeBase58Btc("f0001"));
    assertThrows(IllegalArgumentException.class, () -> Multibase.decodeBase58Btc("z"));
  }
}
