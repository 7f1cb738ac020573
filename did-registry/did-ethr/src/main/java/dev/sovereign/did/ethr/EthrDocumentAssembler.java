package dev.sovereign.did.ethr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.web3j.utils.Numeric;

/**
 * Folds an ERC-1056 history into a DID document, a line-for-line port of ethr-did-resolver 11.1.3's
 * {@code wrapDidDocument}: the same ids ({@code #controller}, {@code #controllerKey}, {@code
 * #delegate-N}, {@code #service-N}, where N counts every delegate and {@code did/pub/} event seen,
 * valid or not), the same key types, the same ordering (first insertion of an event key keeps its
 * place, as in a JavaScript object) and the same expiry rule ({@code validTo >= now}).
 */
final class EthrDocumentAssembler {
  static final String RECOVERY_2020 = "EcdsaSecp256k1RecoveryMethod2020";
  static final String SECP256K1_2019 = "EcdsaSecp256k1VerificationKey2019";
  static final String NULL_ADDRESS = "0x0000000000000000000000000000000000000000";
  private static final Pattern ATTRIBUTE =
      Pattern.compile("^did/(pub|svc)/(\\w+)(/(\\w+))?(/(\\w+))?$");
  private static final Map<String, String> LEGACY_ATTR_TYPES =
      Map.of(
          "sigAuth", "SignatureAuthentication2018",
          "veriKey", "VerificationKey2018",
          "enc", "KeyAgreementKey2019");
  private static final Map<String, String> LEGACY_ALGO_MAP =
      Map.of(
          "Secp256k1VerificationKey2018", SECP256K1_2019,
          "Ed25519SignatureAuthentication2018", "Ed25519VerificationKey2018",
          "Secp256k1SignatureAuthentication2018", SECP256K1_2019,
          "RSAVerificationKey2018", "RSAVerificationKey2018",
          "Ed25519VerificationKey2018", "Ed25519VerificationKey2018",
          "X25519KeyAgreementKey2019", "X25519KeyAgreementKey2019");
  private static final ObjectMapper STRICT_JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private EthrDocumentAssembler() {}

  /**
   * The document at {@code blockHeight} (empty = latest), with expiry judged at {@code now}
   * (seconds).
   *
   * @param document members in ethr-did-resolver's order, without {@code @context}
   * @param versionId the newest change at or below the height, 0 when there is none
   * @param nextVersionId the oldest change above the height
   */
  record Version(
      Map<String, Object> document,
      boolean deactivated,
      long versionId,
      OptionalLong nextVersionId) {}

  static Version assemble(
      EthrDid did,
      List<Erc1056Event> history,
      long chainId,
      OptionalLong blockHeight,
      BigInteger now) {
    String id = did.did();
    String controller = did.address();
    List<String> authentication = new ArrayList<>(List.of(id + "#controller"));
    List<String> assertionMethod = new ArrayList<>(List.of(id + "#controller"));
    long versionId = 0;
    long nextVersionId = Long.MAX_VALUE;
    boolean deactivated = false;
    int delegateCount = 0;
    int serviceCount = 0;
    Map<String, String> auth = new LinkedHashMap<>();
    Map<String, String> keyAgreementRefs = new LinkedHashMap<>();
    Map<String, String> signingRefs = new LinkedHashMap<>();
    Map<String, Map<String, Object>> pks = new LinkedHashMap<>();
    Map<String, Map<String, Object>> services = new LinkedHashMap<>();

    for (Erc1056Event event : history) {
      if (blockHeight.isPresent() && event.blockNumber() > blockHeight.getAsLong()) {
        nextVersionId = Math.min(nextVersionId, event.blockNumber());
        continue;
      }
      versionId = Math.max(versionId, event.blockNumber());
      BigInteger validTo = validTo(event);
      String eventIndex = eventIndex(event);
      if (validTo.signum() != 0 && validTo.compareTo(now) >= 0) {
        if (event instanceof Erc1056Event.DelegateChanged d) {
          delegateCount++;
          String ref = id + "#delegate-" + delegateCount;
          String delegateType = d.delegateType();
          if (delegateType.equals("sigAuth") || delegateType.equals("veriKey")) {
            if (delegateType.equals("sigAuth")) {
              auth.put(eventIndex, ref);
            }
            // ethr-did-resolver's sigAuth case falls through: a sigAuth delegate is also a veriKey.
            Map<String, Object> pk = new LinkedHashMap<>();
            pk.put("id", ref);
            pk.put("type", RECOVERY_2020);
            pk.put("controller", id);
            pk.put("blockchainAccountId", "eip155:" + chainId + ":" + d.delegate());
            pks.put(eventIndex, pk);
            signingRefs.put(eventIndex, ref);
          }
        } else if (event instanceof Erc1056Event.AttributeChanged a) {
          Matcher m = ATTRIBUTE.matcher(a.name());
          if (m.matches()) {
            String section = m.group(1);
            String algorithm = m.group(2);
            String purpose = m.group(4);
            String encoding = m.group(6);
            if (section.equals("pub")) {
              delegateCount++;
              String type =
                  purpose == null ? "undefined" : LEGACY_ATTR_TYPES.getOrDefault(purpose, purpose);
              Map<String, Object> pk = new LinkedHashMap<>();
              pk.put("id", id + "#delegate-" + delegateCount);
              pk.put("type", LEGACY_ALGO_MAP.getOrDefault(algorithm + type, algorithm));
              pk.put("controller", id);
              boolean keyDataSet = true;
              byte[] value = a.value();
              if (encoding == null || encoding.equals("hex")) {
                pk.put("publicKeyHex", Numeric.toHexStringNoPrefix(value));
              } else if (encoding.equals("base64")) {
                pk.put("publicKeyBase64", Base64.getEncoder().encodeToString(value));
              } else if (encoding.equals("base58")) {
                pk.put("publicKeyBase58", Base58.encode(value));
              } else if (encoding.equals("pem")) {
                Optional<String> pem = Erc1056Abi.strictUtf8(value);
                if (pem.isPresent()) {
                  pk.put("publicKeyPem", pem.get());
                } else {
                  keyDataSet = false; // not UTF-8: a non-DID use of the registry, skipped
                }
              } else {
                pk.put("value", Numeric.toHexStringNoPrefix(value));
              }
              if (keyDataSet) {
                pks.put(eventIndex, pk);
                String ref = (String) pk.get("id");
                if ("sigAuth".equals(purpose)) {
                  auth.put(eventIndex, ref);
                  signingRefs.put(eventIndex, ref);
                } else if ("enc".equals(purpose)) {
                  keyAgreementRefs.put(eventIndex, ref);
                } else {
                  signingRefs.put(eventIndex, ref);
                }
              }
            } else {
              serviceCount++;
              Optional<String> encoded = Erc1056Abi.strictUtf8(a.value());
              if (encoded.isPresent()) {
                Map<String, Object> svc = new LinkedHashMap<>();
                svc.put("id", id + "#service-" + serviceCount);
                svc.put("type", algorithm);
                svc.put("serviceEndpoint", endpoint(encoded.get()));
                services.put(eventIndex, svc);
              }
            }
          }
        }
      } else if (event instanceof Erc1056Event.OwnerChanged o) {
        controller = o.owner();
        if (o.owner().equals(NULL_ADDRESS)) {
          deactivated = true;
          break;
        }
      } else {
        if (event instanceof Erc1056Event.DelegateChanged
            || (event instanceof Erc1056Event.AttributeChanged a
                && a.name().startsWith("did/pub/"))) {
          delegateCount++;
        } else if (event instanceof Erc1056Event.AttributeChanged a
            && a.name().startsWith("did/svc/")) {
          serviceCount++;
        }
        auth.remove(eventIndex);
        signingRefs.remove(eventIndex);
        pks.remove(eventIndex);
        services.remove(eventIndex);
      }
    }

    List<Object> verificationMethods = new ArrayList<>();
    Map<String, Object> controllerVm = new LinkedHashMap<>();
    controllerVm.put("id", id + "#controller");
    controllerVm.put("type", RECOVERY_2020);
    controllerVm.put("controller", id);
    controllerVm.put("blockchainAccountId", "eip155:" + chainId + ":" + controller);
    verificationMethods.add(controllerVm);
    if (did.publicKeyHex().isPresent() && controller.equals(did.address())) {
      Map<String, Object> key = new LinkedHashMap<>();
      key.put("id", id + "#controllerKey");
      key.put("type", SECP256K1_2019);
      key.put("controller", id);
      key.put("publicKeyHex", did.publicKeyHex().get());
      verificationMethods.add(key);
      authentication.add(id + "#controllerKey");
      assertionMethod.add(id + "#controllerKey");
    }

    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", id);
    OptionalLong next =
        nextVersionId == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(nextVersionId);
    if (deactivated) {
      doc.put("verificationMethod", List.of());
      doc.put("authentication", List.of());
      doc.put("assertionMethod", List.of());
      return new Version(doc, true, versionId, next);
    }
    verificationMethods.addAll(pks.values());
    authentication.addAll(auth.values());
    assertionMethod.addAll(signingRefs.values());
    doc.put("verificationMethod", verificationMethods);
    doc.put("authentication", authentication);
    doc.put("assertionMethod", assertionMethod);
    if (!services.isEmpty()) {
      doc.put("service", new ArrayList<>(services.values()));
    }
    if (!keyAgreementRefs.isEmpty()) {
      doc.put("keyAgreement", new ArrayList<>(keyAgreementRefs.values()));
    }
    return new Version(doc, false, versionId, next);
  }

  private static BigInteger validTo(Erc1056Event e) {
    if (e instanceof Erc1056Event.DelegateChanged d) {
      return d.validTo();
    }
    if (e instanceof Erc1056Event.AttributeChanged a) {
      return a.validTo();
    }
    return BigInteger.ZERO;
  }

  /**
   * {@code `${eventName}-${delegateType || name}-${delegate || value}`}, JavaScript falsiness
   * included.
   */
  private static String eventIndex(Erc1056Event e) {
    if (e instanceof Erc1056Event.DelegateChanged d) {
      return "DIDDelegateChanged-"
          + (d.delegateType().isEmpty() ? "undefined" : d.delegateType())
          + "-"
          + d.delegate();
    }
    if (e instanceof Erc1056Event.AttributeChanged a) {
      return "DIDAttributeChanged-"
          + (a.name().isEmpty() ? "undefined" : a.name())
          + "-"
          + Numeric.toHexString(a.value());
    }
    return "DIDOwnerChanged-undefined-undefined";
  }

  /**
   * A service endpoint: the JSON value when the text is JSON ({@code JSON.parse}), else the text.
   */
  private static Object endpoint(String text) {
    try {
      return STRICT_JSON.readValue(text, Object.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return text;
    }
  }
}
