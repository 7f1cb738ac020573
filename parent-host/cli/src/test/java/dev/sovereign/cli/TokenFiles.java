package dev.sovereign.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Test helper: an admin token in an owner-only file, as {@code --token-file} wants it. */
final class TokenFiles {
  private TokenFiles() {}

  /** Writes {@code token} to a new 0600 file in {@code dir} and returns its path. */
  static String of(Path dir, String token) {
    try {
      Path f =
          Files.createTempFile(
              dir,
              "token",
              "",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(f, token + "\n");
      return f.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
