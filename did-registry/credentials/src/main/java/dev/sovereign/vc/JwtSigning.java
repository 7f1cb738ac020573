package dev.sovereign.vc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;

/**
 * Signs a JSON claims set as a compact JWS through Nimbus with {@code alg}, {@code kid} and {@code
 * typ}.
 */
final class JwtSigning {
  private JwtSigning() {}

  static String sign(ObjectNode claims, String typ, String cty, CredentialSigner signer)
      throws CredentialSigner.SigningException {
    JWSHeader.Builder h =
        new JWSHeader.Builder(NimbusAdapters.nimbus(signer.algorithm()))
            .keyID(signer.keyId())
            .type(new JOSEObjectType(typ));
    if (cty != null) {
      h.contentType(cty);
    }
    try {
      JWSObject jws = new JWSObject(h.build(), new Payload(Json.MAPPER.writeValueAsBytes(claims)));
      jws.sign(NimbusAdapters.signer(signer));
      return jws.serialize();
    } catch (JOSEException e) {
      throw new CredentialSigner.SigningException(e.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
