/**
 * The sections of docs/exactly-once.md on exactly-once effects, record lifetimes and the idempotency record, checked
 * against what the code does: its transactional handler, compiled, runs through the real wrapper against
 * DynamoDB Local (2 requests for a fresh event, effect included; 1 for a duplicate; the effect once); its
 * synth error is the one the construct raises; its example key is the one the wrapper writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ts from 'typescript';
import { StripeEventBridgeIntegration, StripeEventBus } from '../src';
import { createBusinessTable, outcomeLine, scanAll, useLocalStack } from './support/local-stack';
import { readmeBlocks, README_COMPILER_OPTIONS, REPO_ROOT } from './support/readme';
import { inlineHandler, TEST_EVENT_SOURCE } from './support/stacks';
import { envelope, loadSample, StripeEventSample, withId } from './support/stripe-samples';

const stack = useLocalStack({ proxy: true });
const block = (section: string, lang: string) => readmeBlocks().find((b) => b.section === section && b.lang === lang)!;

test('the transactional handler runs through the wrapper: 2 requests for a fresh event, effect included, 1 for a duplicate, each write once', async () => {
  const dir = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', 'readme-exactly-once-'));
  const compiled = ts.transpileModule(block('exactly-once', 'ts').code, { compilerOptions: { ...README_COMPILER_OPTIONS, noEmit: false } });
  fs.writeFileSync(path.join(dir, 'orders.js'), compiled.outputText);
  const ordersTable = await createBusinessTable(stack.client);
  const fn = stack.wrapped({
    handlerName: 'Orders',
    keyPrefix: 'Payments/Stripe.Orders',
    userHandler: 'orders.handler',
    taskRoot: dir,
    dynamoDbEndpoint: stack.proxy.endpoint,
    environment: { ORDERS_TABLE: ordersTable },
  });
  const sample = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
  const event = withId(sample, 'evt_1ReadmeExactlyOnce');
  await fn.invoke(envelope(withId(sample, 'evt_1ReadmeWarmUp')));
  const orderItems = async () => (await scanAll(stack.client, ordersTable)).filter((i) => i.pk === `ORDER#${sample.data.object.id}`);

  stack.proxy.reset();
  const first = await fn.invoke(envelope(event));
  expect(first.error).toBeUndefined();
  expect(first.result).toEqual({ order: sample.data.object.id });
  expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['PutItem', 'TransactWriteItems']);

  stack.proxy.reset();
  const duplicate = await fn.invoke(envelope(event));
  expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
  expect(duplicate.result).toEqual(first.result);
  expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['PutItem']);

  expect(await orderItems()).toEqual([{ pk: `ORDER#${sample.data.object.id}`, total: sample.data.object.amount_total ?? null }]);
  // Two events for the same session in all (warm-up and this one), each counted once.
  const [sales] = (await scanAll(stack.client, ordersTable)).filter((i) => i.pk === `SALES#${sample.data.object.currency}`);
  expect(sales.orders).toBe(2);
  fn.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the record lifetime error in the docs is the one cdk synth raises', () => {
  const expected = block('idempotency-keys', 'text').code;
  expect(() => new StripeEventBridgeIntegration(new Stack(new App(), 'Payments'), 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    idempotency: { recordLifetime: Duration.days(7) },
    handlers: { 'checkout.session.completed': inlineHandler() },
  })).toThrow(expected);
});

test('the example key in the docs is the key the wrapper writes', async () => {
  const fn = stack.wrapped({ handlerName: 'Orders', keyPrefix: 'Payments/Stripe.Orders', userHandler: 'effect-counter.handler' });
  const out = await fn.invoke(envelope(withId(loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json'), 'evt_1QExampleCheckout')));
  expect(out.error).toBeUndefined();
  const ids = (await scanAll(stack.client, stack.idempotencyTable)).map((r) => r.id);
  expect(ids).toContain(block('idempotency-record', 'text').code.trim());
});
