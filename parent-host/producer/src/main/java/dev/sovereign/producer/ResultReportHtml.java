package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationRejectedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The regulator's report as one self-contained HTML page (inline styles, no script, no external
 * request; its Content-Security-Policy forbids any): the verdict, every step with its reason code,
 * the attestation (root, PCRs, time, {@code user_data} bindings), each producer's credential chain
 * as a tree (root authority, accreditation, credential, status), the privacy parameters the result
 * states, and the command that reproduces the check.
 *
 * <p>A renderer only: every verdict comes from the {@link ResultReport}. Fields shown next to it
 * (PCR values, credential contents) are decoded from the same inputs for display and labelled as
 * such; nothing here decides validity.
 */
public final class ResultReportHtml {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();

  private ResultReportHtml() {}

  /** What the page is made of: the report and the inputs the check was run on. */
  public record Input(
      ResultReport report,
      String resultCredential,
      Optional<CredentialChains> chains,
      List<String> trustAnchors,
      List<X509Certificate> pinnedRoots,
      String command,
      Instant checkedAt) {
    public Input {
      chains = chains == null ? Optional.empty() : chains;
      trustAnchors = List.copyOf(trustAnchors);
      pinnedRoots = List.copyOf(pinnedRoots);
    }
  }

  /** The page. */
  public static String render(Input in) {
    ResultReport r = in.report();
    Optional<JsonNode> vc = payload(in.resultCredential());
    JsonNode subject =
        r.verifiedSubject()
            .map(s -> (JsonNode) s)
            .orElse(vc.map(v -> v.path("credentialSubject")).orElse(JSON.missingNode()));
    boolean verifiedSubject = r.verifiedSubject().isPresent();
    StringBuilder h = new StringBuilder(32 * 1024);
    h.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
        .append("<meta name=\"referrer\" content=\"no-referrer\">\n")
        .append("<title>Regulator's report: ")
        .append(esc(r.verdict()))
        .append(
            subject.path("round").isTextual()
                ? " - round " + esc(subject.path("round").asText())
                : "")
        .append("</title>\n<style>")
        .append(CSS)
        .append("</style></head><body>\n");

    // verdict
    boolean valid = r.valid();
    h.append("<header class=\"")
        .append(valid ? "valid" : "rejected")
        .append("\"><h1 id=\"verdict\">")
        .append(esc(r.verdict()))
        .append("</h1><p>");
    if (valid) {
      h.append(
          "The result credential verifies: every step below passed or says why it was not run.");
    } else {
      ResultReport.Step f = r.firstFailure().orElseThrow();
      h.append("Rejected at step <b>")
          .append(esc(f.name()))
          .append("</b> with reason code <code id=\"reason\">")
          .append(esc(f.code()))
          .append("</code>.");
    }
    h.append("</p><p class=\"small\">Checked ")
        .append(esc(in.checkedAt().toString()))
        .append(" by sovereign verify, offline.")
        .append(
            subject.path("round").isTextual()
                ? " Round <code>"
                    + esc(subject.path("round").asText())
                    + "</code>, dataset <code>"
                    + esc(subject.path("dataset").asText())
                    + "</code>."
                : "")
        .append("</p></header>\n<main>\n");

    // steps
    h.append("<section id=\"steps\"><h2>Steps</h2><table><thead><tr><th>step</th><th>outcome</th>")
        .append("<th>reason code</th><th>detail</th></tr></thead><tbody>\n");
    for (ResultReport.Step s : r.steps()) {
      h.append("<tr><td><code>")
          .append(esc(s.name()))
          .append("</code></td><td>")
          .append(badge(s.outcome().name(), outcomeClass(s.outcome())))
          .append("</td><td><code>")
          .append(esc(s.code() == null ? "" : s.code()))
          .append("</code></td><td>")
          .append(esc(s.detail()))
          .append("</td></tr>\n");
    }
    h.append("</tbody></table></section>\n");

    attestation(h, in, subject, stepOutcome(r, "attestation"));
    result(h, subject, verifiedSubject);
    privacy(h, subject, in.report());
    chains(h, in);

    h.append("<section id=\"reproduce\"><h2>Reproduce this check</h2>")
        .append(
            "<p>The same inputs give the same verdict on any machine with the sovereign command line:</p>")
        .append("<pre id=\"command\">")
        .append(esc(in.command()))
        .append("</pre></section>\n");
    h.append("</main></body></html>\n");
    return h.toString();
  }

  private static void attestation(
      StringBuilder h, Input in, JsonNode subject, Optional<ResultReport.Outcome> outcome) {
    h.append("<section id=\"attestation\"><h2>Attestation</h2>");
    h.append("<p>Verifier's verdict: ")
        .append(outcome.map(o -> badge(o.name(), outcomeClass(o))).orElse(badge("NOT RUN", "skip")))
        .append(" (values below are decoded from the document embedded in the result)</p>");
    Optional<AttestationDocument> doc = document(subject);
    if (doc.isEmpty()) {
      h.append("<p>The result carries no attestation document that decodes.</p></section>\n");
      return;
    }
    AttestationDocument d = doc.get();
    // green only where the verifier passed this step; otherwise the comparisons are facts, not a
    // verdict
    String ok = outcome.orElse(null) == ResultReport.Outcome.PASSED ? "pass" : "skip";
    h.append("<dl>");
    List<byte[]> bundle = d.cabundle();
    if (!bundle.isEmpty()) {
      byte[] root = bundle.get(0);
      String fp = HEX.formatHex(sha256(root));
      boolean pinned = false;
      for (X509Certificate c : in.pinnedRoots()) {
        try {
          pinned |= HEX.formatHex(sha256(c.getEncoded())).equals(fp);
        } catch (CertificateEncodingException e) {
          // not comparable
        }
      }
      h.append("<dt>Root</dt><dd>")
          .append(esc(subjectOf(root)))
          .append("<br><code>SHA-256 ")
          .append(fp)
          .append("</code> ")
          .append(pinned ? badge("pinned", ok) : badge("not among the pinned roots", "fail"))
          .append("</dd>");
    }
    h.append("<dt>Document time</dt><dd id=\"att-time\">")
        .append(esc(Instant.ofEpochMilli(d.timestampMillis()).toString()))
        .append("</dd><dt>Module</dt><dd><code>")
        .append(esc(d.moduleId()))
        .append("</code> (")
        .append(esc(d.digest()))
        .append(")</dd>");
    String issuer = subject.path("enclaveDid").asText("");
    String policy = subject.path("policySha256").asText("");
    byte[] ud = d.userData();
    if (ud != null) {
      try {
        JsonNode u = JSON.readTree(ud);
        String did = u.path("did").asText("");
        String pol = u.path("policySha256").asText("");
        h.append("<dt>user_data binds</dt><dd id=\"user-data\">enclave DID <code>")
            .append(esc(did))
            .append("</code> ")
            .append(
                did.equals(issuer)
                    ? badge("= result signer", ok)
                    : badge("differs from the signer", "fail"))
            .append("<br>policy <code>")
            .append(esc(pol))
            .append("</code> ")
            .append(
                pol.equals(policy)
                    ? badge("= result policy", ok)
                    : badge("differs from the result", "fail"))
            .append("</dd>");
      } catch (IOException e) {
        h.append("<dt>user_data</dt><dd>not JSON</dd>");
      }
    }
    h.append(
        "</dl><table id=\"pcrs\"><thead><tr><th>PCR</th><th>value (SHA-384)</th></tr></thead><tbody>");
    for (Map.Entry<Integer, byte[]> p : d.pcrs().entrySet()) {
      if (p.getKey() <= 4 || p.getKey() == 8 || !allZero(p.getValue())) {
        h.append("<tr><td>PCR")
            .append(p.getKey())
            .append("</td><td><code>")
            .append(HEX.formatHex(p.getValue()))
            .append("</code></td></tr>");
      }
    }
    h.append("</tbody></table></section>\n");
  }

  private static void result(StringBuilder h, JsonNode s, boolean verified) {
    h.append("<section id=\"result\"><h2>Result</h2>");
    if (!verified) {
      h.append("<p>")
          .append(badge("unverified", "fail"))
          .append(
              " the result did not verify; its claims are shown as decoded, for the record.</p>");
    }
    h.append("<dl>");
    for (String f :
        new String[] {"round", "dataset", "policySha256", "enclaveDid", "enclaveRegion"}) {
      if (s.path(f).isTextual()) {
        h.append("<dt>")
            .append(f)
            .append("</dt><dd><code>")
            .append(esc(s.get(f).asText()))
            .append("</code></dd>");
      }
    }
    JsonNode inputs = s.path("inputs");
    if (inputs.isObject()) {
      h.append("<dt>inputs</dt><dd>")
          .append(inputs.path("accepted").asLong())
          .append(" accepted, ")
          .append(inputs.path("rejected").asLong())
          .append(" rejected of authenticated producers (signature verified)");
      JsonNode producers = inputs.path("rejectedProducersByReason");
      for (Iterator<Map.Entry<String, JsonNode>> it = inputs.path("rejectedByReason").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        h.append(" <span class=\"chip\">")
            .append(esc(e.getKey()))
            .append(' ')
            .append(e.getValue().asLong());
        if (producers.path(e.getKey()).isIntegralNumber()) {
          long n = producers.path(e.getKey()).asLong();
          h.append(" from ").append(n).append(n == 1 ? " producer" : " producers");
        }
        h.append("</span>");
      }
      if (inputs.path("rejectedProducersCapped").asBoolean(false)) {
        h.append(" (producer counts are lower bounds)");
      }
      h.append("</dd><dt>unauthenticated</dt><dd>");
      if (inputs.path("unauthenticated").isIntegralNumber()) {
        long n = inputs.path("unauthenticated").asLong();
        h.append(n)
            .append(n == 1 ? " payload" : " payloads")
            .append(
                " failed before any signature verified (anyone can send these; one count, not by"
                    + " reason)");
      } else {
        h.append("not stated (a result from before protocol 1.5)");
      }
      h.append("</dd>");
    }
    if (s.path("merkle").isObject()) {
      h.append("<dt>Merkle root</dt><dd><code>")
          .append(esc(s.path("merkle").path("root").asText()))
          .append("</code> over ")
          .append(s.path("merkle").path("leaves").asLong())
          .append(" leaves</dd>");
    }
    h.append("</dl>");
    JsonNode agg = s.path("aggregates");
    if (!agg.isMissingNode() && !agg.isNull()) {
      h.append("<h3>Aggregates</h3>").append(table(agg));
    }
    h.append("</section>\n");
  }

  private static void privacy(StringBuilder h, JsonNode s, ResultReport report) {
    h.append("<section id=\"privacy\"><h2>Privacy parameters</h2>");
    JsonNode p = s.path("privacy");
    if (p.isMissingNode() || p.isNull()) {
      h.append(
          "<p>The result states no privacy parameters (no <code>credentialSubject.privacy</code>).</p>");
      h.append("</section>\n");
      return;
    }
    report.steps().stream()
        .filter(st -> st.name().equals(PrivacyCheck.STEP))
        .findFirst()
        .ifPresentOrElse(
            st ->
                h.append("<p>Regulator's check: ")
                    .append(badge(st.outcome().name(), outcomeClass(st.outcome())))
                    .append(st.code() == null ? "" : " <code>" + esc(st.code()) + "</code>")
                    .append(' ')
                    .append(esc(st.detail()))
                    .append("</p>"),
            () ->
                h.append(
                    "<p>Regulator's check: not run (give <code>--policy</code> to compare these"
                        + " parameters with the pinned policy).</p>"));
    h.append("<p>As the enclave signed them in the result:</p><table class=\"kv\">");
    row(h, "privacy unit", p.path("unit").asText() + " (the verified DID behind a payload)");
    row(
        h,
        "group threshold",
        "a group is published only with at least "
            + p.path("minGroupSize").asText()
            + " "
            + p.path("thresholdCounts").asText().replace('-', ' '));
    JsonNode b = p.path("contributionBounds");
    row(
        h,
        "contribution bounds",
        (b.path("declared").asBoolean() ? "declared by the policy" : "the documented defaults")
            + ": at most "
            + b.path("payloadsPerRound").asText()
            + " payload(s) per producer per round, "
            + b.path("groupsPerProducer").asText()
            + " group(s) per producer, "
            + b.path("recordsPerGroup").asText()
            + " record(s) per producer per group; excess: "
            + b.path("onExcess").asText()
            + "; values outside their range: "
            + b.path("valuesOutsideBounds").asText());
    p.path("clampRanges")
        .fields()
        .forEachRemaining(
            e ->
                row(
                    h,
                    "value range of " + e.getKey(),
                    "["
                        + e.getValue().path(0).asText()
                        + ", "
                        + e.getValue().path(1).asText()
                        + "]"));
    if (p.has("epsilonPerRound")) {
      row(
          h,
          "noise",
          "discrete Laplace, epsilon "
              + p.path("epsilonPerRound").asText()
              + " per round, delta "
              + p.path("delta").asText());
      JsonNode budget = p.path("budget");
      row(
          h,
          "privacy budget",
          "epsilon spent "
              + budget.path("epsilonSpent").asText()
              + " of "
              + p.path("budgetEpsilon").asText()
              + " (this round "
              + budget.path("epsilonSpentThisRound").asText()
              + ", "
              + budget.path("epsilonRemaining").asText()
              + " left)");
    } else {
      row(h, "noise", "none: exact sums and counts of groups above the threshold");
    }
    if (p.has("withheld")) {
      row(h, "withheld", p.get("withheld").toString());
    }
    h.append("</table></section>\n");
  }

  private static void row(StringBuilder h, String name, String value) {
    h.append("<tr><th>")
        .append(esc(name))
        .append("</th><td>")
        .append(esc(value))
        .append("</td></tr>");
  }

  private static void chains(StringBuilder h, Input in) {
    h.append("<section id=\"chains\"><h2>Producer credential chains</h2>");
    if (in.chains().isEmpty()) {
      h.append(
          "<p>Not re-checked here: no chain evidence was given (--credential-chain). The result carries counts"
              + " only; the producers' credentials were checked inside the attested enclave.</p></section>\n");
      return;
    }
    CredentialChains c = in.chains().get();
    int i = 0;
    for (CredentialChains.Chain ch : c.chains()) {
      String step = "credential-chain[" + i + "]";
      ResultReport.Step verdict =
          in.report().steps().stream().filter(s -> s.name().equals(step)).findFirst().orElse(null);
      JsonNode cred = payload(ch.credential()).orElse(JSON.missingNode());
      List<JsonNode> accs = new ArrayList<>();
      ch.accreditations().forEach(a -> accs.add(payload(a).orElse(JSON.missingNode())));
      h.append("<div class=\"tree\" id=\"chain-")
          .append(i)
          .append("\"><h3>")
          .append(esc(ch.producer().isEmpty() ? subjectId(cred) : ch.producer()))
          .append(' ')
          .append(
              verdict == null
                  ? badge("NOT RUN", "skip")
                  : badge(
                      verdict.outcome() == ResultReport.Outcome.PASSED ? "VALID" : verdict.code(),
                      outcomeClass(verdict.outcome())))
          .append("</h3><ul>");
      // root authority (the top accreditation's issuer), then each accreditation down to the
      // credential
      String top = accs.isEmpty() ? issuerOf(cred) : issuerOf(accs.get(accs.size() - 1));
      boolean anchored = in.trustAnchors().contains(top);
      h.append("<li><span class=\"node\">Root authority</span> <code>")
          .append(esc(top))
          .append("</code> ")
          .append(
              anchored ? badge("trust anchor", "pass") : badge("not a given trust anchor", "fail"));
      int open = 1;
      for (int k = accs.size() - 1; k >= 0; k--) {
        JsonNode a = accs.get(k);
        h.append("<ul><li><span class=\"node\">Accreditation</span> ")
            .append(esc(issuerOf(a)))
            .append(" &rarr; <code>")
            .append(esc(subjectId(a)))
            .append("</code><br><span class=\"small\">")
            .append(esc(claims(a)))
            .append("; valid ")
            .append(esc(a.path("validFrom").asText("?")))
            .append(" to ")
            .append(esc(a.path("validUntil").asText("?")))
            .append("</span>");
        open++;
      }
      h.append("<ul><li><span class=\"node\">Credential</span> ")
          .append(esc(String.join(", ", types(cred))))
          .append(" issued by <code>")
          .append(esc(issuerOf(cred)))
          .append("</code> to <code>")
          .append(esc(subjectId(cred)))
          .append("</code><br><span class=\"small\">")
          .append(esc(claims(cred)))
          .append("; valid ")
          .append(esc(cred.path("validFrom").asText("?")))
          .append(" to ")
          .append(esc(cred.path("validUntil").asText("?")))
          .append("</span>");
      JsonNode st = cred.path("credentialStatus");
      h.append("<ul><li><span class=\"node\">Status</span> ");
      if (st.isObject()) {
        h.append(esc(st.path("statusPurpose").asText("status")))
            .append(" list <code>")
            .append(esc(st.path("statusListCredential").asText()))
            .append("</code> index ")
            .append(esc(st.path("statusListIndex").asText()))
            .append(
                c.statusLists().containsKey(st.path("statusListCredential").asText())
                    ? " (list given)"
                    : " (list NOT given)");
      } else {
        h.append("no status entry");
      }
      h.append(": ")
          .append(verdict == null ? "not checked" : esc(verdict.detail()))
          .append("</li></ul></li></ul>");
      for (int k = 0; k < open; k++) {
        h.append("</li></ul>");
      }
      h.append("</div>\n");
      i++;
    }
    h.append("</section>\n");
  }

  // ---- helpers

  private static Optional<ResultReport.Outcome> stepOutcome(ResultReport r, String name) {
    return r.steps().stream()
        .filter(s -> s.name().equals(name))
        .map(ResultReport.Step::outcome)
        .findFirst();
  }

  private static Optional<AttestationDocument> document(JsonNode subject) {
    if (!subject.path("attestationDocument").isTextual()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          AttestationDocuments.parse(
                  Base64.getDecoder().decode(subject.get("attestationDocument").asText()))
              .unverifiedDocument());
    } catch (AttestationRejectedException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A compact JWS's payload as JSON, if it decodes. */
  static Optional<JsonNode> payload(String jws) {
    if (jws == null) {
      return Optional.empty();
    }
    String[] parts = jws.strip().split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String issuerOf(JsonNode vc) {
    JsonNode i = vc.path("issuer");
    if (i.isTextual()) {
      return i.asText();
    }
    if (i.path("id").isTextual()) {
      return i.path("id").asText();
    }
    return vc.path("iss").asText("?");
  }

  private static String subjectId(JsonNode vc) {
    JsonNode s = vc.path("credentialSubject");
    return s.path("id").asText(vc.path("sub").asText("?"));
  }

  private static List<String> types(JsonNode vc) {
    List<String> out = new ArrayList<>();
    vc.path("type")
        .forEach(
            t -> {
              if (!"VerifiableCredential".equals(t.asText())) {
                out.add(t.asText());
              }
            });
    return out.isEmpty() ? List.of("credential") : out;
  }

  /** The subject's claims other than its id, compact. */
  private static String claims(JsonNode vc) {
    StringBuilder b = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = vc.path("credentialSubject").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("id")) {
        continue;
      }
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(e.getKey())
          .append(' ')
          .append(e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
    }
    return b.toString();
  }

  /** A JSON value as a table: an array of objects by column, an object as key/value rows. */
  private static String table(JsonNode n) {
    StringBuilder b = new StringBuilder("<table class=\"data\">");
    if (n.isArray() && n.size() > 0 && n.get(0).isObject()) {
      List<String> cols = new ArrayList<>();
      n.forEach(
          row ->
              row.fieldNames()
                  .forEachRemaining(
                      f -> {
                        if (!cols.contains(f)) {
                          cols.add(f);
                        }
                      }));
      b.append("<thead><tr>");
      cols.forEach(c -> b.append("<th>").append(esc(c)).append("</th>"));
      b.append("</tr></thead><tbody>");
      for (JsonNode row : n) {
        b.append("<tr>");
        for (String c : cols) {
          JsonNode v = row.path(c);
          b.append("<td>")
              .append(esc(v.isMissingNode() ? "" : v.isValueNode() ? v.asText() : v.toString()))
              .append("</td>");
        }
        b.append("</tr>");
      }
      b.append("</tbody>");
    } else if (n.isObject()) {
      b.append("<tbody>");
      n.fields()
          .forEachRemaining(
              e ->
                  b.append("<tr><th>")
                      .append(esc(e.getKey()))
                      .append("</th><td>")
                      .append(
                          esc(
                              e.getValue().isValueNode()
                                  ? e.getValue().asText()
                                  : e.getValue().toString()))
                      .append("</td></tr>"));
      b.append("</tbody>");
    } else {
      b.append("<tbody><tr><td>").append(esc(n.toString())).append("</td></tr></tbody>");
    }
    return b.append("</table>").toString();
  }

  private static String subjectOf(byte[] der) {
    try {
      return ((X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(der)))
          .getSubjectX500Principal()
          .getName();
    } catch (CertificateException e) {
      return "(not an X.509 certificate)";
    }
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String outcomeClass(ResultReport.Outcome o) {
    return switch (o) {
      case PASSED -> "pass";
      case FAILED -> "fail";
      case SKIPPED -> "skip";
    };
  }

  private static String badge(String label, String cls) {
    return "<span class=\"badge " + cls + "\">" + esc(label) + "</span>";
  }

  /** HTML-escapes text for element content and quoted attributes. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static final String CSS =
      """
      body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;background:#f5f7f9}
      header{padding:1em 2em;color:#fff}header.valid{background:#1a7f37}header.rejected{background:#b42318}
      header h1{margin:0;font-size:2em;letter-spacing:.05em}header code{color:#fff}.small{font-size:12px;opacity:.85}
      main{padding:1em 2em;max-width:1200px}section{background:#fff;border:1px solid #d6dbe1;border-radius:6px;padding:.5em 1.2em 1em;margin-bottom:1em}
      h2{font-size:1.1em}h3{font-size:1em;margin:.8em 0 .3em}
      table{border-collapse:collapse;width:100%}th,td{text-align:left;border-bottom:1px solid #e3e7ec;padding:.25em .5em;vertical-align:top}
      #steps td:nth-child(1),#steps td:nth-child(2),#steps td:nth-child(3){white-space:nowrap}
      #steps td:nth-child(4){word-break:break-all}
      th{color:#5b6470}code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;overflow-wrap:anywhere}
      pre{white-space:pre-wrap;background:#f0f3f6;padding:.8em;border-radius:4px}
      dl{display:grid;grid-template-columns:11em 1fr;gap:.3em 1em}dt{color:#5b6470}dd{margin:0;overflow-wrap:anywhere}
      .badge{display:inline-block;padding:0 .55em;border-radius:1em;font-size:12px;font-weight:600}
      .pass{background:#dafbe1;color:#1a7f37}.fail{background:#ffebe9;color:#b42318}.skip{background:#fff8c5;color:#9a6700}
      .chip{display:inline-block;margin-left:.3em;padding:0 .45em;border-radius:3px;background:#ffebe9;color:#b42318;font-size:12px}
      .tree ul{list-style:none;margin:0;padding-left:1.4em;border-left:2px solid #d6dbe1}.tree>ul{border-left:none;padding-left:0}
      .tree li{margin:.35em 0}.node{display:inline-block;min-width:8.5em;font-weight:600;color:#14213d}
      """;
}
