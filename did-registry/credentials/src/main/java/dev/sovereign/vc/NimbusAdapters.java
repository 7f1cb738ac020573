package dev.sovereign.vc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.util.Set;

/**
 * Nimbus {@link JWSSigner}/{@link JWSVerifier} backed by Bouncy Castle's lightweight API, so that
 * Ed25519 needs no Tink and secp256k1 no JCA provider. A verifier accepts exactly one algorithm,
 * the one fixed for its key type; a header naming another gets {@code false}, never a different
 * check.
 */
public final class NimbusAdapters {
  private NimbusAdapters() {}

  static JWSAlgorithm nimbus(JwsAlgorithm a) {
    return switch (a) {
      case EdDSA -> JWSAlgorithm.EdDSA;
      case ES256 -> JWSAlgorithm.ES256;
      case ES256K -> JWSAlgorithm.ES256K;
      case ES256K_R -> new JWSAlgorithm("ES256K-R");
    };
  }

  /** A verifier for one key; the expected algorithm comes from the key type. */
  public static JWSVerifier verifier(VerificationKey key) {
    return new Verifier(key);
  }

  /** A signer delegating to a {@link CredentialSigner} (enclave, HSM, local key). */
  public static JWSSigner signer(CredentialSigner signer) {
    return new Signer(signer);
  }

  private static final class Verifier implements JWSVerifier {
    private final VerificationKey key;
    private final JCAContext jca = new JCAContext();

    Verifier(VerificationKey key) {
      this.key = key;
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) {
      var alg = JwsAlgorithm.fromJoseName(header.getAlgorithm().getName());
      return alg.isPresent()
          && JwsSignatures.verify(key, alg.get(), signingInput, signature.decode());
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return ExpectedAlgorithms.forKeyType(key.type()).map(a -> Set.of(nimbus(a))).orElse(Set.of());
    }

    @Override
    public JCAContext getJCAContext() {
      return jca;
    }
  }

  private static final class Signer implements JWSSigner {
    private final CredentialSigner signer;
    private final JCAContext jca = new JCAContext();

    Signer(CredentialSigner signer) {
      this.signer = signer;
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
      if (!header.getAlgorithm().getName().equals(signer.algorithm().joseName())) {
        throw new JOSEException(
            "header alg "
                + header.getAlgorithm()
                + " is not the signer's "
                + signer.algorithm().joseName());
      }
      try {
        return Base64URL.encode(signer.sign(signingInput));
      } catch (CredentialSigner.SigningException e) {
        throw new JOSEException("signer failed: " + e.getMessage(), e);
      }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(nimbus(signer.algorithm()));
    }

    @Override
    public JCAContext getJCAContext() {
      return jca;
    }
  }
}
