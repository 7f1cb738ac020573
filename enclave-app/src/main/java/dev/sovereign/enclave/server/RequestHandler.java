package dev.sovereign.enclave.server;

import dev.sovereign.enclave.protocol.Message;

/** Answers one protocol request; never throws for bad input (that is an {@link Message.Error}). */
public interface RequestHandler {
  /** The answer to {@code request}. */
  Message.Response handle(Message.Request request);
}
