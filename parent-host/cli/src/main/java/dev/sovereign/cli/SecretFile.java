package dev.sovereign.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * A secret the CLI reads from a file instead of its command line (which every local user can read
 * in {@code /proc/PID/cmdline}). Like ssh with a private key, it refuses a file that its group or
 * other users may read or write: a secret others can read is already disclosed, one they can write
 * can be swapped.
 */
final class SecretFile {
  /** Largest secret file read; a token is a line, not a document. */
  static final int MAX_BYTES = 4096;

  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private SecretFile() {}

  /**
   * The first line of {@code file}, trimmed.
   *
   * @throws IllegalArgumentException naming the option and the reason (never the content): not a
   *     regular file, unreadable, larger than {@link #MAX_BYTES}, open to its group or others, or
   *     empty
   */
  static String firstLine(String option, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(option + ": " + file + " is not a regular file");
    }
    try {
      PosixFileAttributeView posix =
          Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (posix != null) {
        Set<PosixFilePermission> open = EnumSet.copyOf(OTHERS);
        open.retainAll(Files.getPosixFilePermissions(file));
        if (!open.isEmpty()) {
          throw new IllegalArgumentException(
              option
                  + ": "
                  + file
                  + " may be read or written by other users (mode "
                  + java.nio.file.attribute.PosixFilePermissions.toString(
                      Files.getPosixFilePermissions(file))
                  + "); chmod 600 it");
        }
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(
            option + ": " + file + " is larger than " + MAX_BYTES + " bytes");
      }
      String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      String line = (nl < 0 ? text : text.substring(0, nl)).trim();
      if (line.isEmpty()) {
        throw new IllegalArgumentException(option + ": " + file + " is empty");
      }
      return line;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          option + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")", e);
    }
  }
}
