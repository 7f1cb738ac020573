package dev.sovereign.enclave.protocol;

import java.util.Arrays;
import java.util.Optional;

/** The type byte of each message. Requests are {@code 0x01..0x7f}; responses set the high bit. */
public enum MessageType {
  HEALTH(0x01, Message.Health.class),
  ATTEST(0x02, Message.Attest.class),
  OPEN_ROUND(0x03, Message.OpenRound.class),
  SUBMIT_PAYLOADS(0x04, Message.SubmitPayloads.class),
  SUPPLY_EVIDENCE(0x05, Message.SupplyEvidence.class),
  CLOSE_ROUND(0x06, Message.CloseRound.class),
  SEAL(0x07, Message.Seal.class),
  RESTORE(0x08, Message.Restore.class),
  EVIDENCE_NONCE(0x09, Message.EvidenceNonce.class),
  LOAD_POLICY(0x0a, Message.LoadPolicy.class),
  SIGN_AUDIT_HEAD(0x0b, Message.SignAuditHead.class),
  KMS_CREDENTIALS(0x0c, Message.KmsCredentials.class),
  DESCRIBE_ROUND(0x0d, Message.DescribeRound.class),
  SEAL_STATUS(0x0e, Message.SealStatus.class),
  LATEST_SEAL(0x0f, Message.LatestSeal.class),
  HEALTH_STATUS(0x81, Message.HealthStatus.class),
  ATTESTATION(0x82, Message.Attestation.class),
  ROUND_OPENED(0x83, Message.RoundOpened.class),
  PAYLOAD_VERDICTS(0x84, Message.PayloadVerdicts.class),
  EVIDENCE_STORED(0x85, Message.EvidenceStored.class),
  ROUND_RESULT(0x86, Message.RoundResult.class),
  SEALED(0x87, Message.Sealed.class),
  RESTORED(0x88, Message.Restored.class),
  EVIDENCE_NONCE_ISSUED(0x89, Message.EvidenceNonceIssued.class),
  POLICY_LOADED(0x8a, Message.PolicyLoaded.class),
  AUDIT_HEAD_SIGNED(0x8b, Message.AuditHeadSigned.class),
  KMS_CREDENTIALS_SET(0x8c, Message.KmsCredentialsSet.class),
  ROUND_DESCRIPTION(0x8d, Message.RoundDescription.class),
  SEAL_STATUS_REPORT(0x8e, Message.SealStatusReport.class),
  ERROR(0xff, Message.Error.class);

  private final int code;
  private final Class<? extends Message> type;

  MessageType(int code, Class<? extends Message> type) {
    this.code = code;
    this.type = type;
  }

  public int code() {
    return code;
  }

  public Class<? extends Message> type() {
    return type;
  }

  public boolean isRequest() {
    return code < 0x80;
  }

  public static Optional<MessageType> of(int code) {
    return Arrays.stream(values()).filter(t -> t.code == code).findFirst();
  }

  public static MessageType of(Message m) {
    return Arrays.stream(values()).filter(t -> t.type == m.getClass()).findFirst().orElseThrow();
  }
}
