/**
 * Limits on event patterns that are not validation rules of EventBridge's pattern compiler, and so have no
 * AWS message of their own (nesting, which has one, is json-scanner.ts's MAX_NESTING_DEPTH).
 */

/**
 * The longest event pattern EventBridge's API takes, in characters: the `EventPattern` parameter of
 * PutRule and TestEventPattern has a maximum length of 4,096
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html,
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html).
 */
export const MAX_PATTERN_LENGTH = 4096;

/**
 * The default of the adjustable "Event pattern size" quota: rules take patterns of at most 2,048 characters
 * unless the account's quota is raised (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
 */
export const DEFAULT_PATTERN_SIZE_QUOTA = 2048;

/**
 * The most alternatives the offline matcher evaluates for one pattern. Each `$or` forks every alternative
 * built so far, so `$or`s side by side multiply: 8 of two alternatives each make 256 (and 3 of seven
 * make 343), while a pattern of 2,048 characters has room for about 70. Event Ruler builds every
 * combination as a sub-rule too (adding such a rule to Event Ruler 1.8.1 took about 0.5 s at 1,024
 * alternatives, 2 s at 4,096 and 8 s at 65,536; 262,144 ran out of a 2 GB heap), and the rule's state
 * machine grows with them, here as there: at 1,024 alternatives compiling takes tens of milliseconds and
 * about 10 MB. EventBridge documents no limit of its own, so beyond this the matcher says that it stops
 * rather than guess EventBridge's answer; up to it, any pattern compiles in a few milliseconds.
 */
export const MAX_ALTERNATIVES = 256;

/** `n` with thousands separators, for messages. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
