package dev.sovereign.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URI;
import org.junit.jupiter.api.Test;

class RecordsAndRoutesTest {

  @Test
  void csvColumnsOtherThanMetricAndValueBecomeGroupKeysAndValuesStayExact() throws Exception {
    ArrayNode r =
        Records.csv(
            "# loyalty\ncountry,store,metric,value\nDE,berlin-1,points,0.1\n\nFR,paris-2,points,20\n");
    assertEquals(2, r.size());
    assertEquals("berlin-1", r.at("/0/group/store").asText());
    assertEquals("0.1", r.at("/0/value").decimalValue().toPlainString());
    assertEquals("points", r.at("/1/metric").asText());
  }

  @Test
  void jsonRecordsMayBeAnArrayOrAnObjectWithRecords() throws Exception {
    String one = "[{\"group\":{\"country\":\"DE\"},\"metric\":\"points\",\"value\":1.25}]";
    assertEquals(1, Records.json(one).size());
    assertEquals(1, Records.json("{\"records\":" + one + "}").size());
    assertEquals("1.25", Records.json(one).at("/0/value").decimalValue().toPlainString());
  }

  @Test
  void malformedRecordsAreRejectedWithACode() {
    assertEquals(
        "records-malformed",
        assertThrows(RejectedException.class, () -> Records.csv("country,value\nDE,1\n")).code());
    assertEquals(
        "records-malformed",
        assertThrows(RejectedException.class, () -> Records.csv("country,metric,value\nDE,p,x\n"))
            .code());
    assertEquals(
        "records-malformed",
        assertThrows(
                RejectedException.class, () -> Records.json("[{\"metric\":\"p\",\"value\":1}]"))
            .code());
  }

  @Test
  void theRoutingTableSendsEachZoneToItsHostOnly() throws Exception {
    Routes r = Routes.parse("# zones\nEU=https://eu.example:8443\nus = http://us.example\n");
    assertEquals(URI.create("https://eu.example:8443"), r.hostOf("eu").orElseThrow());
    assertEquals(URI.create("http://us.example"), r.hostOf("US").orElseThrow());
    assertTrue(r.hostOf("APAC").isEmpty());
    assertEquals(
        "routes-malformed",
        assertThrows(RejectedException.class, () -> Routes.parse("EU=a\n")).code());
    assertEquals(
        "routes-malformed",
        assertThrows(RejectedException.class, () -> Routes.parse("EU=http://a\nEU=http://b\n"))
            .code());
  }
}
