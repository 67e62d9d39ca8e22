/** The integration's alarm settings checked against CloudWatch's ranges, with messages that name the prop, the value and the range. */
import { Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import { StripeAlarm, StripeAlarmOptions } from '../../monitoring-options';
import { invalid } from '../errors';

/** Outside `0..max` or not a whole number (tokens are left to CloudFormation). */
function outside(n: number | undefined, max: number): boolean {
  return n !== undefined && !Token.isUnresolved(n) && (n < 0 || n > max || !Number.isInteger(n));
}

/** CloudWatch's ranges for the alarm settings. */
export function validateAlarmOptions(scope: IConstruct, alarms: StripeAlarmOptions): void {
  const silence = alarms.noEventsPeriod;
  if (silence && !silence.isUnresolved() && (silence.toSeconds() < 300 || silence.toSeconds() > 86400 || silence.toSeconds() % 60 !== 0)) {
    invalid(scope, `alarms.noEventsPeriod: ${silence.toHumanString()} must be whole minutes from 5 minutes to 24 hours (one CloudWatch alarm period).`);
  }
  const percent = alarms.durationThresholdPercent;
  if (percent !== undefined && !Token.isUnresolved(percent) && (percent <= 0 || percent > 100)) {
    invalid(scope, `alarms.durationThresholdPercent: ${percent} must be above 0 and at most 100.`);
  }
  if (outside(alarms.evaluationPeriods, Number.MAX_SAFE_INTEGER) || alarms.evaluationPeriods === 0) {
    invalid(scope, `alarms.evaluationPeriods: ${alarms.evaluationPeriods} must be a whole number of at least 1.`);
  }
  for (const address of alarms.emailAddresses ?? []) {
    const why = notAnEmailAddress(address);
    if (why) invalid(scope, `alarms.emailAddresses: '${address}' is not an email address: ${why}; SNS would refuse the subscription at deploy.`);
  }
  validateQueryAlarmWindow(scope, alarms);
}

/** An address SNS takes: `name@domain.tld`, one per entry (tokens are left to CloudFormation). */
const EMAIL = /^[^\s@<>()[\],;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;

/** Why an alarm email address would not parse, with the fix; undefined when it does. */
function notAnEmailAddress(address: string): string | undefined {
  if (Token.isUnresolved(address) || EMAIL.test(address)) return undefined;
  const found = address.match(/[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+/g) ?? [];
  if (found.length > 1) return `give one address per entry: [${found.map((a) => `'${a}'`).join(', ')}]`;
  if (found.length === 1 && found[0] !== address) return `give the address alone: '${found[0]}'`;
  return "expected name@domain.tld, e.g. 'payments-oncall@example.com'";
}

/** The alarms on Metrics Insights queries (see ../metric-factory.ts). */
const QUERY_ALARMS = [
  StripeAlarm.RULE_DLQ_FAILURES,
  StripeAlarm.RULE_FAILED_INVOCATIONS,
  StripeAlarm.RULE_THROTTLED,
  StripeAlarm.DESTINATION_DELIVERY_FAILURES,
];

/**
 * A Metrics Insights alarm evaluates only the last 3 hours of data, and Metrics Insights has no high-resolution
 * data (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html, cloudwatch-metrics-insights-limits.html):
 * its period is whole minutes, and period × evaluation periods at most 3 hours.
 */
function validateQueryAlarmWindow(scope: IConstruct, alarms: StripeAlarmOptions): void {
  const disabled = new Set(alarms.disabledAlarms ?? []);
  if (alarms.enabled === false || QUERY_ALARMS.every((a) => disabled.has(a))) return;
  const period = alarms.period;
  if (period === undefined || period.isUnresolved()) return;
  const seconds = period.toSeconds({ integral: false });
  if (seconds < 60 || seconds % 60 !== 0) {
    invalid(scope, `alarms.period: ${period.toHumanString()} must be whole minutes: the rule and destination delivery alarms query Metrics Insights, which has no data finer than a minute.`);
  }
  const periods = alarms.evaluationPeriods ?? 1;
  if (!Token.isUnresolved(periods) && seconds * periods > 3 * 3600) {
    invalid(
      scope,
      `alarms.period × alarms.evaluationPeriods: ${period.toHumanString()} × ${periods} must be at most 3 hours: the rule and destination delivery alarms ` +
        'query Metrics Insights, whose alarms evaluate only the last 3 hours. Shorten either, or leave those alarms out (disabledAlarms).',
    );
  }
}

/**
 * EventBridge names a bus with up to 256 characters; a CloudWatch alarm's dimension value takes at most
 * 255 (AWS::CloudWatch::Alarm Dimension), and the rule alarms are by EventBusName.
 */
export function validateAlarmDimensions(scope: IConstruct, eventBus: events.IEventBus, alarms: StripeAlarmOptions | undefined): void {
  const name = eventBus.eventSourceName ?? eventBus.eventBusName;
  if (alarms?.enabled === false || Token.isUnresolved(name) || name.length <= 255) return;
  invalid(
    scope,
    `alarms: the event bus name is ${name.length} characters long, and CloudWatch alarms take dimension values (here EventBusName) of at most 255 characters. ` +
      'Turn the alarms off (alarms: { enabled: false }) and build your own from the routes\' metrics, or use a bus with a shorter name.',
  );
}
