package dev.sovereign.did.fabric.gateway;

import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperledger.fabric.client.GatewayException;
import org.hyperledger.fabric.protos.gateway.ErrorDetail;

/**
 * Maps a Fabric Gateway error back to the did:fabric reason code. The chaincode fails a proposal
 * with a message that starts with the code (method spec section 8.8); peers relay it in {@link
 * ErrorDetail#getMessage()} as {@code "chaincode response 500, CODE: detail"}.
 */
final class GatewayRejections {
  private static final Pattern CODE =
      Pattern.compile("(?:^|chaincode response \\d+, |: )([A-Z][A-Z_]+)(?=: |$)");

  private GatewayRejections() {}

  static Optional<ReasonCode> reason(String message) {
    Matcher m = CODE.matcher(message);
    while (m.find()) {
      for (ReasonCode code : ReasonCode.values()) {
        if (code.code().equals(m.group(1))) {
          return Optional.of(code);
        }
      }
    }
    return Optional.empty();
  }

  /** A RejectedException when the chaincode rejected the input; otherwise our failure. */
  static RejectedException rejected(GatewayException e, String did) {
    for (ErrorDetail detail : e.getDetails()) {
      Optional<ReasonCode> code = reason(detail.getMessage());
      if (code.isPresent()) {
        return new RejectedException(
            code.get(), did, detail.getMspId() + "@" + detail.getAddress());
      }
    }
    Optional<ReasonCode> code = reason(String.valueOf(e.getStatus().getDescription()));
    if (code.isPresent()) {
      return new RejectedException(code.get(), did, e.getStatus().getCode().name());
    }
    StringBuilder peers = new StringBuilder();
    for (ErrorDetail detail : e.getDetails()) {
      peers
          .append("; ")
          .append(detail.getMspId())
          .append('@')
          .append(detail.getAddress())
          .append(": ")
          .append(detail.getMessage());
    }
    throw new FabricLedgerUnavailableException(
        "Fabric Gateway call failed: "
            + e.getStatus().getCode()
            + " "
            + e.getStatus().getDescription()
            + peers,
        e);
  }
}
