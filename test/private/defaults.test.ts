/**
 * The defaults live in one module (src/private/defaults.ts), which validation and wiring read: these tests keep what
 * the docs say about them (each `@default` of the API, the defaults table of the user docs) equal to it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ts from 'typescript';
import { INTEGRATION_DEFAULTS, RETRY_LIMITS, ROUTE_DEFAULTS } from '../../src/private/defaults';

const ROOT = path.join(__dirname, '..', '..');

/** The `@default` text of each property of an interface, as written in the source. */
function defaultsOf(file: string, interfaceName: string): Record<string, string> {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const declaration = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === interfaceName)!;
  const result: Record<string, string> = {};
  for (const member of declaration.members) {
    const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
    if (tag && member.name) result[member.name.getText(source)] = ts.getTextOfJSDocComment(tag.comment) ?? '';
  }
  return result;
}

const enumKey = (values: Record<string, unknown>, value: unknown) => Object.keys(values).find((k) => values[k] === value);

test('each @default of StripeRouteOptions states the value the constructs use', () => {
  const docs = defaultsOf('src/route-options.ts', 'StripeRouteOptions');
  expect(docs.retryAttempts).toMatch(new RegExp(`^${ROUTE_DEFAULTS.retryAttempts}\\b`));
  expect(docs.maxEventAge).toMatch(new RegExp(`^Duration\\.hours\\(${ROUTE_DEFAULTS.maxEventAge.toHours()}\\)`));
  expect(docs.lambdaRetryAttempts).toMatch(new RegExp(`^${ROUTE_DEFAULTS.lambdaRetryAttempts}\\b`));
  expect(docs.lambdaMaxEventAge).toMatch(new RegExp(`^Duration\\.hours\\(${ROUTE_DEFAULTS.lambdaMaxEventAge.toHours()}\\)`));
  expect(docs.logRetention).toBe(`logs.RetentionDays.${enumKey(logs.RetentionDays, ROUTE_DEFAULTS.logRetention)}`);
  expect(docs.metricsNamespace).toBe(`'${ROUTE_DEFAULTS.metricsNamespace}'`);
  expect(docs.allowUnknownEventTypes).toBe(String(ROUTE_DEFAULTS.allowUnknownEventTypes));
  expect(docs.handlerMetrics).toMatch(new RegExp(`^${ROUTE_DEFAULTS.handlerMetrics}\\b`));
  // Every default of the module is documented.
  for (const key of Object.keys(ROUTE_DEFAULTS)) expect(docs).toHaveProperty(key);
});

test('the documented retry ranges are the validated ones, and the retry defaults are their maxima', () => {
  const docs = fs.readFileSync(path.join(ROOT, 'src/route-options.ts'), 'utf8');
  expect(docs).toContain(`(${RETRY_LIMITS.retryAttempts.min} to ${RETRY_LIMITS.retryAttempts.max})`);
  expect(docs).toContain(`(${RETRY_LIMITS.lambdaRetryAttempts.min} to ${RETRY_LIMITS.lambdaRetryAttempts.max})`);
  expect(docs).toContain(`(1 minute to ${RETRY_LIMITS.maxEventAge.max.toHours()} hours)`);
  expect(docs).toContain(`(1 minute to ${RETRY_LIMITS.lambdaMaxEventAge.max.toHours()} hours)`);
  expect(ROUTE_DEFAULTS.retryAttempts).toBe(RETRY_LIMITS.retryAttempts.max);
  expect(ROUTE_DEFAULTS.lambdaRetryAttempts).toBe(RETRY_LIMITS.lambdaRetryAttempts.max);
});

test('the integration\'s resource defaults, as its docs state them', () => {
  const integration = defaultsOf('src/stripe-eventbridge-integration.ts', 'StripeEventBridgeIntegrationProps');
  expect(integration.deadLetterQueue).toContain(`${INTEGRATION_DEFAULTS.deadLetterQueueRetention.toDays()}-day retention`);
  expect(integration.archive).toContain(`${INTEGRATION_DEFAULTS.archiveRetention.toDays()} days of retention`);
  expect(defaultsOf('src/monitoring-options.ts', 'StripeArchiveOptions').retention).toBe(`Duration.days(${INTEGRATION_DEFAULTS.archiveRetention.toDays()})`);
});

test('the user docs\' defaults table states the same figures', () => {
  const pages = [path.join(ROOT, 'README.md'), ...(fs.existsSync(path.join(ROOT, 'docs')) ? fs.readdirSync(path.join(ROOT, 'docs')).map((f) => path.join(ROOT, 'docs', f)) : [])];
  const page = pages.map((p) => fs.readFileSync(p, 'utf8')).find((text) => text.includes('<!-- section:defaults -->'))!;
  const table = page.slice(page.indexOf('<!-- section:defaults -->'), page.indexOf('<!-- /section:defaults -->'));
  /** The table row whose prop column names `prop`. */
  const row = (prop: string) => table.split('\n').find((line) => line.startsWith('|') && line.split('|').at(-2)!.includes(`\`${prop}\``))!;
  expect(row('retryAttempts')).toContain(`${ROUTE_DEFAULTS.retryAttempts} over ${ROUTE_DEFAULTS.maxEventAge.toHours()} h`);
  expect(row('lambdaRetryAttempts')).toContain(`${ROUTE_DEFAULTS.lambdaRetryAttempts} within ${ROUTE_DEFAULTS.lambdaMaxEventAge.toHours()} h`);
  expect(row('deadLetterQueue')).toContain(`${INTEGRATION_DEFAULTS.deadLetterQueueRetention.toDays()} days`);
  expect(row('archive.retention')).toContain(`${INTEGRATION_DEFAULTS.archiveRetention.toDays()} days`);
  expect(ROUTE_DEFAULTS.logRetention).toBe(logs.RetentionDays.THREE_MONTHS);
  expect(row('logRetention')).toContain('3 months');
});
