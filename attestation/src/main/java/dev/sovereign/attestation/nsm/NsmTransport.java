package dev.sovereign.attestation.nsm;

/** What the Rust driver does with response bytes it cannot decode: {@code Error(InternalError)}. */
final class NsmTransport {
  private NsmTransport() {}

  static Response decodeOrInternalError(byte[] responseBytes) {
    try {
      return NsmCodec.decodeResponse(responseBytes);
    } catch (MalformedNsmMessageException e) {
      return new Response.Error(ErrorCode.INTERNAL_ERROR);
    }
  }
}
