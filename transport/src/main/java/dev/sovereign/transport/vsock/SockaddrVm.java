package dev.sovereign.transport.vsock;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code struct sockaddr_vm} of {@code linux/vm_sockets.h}: 16 bytes, {@code svm_family} (u16) at
 * 0, {@code svm_reserved1} (u16) at 2, {@code svm_port} (u32) at 4, {@code svm_cid} (u32) at 8,
 * {@code svm_flags} (u8) at 12, {@code svm_zero[3]} at 13. Sizes and offsets were printed once by a
 * C program ({@code sizeof(struct sockaddr_vm)}, {@code offsetof(...)}) compiled with gcc 12.2.0
 * against the Debian 12 kernel headers: {@code sizeof=16 family=0 reserved1=2 port=4 cid=8 flags=12
 * zero=13}. {@code SockaddrVmTest} checks this class against those numbers.
 */
@FieldOrder({"svm_family", "svm_reserved1", "svm_port", "svm_cid", "svm_flags", "svm_zero"})
public final class SockaddrVm extends Structure {
  /** {@code sizeof(struct sockaddr_vm)}. */
  public static final int SIZE = 16;

  public short svm_family;
  public short svm_reserved1;
  public int svm_port;
  public int svm_cid;
  public byte svm_flags;
  public byte[] svm_zero = new byte[3];

  public SockaddrVm() {
    super(ALIGN_NONE);
  }

  /** An AF_VSOCK address; {@code cid} and {@code port} are unsigned 32-bit values. */
  static SockaddrVm of(long cid, long port) {
    SockaddrVm a = new SockaddrVm();
    a.svm_family = (short) LibC.AF_VSOCK;
    a.svm_port = (int) port;
    a.svm_cid = (int) cid;
    a.write();
    return a;
  }

  long cid() {
    return Integer.toUnsignedLong(svm_cid);
  }

  long port() {
    return Integer.toUnsignedLong(svm_port);
  }

  /** The byte offset of a field, for the layout test. */
  int offsetOf(String field) {
    return fieldOffset(field);
  }
}
