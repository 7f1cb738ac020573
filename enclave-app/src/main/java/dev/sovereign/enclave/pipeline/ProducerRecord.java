package dev.sovereign.enclave.pipeline;

import java.math.BigDecimal;
import java.util.SortedMap;

/** One record of a payload: group key values, metric name and value (exact decimal). */
public record ProducerRecord(SortedMap<String, String> group, String metric, BigDecimal value) {}
