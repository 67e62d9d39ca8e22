/** The integration's alarm settings checked against CloudWatch's ranges, with messages that name the prop, the value and the range. */
import { Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import type { StripeAlarmOptions } from '../../monitoring-options';
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
