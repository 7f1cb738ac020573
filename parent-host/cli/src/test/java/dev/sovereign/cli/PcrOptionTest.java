package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** {@code --pcr N=HEX}: one converter for attestation verify, producer submit and verify. */
class PcrOptionTest {
  private final PcrOption.Converter converter = new PcrOption.Converter();

  @Test
  void anIndexAndHexBecomeThePcrAndItsBytes() {
    PcrOption p = converter.convert("2=0x0aFF");
    assertEquals(2, p.index());
    assertArrayEquals(new byte[] {0x0a, (byte) 0xff}, p.value());
  }

  @Test
  void aValueWithoutAnIndexAnIndexOutOfRangeOrBadHexIsRefusedNamingIt() {
    for (String bad : List.of("abcd", "=abcd", "x=abcd", "32=abcd", "-1=abcd", "0=abc", "0=zz")) {
      TypeConversionException e =
          assertThrows(TypeConversionException.class, () -> converter.convert(bad), bad);
      assertTrue(e.getMessage().startsWith("--pcr"), e.getMessage());
    }
  }

  @Test
  void everyCommandTakingPcrRefusesAMalformedOneAsAUsageErrorWithoutAStackTrace() {
    for (List<String> args :
        List.of(
            List.of("attestation", "verify", "doc.cose", "--pcr", "40=00"),
            List.of("verify", "result.jwt", "--pcr", "zero=00"),
            List.of(
                "producer",
                "submit",
                "--host",
                "http://127.0.0.1:1",
                "--expect-pcr0",
                "00",
                "--pcr",
                "1=0g"))) {
      CliRun r = CliRun.of(args.toArray(new String[0]));
      assertEquals(2, r.exit(), args + ": " + r.err());
      assertTrue(r.err().contains("--pcr"), r.err());
      assertTrue(!r.err().contains("\tat "), r.err());
    }
  }
}
