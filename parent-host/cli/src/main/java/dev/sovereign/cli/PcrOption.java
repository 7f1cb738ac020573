package dev.sovereign.cli;

import java.util.HexFormat;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code --pcr N=HEX} value: a PCR index from 0 to 31 (the NSM has 32) and its expected bytes.
 * Parsed once, by {@link Converter}, for every command that takes {@code --pcr}; a malformed value
 * is a usage error (exit 2) naming the value.
 */
record PcrOption(int index, byte[] value) {

  /** The picocli converter for {@code N=HEX} ({@code HEX} may start with {@code 0x}). */
  static final class Converter implements ITypeConverter<PcrOption> {
    @Override
    public PcrOption convert(String s) {
      int eq = s.indexOf('=');
      int index;
      try {
        index = Integer.parseInt(s.substring(0, Math.max(eq, 0)));
      } catch (NumberFormatException e) {
        throw new TypeConversionException("--pcr must be N=HEX, got " + s);
      }
      if (index < 0 || index > 31) {
        throw new TypeConversionException("--pcr index must be 0 to 31, got " + index);
      }
      String hex = s.substring(eq + 1);
      if (hex.startsWith("0x") || hex.startsWith("0X")) {
        hex = hex.substring(2);
      }
      try {
        return new PcrOption(index, HexFormat.of().parseHex(hex));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "--pcr " + index + " must be hex (an even number of 0-9a-f digits)");
      }
    }
  }
}
