import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import software.amazon.event.ruler.GenericMachine;
import software.amazon.event.ruler.JsonRuleCompiler;
import software.amazon.event.ruler.Machine;
import software.amazon.event.ruler.MachineComplexityEvaluator;
import software.amazon.event.ruler.Patterns;

/**
 * Answers pattern/event pairs with Event Ruler, the engine behind EventBridge, for the offline matcher's
 * cross-check (test/event-pattern/event-ruler.test.ts). One JVM answers a whole batch.
 *
 * Input, one pair per line: id TAB base64(pattern JSON) TAB base64(event JSON).
 * Output, one line per pair:
 *   id TAB MATCH|NO_MATCH TAB complexity TAB alternatives TAB dropped
 *     complexity:   the pattern's wildcard complexity (capped at 100)
 *     alternatives: MATCH|NO_MATCH when each $or alternative is its own rule (any of them matching)
 *     dropped:      true if Event Ruler kept fewer alternatives than the pattern has distinct ones
 *   id TAB INVALID TAB base64(message)        (JsonRuleCompiler.check's message, first line)
 *   id TAB ERROR TAB base64(exception)        (anything else Event Ruler threw)
 *
 * Validation uses JsonRuleCompiler.check, the compiler whose messages AWS returns; matching uses a
 * Machine and rulesForJSONEvent (array-consistent matching), as Ruler.matchesRule does.
 */
public final class EventRulerHarness {
  private EventRulerHarness() { }

  public static void main(String[] args) throws Exception {
    Base64.Decoder decoder = Base64.getDecoder();
    Base64.Encoder encoder = Base64.getEncoder();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) {
        continue;
      }
      String[] parts = line.split("\t", -1);
      String id = parts[0];
      String pattern = new String(decoder.decode(parts[1]), StandardCharsets.UTF_8);
      String event = new String(decoder.decode(parts[2]), StandardCharsets.UTF_8);
      String answer;
      try {
        String error = JsonRuleCompiler.check(pattern);
        if (error != null) {
          String first = error.split("\n", -1)[0];
          answer = "INVALID\t" + encoder.encodeToString(first.getBytes(StandardCharsets.UTF_8));
        } else {
          Machine machine = Machine.builder().build();
          machine.addRule("rule", pattern);
          int complexity = machine.evaluateComplexity(new MachineComplexityEvaluator(100));
          boolean matches = !machine.rulesForJSONEvent(event).isEmpty();
          List<Map<String, List<Patterns>>> alternatives = JsonRuleCompiler.compile(pattern);
          boolean anyAlternative = false;
          for (Map<String, List<Patterns>> alternative : alternatives) {
            Machine single = Machine.builder().build();
            single.addPatternRule("rule", alternative);
            anyAlternative |= !single.rulesForJSONEvent(event).isEmpty();
          }
          boolean dropped = subRuleCount(machine) < new HashSet<>(alternatives).size();
          answer = (matches ? "MATCH" : "NO_MATCH") + "\t" + complexity + "\t" + (anyAlternative ? "MATCH" : "NO_MATCH") + "\t" + dropped;
        }
      } catch (Throwable t) {
        answer = "ERROR\t" + encoder.encodeToString(String.valueOf(t).getBytes(StandardCharsets.UTF_8));
      }
      out.write(id + "\t" + answer + "\n");
    }
    out.flush();
  }

  /** How many sub-rules (alternatives) the machine keeps for the rule: Event Ruler does not expose it. */
  private static int subRuleCount(Machine machine) throws Exception {
    Field field = GenericMachine.class.getDeclaredField("subRuleContextGenerator");
    field.setAccessible(true);
    Object generator = field.get(machine);
    Method ids = generator.getClass().getDeclaredMethod("getIdsGeneratedForName", Object.class);
    ids.setAccessible(true);
    Set<?> set = (Set<?>) ids.invoke(generator, "rule");
    return set == null ? 0 : set.size();
  }
}
