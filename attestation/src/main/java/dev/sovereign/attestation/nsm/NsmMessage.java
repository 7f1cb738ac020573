package dev.sovereign.attestation.nsm;

import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code struct nsm_message} of the Linux NSM driver ({@code NsmMessage} in
 * aws-nitro-enclaves-nsm-api {@code src/driver/mod.rs}): two {@code struct iovec}, the request and
 * the response buffer. On a 64-bit target each iovec is a pointer and a {@code size_t}, 32 bytes in
 * all. The driver writes the response length back into {@code response_len}.
 */
@Structure.FieldOrder({"request_base", "request_len", "response_base", "response_len"})
public final class NsmMessage extends Structure {
  public Pointer request_base;
  public NativeLong request_len;
  public Pointer response_base;
  public NativeLong response_len;

  public NsmMessage() {
    super(ALIGN_DEFAULT);
  }

  /** The native offset of a field, for layout tests. */
  int offsetOf(String field) {
    return fieldOffset(field);
  }
}
