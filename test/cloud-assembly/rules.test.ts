/**
 * The payload style of each synthesized rule's bus (src/cloud-assembly/rules.ts): what lets the offline tools send a
 * snapshot event only to the rules on a snapshot destination's bus and a thin event only to those on a thin one's,
 * even where two rules have the same pattern (a `*` handler on both buses).
 */
import * as fs from 'node:fs';
import type { SynthesizedTemplate, TemplateResource } from '../../src/cloud-assembly/cloud-assembly';
import { readSynthesizedRules, rulesOfTemplate, ruleCarries, SynthesizedRule } from '../../src/cloud-assembly/rules';
import { ENV_EVENT_PAYLOADS, ENV_HANDLER_NAME } from '../../src/contract/wrapper';
import { synthesizeThinApp } from '../event-pattern/support/synth-app';

describe('in a synthesized app with both payload styles', () => {
  let cdkOut: string;
  let rules: SynthesizedRule[];

  beforeAll(() => {
    cdkOut = synthesizeThinApp();
    rules = readSynthesizedRules(cdkOut);
  }, 120_000);

  afterAll(() => fs.rmSync(cdkOut, { recursive: true, force: true }));

  const payloadsByPath = () => Object.fromEntries(rules.map((r) => [r.constructPath, r.payloads]));

  test('each rule is known to be on a snapshot or a thin bus', () => {
    expect(payloadsByPath()).toEqual({
      // Two rules of one function (snapshot,thin): the one of thin types is on the thin bus.
      'Platform/Stripe/Orders/Rule': ['snapshot'],
      'Platform/Stripe/Orders/ThinRule': ['thin'],
      // Functions of one style.
      'Platform/Stripe/Accounts/Rule': ['thin'],
      'Platform/Stripe/Meters/Rule': ['thin'],
      'Platform/Stripe/Pings/Rule': ['thin'],
      // `*` on both buses: the same pattern, told apart by the construct's ids (`Rule` on eventBus, `ThinRule` on the thin one).
      'Platform/Stripe/Everything/Rule': ['snapshot'],
      'Platform/Stripe/Everything/ThinRule': ['thin'],
      // Buses named after StripeEventDestinations.
      'Connect/Stripe/Accounts/Rule': ['snapshot'],
      'Connect/Stripe/Accounts/ThinRule': ['thin'],
    });
    const everything = rules.filter((r) => r.constructPath?.startsWith('Platform/Stripe/Everything/'));
    expect(everything[0].pattern).toEqual(everything[1].pattern);
  });

  test('ruleCarries: a rule takes an event of its bus\'s style, or of an unknown style', () => {
    const [snapshotRule, thinRule] = rules.filter((r) => r.constructPath?.startsWith('Platform/Stripe/Everything/'));
    expect([ruleCarries(snapshotRule, 'snapshot'), ruleCarries(snapshotRule, 'thin'), ruleCarries(snapshotRule, undefined)]).toEqual([true, false, true]);
    expect([ruleCarries(thinRule, 'snapshot'), ruleCarries(thinRule, 'thin')]).toEqual([false, true]);
  });
});

/** A template of hand-written resources, as another tool (or an older release) could have written it. */
function template(resources: Record<string, TemplateResource>): SynthesizedTemplate {
  return { name: 'T', assemblyDir: '', template: { Resources: resources }, resources, constructPath: () => undefined };
}

const fn = (environment: Record<string, string>): TemplateResource => ({ Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: environment } } });
const rule = (bus: string, target: string, detailTypes?: unknown[]): TemplateResource => ({
  Type: 'AWS::Events::Rule',
  Properties: {
    EventBusName: bus,
    EventPattern: { source: [{ prefix: 'aws.partner/stripe.com/' }], ...(detailTypes ? { 'detail-type': detailTypes } : {}) },
    Targets: [{ Arn: { 'Fn::GetAtt': [target, 'Arn'] }, Id: 'Target0' }],
  },
});
const SNAPSHOT_BUS = 'aws.partner/stripe.com/ed_snapshot';
const THIN_BUS = 'aws.partner/stripe.com/ed_thin';

test('a wrapped function deployed before thin events (no STRIPE_EB_EVENT_PAYLOADS) is on a snapshot bus, and so is every rule on that bus', () => {
  const rules = rulesOfTemplate(template({
    Orders: fn({ [ENV_HANDLER_NAME]: 'Orders' }),
    OrdersRule: rule(SNAPSHOT_BUS, 'Orders', ['checkout.session.completed']),
    Queue: { Type: 'AWS::SQS::Queue' },
    Copy: rule(SNAPSHOT_BUS, 'Queue'),
    Elsewhere: rule('aws.partner/stripe.com/ed_other', 'Queue'),
  }));
  expect(rules.map((r) => [r.logicalId, r.payloads])).toEqual([['OrdersRule', ['snapshot']], ['Copy', ['snapshot']], ['Elsewhere', undefined]]);
});

test('one rule of a function of both styles is on a bus that carries both; two are told apart by their event types', () => {
  const rules = rulesOfTemplate(template({
    Both: fn({ [ENV_HANDLER_NAME]: 'Both', [ENV_EVENT_PAYLOADS]: 'snapshot,thin' }),
    BothRule: rule('custom-bus', 'Both', ['checkout.session.completed', 'v1.checkout.session.completed']),
    Twins: fn({ [ENV_HANDLER_NAME]: 'Twins', [ENV_EVENT_PAYLOADS]: 'snapshot,thin' }),
    TwinsA: rule(THIN_BUS, 'Twins', [{ wildcard: 'v1.invoice.*' }]),
    TwinsB: rule(SNAPSHOT_BUS, 'Twins', [{ wildcard: 'invoice.*' }]),
    Broken: fn({ [ENV_HANDLER_NAME]: 'Broken', [ENV_EVENT_PAYLOADS]: 'fat' }),
    BrokenRule: rule('another-bus', 'Broken'),
  }));
  expect(rules.map((r) => [r.logicalId, r.payloads])).toEqual([
    ['BothRule', ['snapshot', 'thin']],
    ['TwinsA', ['thin']],
    ['TwinsB', ['snapshot']],
    ['BrokenRule', undefined],
  ]);
});

test('a bus named after a StripeEventDestination carries its payload style, whatever targets its rules have', () => {
  const bus = (destination: string): TemplateResource => ({
    Type: 'AWS::Events::EventBus',
    Properties: { EventSourceName: { 'Fn::GetAtt': [destination, 'EventSourceName'] }, Name: { 'Fn::GetAtt': [destination, 'EventSourceName'] } },
  });
  const rules = rulesOfTemplate(template({
    Thins: { Type: 'Custom::StripeEventDestination', Properties: { EventPayload: 'thin', EnabledEvents: ['v2.core.account.updated'] } },
    Snapshots: { Type: 'Custom::StripeEventDestination', Properties: { EnabledEvents: ['*'] } },
    ThinBus: bus('Thins'),
    SnapshotBus: bus('Snapshots'),
    Queue: { Type: 'AWS::SQS::Queue' },
    ToQueueThin: { ...rule('', 'Queue'), Properties: { ...rule('', 'Queue').Properties, EventBusName: { Ref: 'ThinBus' } } },
    ToQueueSnapshot: { ...rule('', 'Queue'), Properties: { ...rule('', 'Queue').Properties, EventBusName: { Ref: 'SnapshotBus' } } },
  }));
  expect(rules.map((r) => [r.logicalId, r.payloads])).toEqual([['ToQueueThin', ['thin']], ['ToQueueSnapshot', ['snapshot']]]);
});
