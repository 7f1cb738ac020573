package dev.sovereign.enclave.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Message layer over {@link Frames}: JSON bodies with strict reading (unknown fields, duplicate
 * keys, trailing tokens and missing required fields are rejected) and sorted keys on writing.
 */
public final class Codec {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private final int maxFrame;

  public Codec(int maxFrame) {
    this.maxFrame = maxFrame;
  }

  public int maxFrame() {
    return maxFrame;
  }

  /** The frame bytes of a message. */
  public static byte[] encode(Message m) {
    try {
      return Frames.encode(MessageType.of(m).code(), JSON.writeValueAsBytes(m));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "message not serializable: " + m.getClass().getSimpleName(), e);
    }
  }

  public static void write(OutputStream out, Message m) throws IOException {
    out.write(encode(m));
    out.flush();
  }

  /** Reads one message, or empty at a clean end of stream. */
  public Optional<Message> read(InputStream in) throws IOException, FrameException {
    Optional<Frames.Frame> f = Frames.read(in, maxFrame);
    if (f.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(decode(f.get()));
  }

  /** Decodes a frame's content into its message. */
  public static Message decode(Frames.Frame f) throws FrameException {
    if (f.version() != Frames.VERSION) {
      throw new FrameException(
          ErrorCode.UNSUPPORTED_VERSION,
          "version " + f.version() + " (this enclave speaks " + Frames.VERSION + ")",
          false);
    }
    MessageType t =
        MessageType.of(f.type())
            .orElseThrow(
                () ->
                    new FrameException(
                        ErrorCode.UNKNOWN_MESSAGE_TYPE,
                        String.format("type 0x%02x", f.type()),
                        false));
    try {
      Message m = JSON.readValue(f.body(), t.type());
      if (m == null) {
        throw new FrameException(ErrorCode.MALFORMED_MESSAGE, t.name() + " body is null", false);
      }
      return m;
    } catch (IOException | RuntimeException e) {
      // Jackson's message may quote the input; the detail names only the message type.
      throw new FrameException(
          ErrorCode.MALFORMED_MESSAGE, t.name() + " body is not valid JSON for its type", false);
    }
  }

  /** The shared strict mapper (also used for canonical output elsewhere). */
  public static ObjectMapper json() {
    return JSON;
  }
}
