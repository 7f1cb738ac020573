package dev.sovereign.vc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Asserts a typed rejection with a given code whose report ends in the failing step. */
final class Rejections {
  private Rejections() {}

  interface Call {
    Object run() throws Exception;
  }

  static CredentialRejectedException assertRejected(ReasonCode code, Call call) {
    CredentialRejectedException e = assertThrows(CredentialRejectedException.class, call::run);
    assertEquals(
        code,
        e.code(),
        () ->
            "wrong code: "
                + e.getMessage()
                + "\n"
                + (e.report() == null ? "" : e.report().toJson()));
    assertEquals(VerificationReport.Verdict.REJECTED, e.report().verdict());
    assertEquals(code, e.report().reasonCode());
    var last = e.report().steps().get(e.report().steps().size() - 1);
    assertEquals(VerificationReport.Outcome.FAILED, last.outcome());
    assertEquals(code, last.reasonCode());
    return e;
  }
}
