package dev.sovereign.vc;

/** The two ways a credential is carried in a JWT. */
public enum Profile {
  /**
   * VC Data Model 2.0 secured with VC-JOSE-COSE: {@code typ} {@code vc+jwt}, the claims set is the
   * credential.
   */
  VCDM_2_0,
  /**
   * VC-JWT as in VC Data Model 1.1 section 6.3.1 (did-jwt-vc, Veramo): a {@code vc} claim,
   * iss/sub/jti/nbf/exp.
   */
  VC_JWT_1_1
}
