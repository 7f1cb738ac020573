package dev.sovereign.attestation.nsm;

/**
 * The Nitro Security Module API. Every operation is one {@link Request} answered by one {@link
 * Response}; {@link #process} is the protocol itself and never throws for an NSM error (that is a
 * {@link Response.Error}). The default methods are the typed convenience layer: they return the
 * expected variant or throw {@link NsmException} with the NSM's {@link ErrorCode}.
 *
 * <p>Implementations: {@link DevNsm} ({@code /dev/nsm} in a Nitro Enclave) and {@link SimulatedNsm}
 * (development and tests). {@link Nsms} opens the one a caller chose; there is no fallback.
 */
public interface Nsm extends AutoCloseable {

  /** Sends one request and returns the NSM's response, errors included. */
  Response process(Request request);

  /** A short name for messages: {@code "nitro"} or {@code "simulated"}. */
  String kind();

  /** The value and lock state of the PCR at {@code index}. */
  default Response.DescribePcr describePcr(int index) {
    return expect(process(new Request.DescribePcr(index)), Response.DescribePcr.class);
  }

  /** Extends the PCR at {@code index} with {@code data}; returns its new value. */
  default byte[] extendPcr(int index, byte[] data) {
    return expect(process(new Request.ExtendPcr(index, data)), Response.ExtendPcr.class).data();
  }

  /** Locks the PCR at {@code index}. */
  default void lockPcr(int index) {
    expect(process(new Request.LockPcr(index)), Response.LockPcr.class);
  }

  /** Locks the PCRs {@code [0, range)}. */
  default void lockPcrs(int range) {
    expect(process(new Request.LockPcrs(range)), Response.LockPcrs.class);
  }

  /** The NSM's version, module id, PCR count, locked PCRs and digest. */
  default Response.DescribeNsm describeNsm() {
    return expect(process(new Request.DescribeNsm()), Response.DescribeNsm.class);
  }

  /**
   * A signed attestation document (untagged COSE_Sign1 bytes) carrying the given optional fields.
   * Parse and verify it with {@code dev.sovereign.attestation}.
   */
  default byte[] attestation(byte[] userData, byte[] nonce, byte[] publicKey) {
    return expect(
            process(new Request.Attestation(userData, nonce, publicKey)),
            Response.Attestation.class)
        .document();
  }

  /** Entropy from the NSM. */
  default byte[] getRandom() {
    return expect(process(new Request.GetRandom()), Response.GetRandom.class).random();
  }

  @Override
  void close();

  private static <T extends Response> T expect(Response response, Class<T> type) {
    if (response instanceof Response.Error e) {
      throw new NsmException(e.code(), "the NSM refused the request");
    }
    if (!type.isInstance(response)) {
      throw new NsmException(
          ErrorCode.INVALID_RESPONSE,
          "expected " + type.getSimpleName() + ", got " + response.getClass().getSimpleName());
    }
    return type.cast(response);
  }
}
