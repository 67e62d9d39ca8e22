/**
 * docs/stripe-destination.md as pasted: its TypeScript (which typecheck.test.ts compiles with every other
 * TypeScript block of the docs) synthesizes (the destination's part in the snapshot below, asset hashes masked) to a destination whose enabled events are the handler
 * keys and a bus that accepts its partner source after it, and its deploy command names that stack.
 */
import { readmeBlocks, synthesizeReadmeBlock } from './support/readme';
import { SynthesizedStack } from '../src/cli/local/synthesized-stack';

const section = readmeBlocks().filter((b) => b.section === 'stripe-destination');
const app = section.find((b) => b.lang === 'ts')!;
const commands = section.filter((b) => b.lang === 'sh').map((b) => b.code);

let template: any;
beforeAll(() => {
  const cdkOut = synthesizeReadmeBlock(app.code, { 'handlers/orders.js': 'exports.handler = async () => null;\n' }, 'destination');
  template = SynthesizedStack.load(cdkOut, 'Payments').template;
});

test('the section has the app, the secret command and the one deploy command', () => {
  expect(app).toBeDefined();
  expect(commands).toHaveLength(2);
  expect(commands[0]).toContain('aws secretsmanager create-secret --name stripe/event-destinations');
  expect(app.code).toContain("'stripe/event-destinations'");
  expect(commands[1]).toBe('npx cdk deploy Payments');
  expect(app.code).toContain("new Stack(app, 'Payments')");
});

test('it creates the destination with the handler keys as enabled events, then the bus that accepts its source', () => {
  const resources = Object.entries<any>(template.Resources);
  const [[destinationId, destination]] = resources.filter(([, r]) => r.Type === 'Custom::StripeEventDestination');
  expect(destination.Properties.EnabledEvents).toEqual(['checkout.session.completed']);
  // Imported by name: the provider reads it by name (a partial ARN can be ambiguous).
  expect(destination.Properties.ApiKeySecretId).toBe('stripe/event-destinations');
  const [[, bus]] = resources.filter(([, r]) => r.Type === 'AWS::Events::EventBus');
  expect(bus.DependsOn).toEqual([destinationId]);
  expect(bus.Properties.EventSourceName).toEqual({ 'Fn::GetAtt': [destinationId, 'EventSourceName'] });
});

test("synthesizes to its snapshot (the destination's resources and the bus; the integration has its own tests)", () => {
  const ours = Object.fromEntries(
    Object.entries<any>(template.Resources).filter(([id, r]) => id.startsWith('StripeDestination') || r.Type === 'AWS::Events::EventBus'),
  );
  expect(ours).toMatchSnapshot();
});
