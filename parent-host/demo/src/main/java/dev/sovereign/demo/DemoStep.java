package dev.sovereign.demo;

/**
 * One named step of {@code sovereign demo}: it narrates, does one thing, and says whether it
 * behaved.
 */
public interface DemoStep {
  /** A stable, kebab-case name (it appears in the report). */
  String name();

  /** One line: what the step shows. */
  String title();

  /**
   * Runs the step. Returns what happened in one line when the step behaved as it must; throws
   * {@link Misbehaved} when it did not (e.g. a forged payload was accepted), {@link Unavailable}
   * when this build cannot run it (said plainly, never simulated).
   */
  String run(DemoContext ctx) throws Exception;

  /** The step ran but the system did not behave as it must. */
  final class Misbehaved extends Exception {
    private static final long serialVersionUID = 1L;

    Misbehaved(String message) {
      super(message);
    }
  }

  /** The step needs a component this build does not have; nothing was faked in its place. */
  final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message);
    }
  }
}
