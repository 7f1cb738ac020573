package dev.sovereign.did;

import java.util.Map;
import java.util.Optional;

/**
 * Validates input, picks the method resolver, applies {@code accept}, and turns exceptions into
 * results.
 */
final class MethodDispatchingResolver implements DidResolver {
  private final Map<String, DidMethodResolver> methods;

  MethodDispatchingResolver(Map<String, DidMethodResolver> methods) {
    this.methods = Map.copyOf(methods);
  }

  @Override
  public DidResolutionResult resolve(String input, ResolutionOptions options) {
    Did did;
    try {
      did = Did.parse(input);
    } catch (InvalidDidException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID, e.detail());
    }
    Optional<String> accept = options.accept();
    if (accept.isPresent() && !acceptable(accept.get())) {
      return DidResolutionResult.error(
          ResolutionError.REPRESENTATION_NOT_SUPPORTED, "cannot produce " + accept.get());
    }
    DidMethodResolver method = methods.get(did.method());
    if (method == null) {
      return DidResolutionResult.error(
          ResolutionError.METHOD_NOT_SUPPORTED, "no resolver for did:" + did.method());
    }
    DidResolutionResult result;
    try {
      result = method.resolve(did, options);
    } catch (InvalidDidException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID, e.detail());
    } catch (InvalidDidDocumentException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID_DOCUMENT, e.detail());
    } catch (RuntimeException e) {
      return DidResolutionResult.error(
          ResolutionError.INTERNAL_ERROR,
          "did:" + did.method() + " resolver failed: " + e.getClass().getSimpleName());
    }
    if (result == null) {
      return DidResolutionResult.error(
          ResolutionError.INTERNAL_ERROR, "did:" + did.method() + " resolver returned nothing");
    }
    if (result.didDocument().isPresent() && !result.didDocument().get().id().equals(did)) {
      return DidResolutionResult.error(
          ResolutionError.INVALID_DID_DOCUMENT,
          "document id does not match the DID that was resolved");
    }
    if (accept.isPresent() && result.didDocument().isPresent() && isDocumentType(accept.get())) {
      DidResolutionMetadata m = result.didResolutionMetadata();
      return new DidResolutionResult(
          result.didDocument(),
          new DidResolutionMetadata(
              Optional.of(accept.get()), m.error(), m.errorMessage(), m.extra()),
          result.didDocumentMetadata());
    }
    return result;
  }

  private static boolean acceptable(String mediaType) {
    return isDocumentType(mediaType)
        || mediaType.equals("application/json")
        || mediaType.equals("*/*")
        || mediaType.replace(" ", "").equals(DidResolutionMetadata.RESOLUTION_RESULT);
  }

  private static boolean isDocumentType(String mediaType) {
    return mediaType.equals(DidResolutionMetadata.DID_LD_JSON)
        || mediaType.equals(DidResolutionMetadata.DID_JSON);
  }
}
