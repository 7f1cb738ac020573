package dev.sovereign.keybroker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Owner-only files in the broker's state directory, written atomically. */
final class StateFiles {
  static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

  private StateFiles() {}

  static void ensureDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
    }
  }

  /**
   * Creates {@code file} with mode 0600 from the start (no window with wider permissions), its
   * content and its directory entry forced to disk.
   */
  static void createOwnerOnly(Path file, byte[] content) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_RW));
    } catch (FileAlreadyExistsException e) {
      throw e;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    syncDirectory(file.toAbsolutePath().getParent());
  }

  /**
   * Replaces {@code file} atomically by a 0600 temporary file, durably: the content is on disk
   * before the rename, and the directory after it, so a power loss leaves the old file or the new
   * one, never a rollback mark that went back (the rename alone may still be in the page cache).
   */
  static void writeAtomically(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    createOwnerOnly(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(file.toAbsolutePath().getParent());
  }

  /** Forces a directory's entries (a rename in it) to disk. */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
