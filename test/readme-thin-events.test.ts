/**
 * docs/thin-events.md: the TypeScript app of its `thin-events` section synthesizes as pasted, creates what the page's
 * table says, and matches its snapshot (asset hashes masked).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { readmeBlocks, synthesizeReadmeBlock } from './support/readme';
import { SynthesizedStack } from '../src/cli/local/synthesized-stack';

const HANDLERS = Object.fromEntries(['orders', 'accounts', 'requirements'].map((h) => [`handlers/${h}.js`, 'exports.handler = async () => null;\n']));

test('the thin-events scenario synthesizes to its snapshot, with what the page says it creates', () => {
  const [block] = readmeBlocks().filter((b) => b.section === 'thin-events' && b.lang === 'ts');
  const template = SynthesizedStack.load(synthesizeReadmeBlock(block.code, HANDLERS, 'thin-events'), 'Platform').template;
  const t = Template.fromJSON(template);
  const ids = (type: string) => Object.entries(t.findResources(type)).map(([id]) => id).sort();

  const destinations = Object.values(t.findResources('Custom::StripeEventDestination')).map((r: any) => r.Properties);
  const thin = destinations.find((p) => p.EventPayload === 'thin');
  expect(thin).not.toHaveProperty('SnapshotApiVersion');
  expect(thin.EnabledEvents).toEqual(['v1.checkout.session.completed', 'v2.core.account.closed', 'v2.core.account.created',
    'v2.core.account.updated', 'v2.core.account[requirements].updated']);
  expect(destinations.find((p) => p !== thin).EnabledEvents).toEqual(['checkout.session.completed']);
  expect(ids('AWS::Events::EventBus')).toEqual([expect.stringMatching(/^StripeEventBus/), expect.stringMatching(/^StripeThinEventBus/)]);
  expect(ids('AWS::Events::Archive')).toEqual([expect.stringMatching(/^StripeArchive/), expect.stringMatching(/^StripeThinArchive/)]);
  expect(Object.keys(t.findOutputs('*'))).toContain('StripeThinArchiveArn');
  expect(ids('AWS::Events::Rule')).toEqual([
    expect.stringMatching(/^StripeAccountsRule/), expect.stringMatching(/^StripeOrdersRule/), expect.stringMatching(/^StripeOrdersThinRule/),
    expect.stringMatching(/^StripeRequirementsRule/),
  ]);
  expect(ids('AWS::Lambda::Function').filter((id) => /^Stripe(Orders|Accounts|Requirements)/.test(id))).toHaveLength(3);
  expect(template).toMatchSnapshot();
});
