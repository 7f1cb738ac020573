package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Credential chain evidence for the regulator: per producer, its credential, the accreditations
 * above it, and the status lists they point to. File format (JSON): {@code
 * {"chains":[{"producer":DID,"credential":JWT,"accreditations":[JWT...]}],
 * "statusLists":{URL:JWT}}}.
 */
public record CredentialChains(List<Chain> chains, Map<String, String> statusLists) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One producer's chain. */
  public record Chain(String producer, String credential, List<String> accreditations) {
    public Chain {
      accreditations = List.copyOf(accreditations);
    }
  }

  public CredentialChains {
    chains = List.copyOf(chains);
    statusLists = Map.copyOf(statusLists);
  }

  /** Reads a chain file. */
  public static CredentialChains read(Path file) throws IOException, RejectedException {
    JsonNode n = JSON.readTree(Files.readAllBytes(file));
    if (n == null || !n.isObject() || !n.path("chains").isArray()) {
      throw new RejectedException(
          "chain-file-malformed", file + ": expected {chains: [...], statusLists: {...}}");
    }
    List<Chain> chains = new ArrayList<>();
    for (JsonNode c : n.get("chains")) {
      if (!c.path("credential").isTextual()) {
        throw new RejectedException(
            "chain-file-malformed", file + ": every chain needs a credential");
      }
      List<String> acc = new ArrayList<>();
      c.path("accreditations").forEach(a -> acc.add(a.asText()));
      chains.add(new Chain(c.path("producer").asText(""), c.get("credential").asText(), acc));
    }
    Map<String, String> lists = new LinkedHashMap<>();
    n.path("statusLists")
        .fields()
        .forEachRemaining(e -> lists.put(e.getKey(), e.getValue().asText()));
    return new CredentialChains(chains, lists);
  }

  /** The file's JSON form. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode a = o.putArray("chains");
    for (Chain c : chains) {
      ObjectNode n = a.addObject();
      n.put("producer", c.producer());
      n.put("credential", c.credential());
      ArrayNode acc = n.putArray("accreditations");
      c.accreditations().forEach(acc::add);
    }
    ObjectNode s = o.putObject("statusLists");
    statusLists.forEach(s::put);
    return o;
  }
}
