/**
 * Saved Logs Insights queries over the handlers' log groups, reading the wrapper's JSON log line
 * (field names and outcomes: src/contract/log-fields.ts).
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MonitoringSources } from './sources';
import { LOG_FIELD as F, OUTCOME } from '../../contract/log-fields';

/** Saved Logs Insights queries over the handlers' log groups (the wrapper's JSON log lines). */
export function createQueries(scope: Construct, sources: MonitoringSources, prefix: string): logs.QueryDefinition[] {
  const logGroups = sources.routes.map((h) => h.logGroup).filter((g): g is logs.ILogGroup => g !== undefined);
  if (logGroups.length === 0) return [];
  const define = (id: string, name: string, queryString: logs.QueryString) =>
    new logs.QueryDefinition(scope, id, { queryDefinitionName: `${prefix}/${name}`, logGroups, queryString });
  return [
    define(
      'EventsByTypeAndOutcome',
      'Stripe events by type and outcome',
      new logs.QueryString({
        filterStatements: [`ispresent(${F.OUTCOME})`],
        statsStatements: [`count(*) as events by ${F.STRIPE_EVENT_TYPE}, ${F.OUTCOME}, ${F.HANDLER}`],
        sort: 'events desc',
      }),
    ),
    define(
      'Failures',
      'Stripe event failures with their errors',
      new logs.QueryString({
        fields: ['@timestamp', F.HANDLER, F.OUTCOME, F.STRIPE_EVENT_ID, F.STRIPE_EVENT_TYPE, F.EVENTBRIDGE_ID, F.REASON, F.ERROR_NAME, F.ERROR_MESSAGE],
        filterStatements: [`${F.OUTCOME} in ['${OUTCOME.FAILED}', '${OUTCOME.INVALID}', '${OUTCOME.IN_PROGRESS}']`],
        sort: '@timestamp desc',
        limit: 200,
      }),
    ),
    define(
      'OneStripeEvent',
      'Everything logged for one Stripe event (replace the evt_ id)',
      new logs.QueryString({
        fields: ['@timestamp', F.HANDLER, F.OUTCOME, F.STRIPE_EVENT_TYPE, F.EVENTBRIDGE_ID, F.DURATION_MS, F.ERROR_MESSAGE, '@message'],
        filterStatements: [`${F.STRIPE_EVENT_ID} = 'evt_REPLACE_WITH_THE_EVENT_ID'`],
        sort: '@timestamp asc',
      }),
    ),
  ];
}
