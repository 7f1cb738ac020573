package dev.sovereign.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One figure of {@code sovereign bench --json}: {@code name, value, unit, ceiling, ratio} as DESIGN
 * section 8 fixes them. {@code ceiling} and {@code ratio} are null when no ceiling could be
 * measured in the same run; {@code note} then says why (and otherwise says what the ceiling is).
 * For rates the ratio is value / ceiling; for times (unit {@code ms}) it is ceiling / value, so a
 * ratio is always the fraction of the ceiling reached (1 = as fast as the ceiling).
 */
public record BenchFigure(
    String name,
    double value,
    String unit,
    Double ceiling,
    Double ratio,
    String note,
    String provider,
    Double nativeCeiling,
    Double nativeRatio) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A figure without the crypto-provider fields (they are only for pipeline figures). */
  public BenchFigure(
      String name, double value, String unit, Double ceiling, Double ratio, String note) {
    this(name, value, unit, ceiling, ratio, note, null, null, null);
  }

  public static BenchFigure rate(
      String name, double value, String unit, double ceiling, String note) {
    return new BenchFigure(
        name, round1(value), unit, round1(ceiling), round3(value / ceiling), note);
  }

  public static BenchFigure time(String name, double valueMs, double ceilingMs, String note) {
    return new BenchFigure(
        name, round3(valueMs), "ms", round3(ceilingMs), round3(ceilingMs / valueMs), note);
  }

  public static BenchFigure without(String name, double value, String unit, String note) {
    return new BenchFigure(
        name, unit.equals("ms") ? round3(value) : round1(value), unit, null, null, note);
  }

  public static BenchFigure of(EnclaveBench.Result r) {
    return new BenchFigure(
        r.name(),
        r.value(),
        r.unit(),
        r.ceiling(),
        r.ratio(),
        r.name().startsWith("enclave.privacy.")
            ? "value: contribution bounding with the aggregation it guards plus discrete Laplace"
                + " noise at close, CPU us per payload; ceiling: the pipeline's CPU us per payload"
                + " in the same run; ratio: value / ceiling (the share of the pipeline)"
            : "ceiling: ECDH-ES unwrap + AES-256-GCM + Ed25519 verify per payload, CPU time, with"
                + " the provider used; nativeCeiling: the same with AWS-LC",
        r.provider(),
        r.nativeCeiling(),
        r.nativeRatio());
  }

  public static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  public static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  public static String json(List<BenchFigure> figures) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode a = root.putArray("results");
    for (BenchFigure f : figures) {
      ObjectNode o =
          a.addObject().put("name", f.name()).put("value", f.value()).put("unit", f.unit());
      if (f.ceiling() == null) {
        o.putNull("ceiling").putNull("ratio");
      } else {
        o.put("ceiling", f.ceiling()).put("ratio", f.ratio());
      }
      if (f.provider() != null) {
        o.put("provider", f.provider());
        if (f.nativeCeiling() == null) {
          o.putNull("nativeCeiling").putNull("nativeRatio");
        } else {
          o.put("nativeCeiling", f.nativeCeiling()).put("nativeRatio", f.nativeRatio());
        }
      }
      if (f.note() != null) {
        o.put("note", f.note());
      }
    }
    return root.toString();
  }

  public String human() {
    if (provider != null && ceiling != null) {
      return String.format(
          "%-36s %12.3f %-11s ceiling %12.3f   ratio %.3f   native ceiling %s   native ratio %s"
              + "   (provider %s)",
          name,
          value,
          unit,
          ceiling,
          ratio,
          nativeCeiling == null ? "-" : String.format("%.1f", nativeCeiling),
          nativeRatio == null ? "-" : String.format("%.3f", nativeRatio),
          provider);
    }
    return ceiling == null
        ? String.format(
            "%-36s %12.3f %-11s ceiling %12s   ratio %5s   (%s)", name, value, unit, "-", "-", note)
        : String.format(
            "%-36s %12.3f %-11s ceiling %12.3f   ratio %.3f", name, value, unit, ceiling, ratio);
  }
}
