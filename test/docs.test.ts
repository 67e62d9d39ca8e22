/**
 * The docs hold together: every relative link of README.md, CONTRIBUTING.md and docs/*.md reaches a file and, with
 * `#anchor`, one of its headings; the README stays short and links every page; each page opens with its summary
 * and a way back; section markers are unique and closed; the commands CONTRIBUTING.md gives exist; and the cost per
 * million events adds up, with the record lifetime the integration really uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { StripeEventBridgeIntegration, StripeEventBus } from '../src';
import { docFiles, readDoc, readmeBlocks, REPO_ROOT } from './support/readme';
import { inlineHandler, TEST_EVENT_SOURCE } from './support/stacks';

/** The text outside fenced blocks and inline code: what Markdown renders as prose, links included. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const slug = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

const FILES = docFiles();

describe.each(FILES)('%s', (file) => {
  const text = readDoc(file);
  const links = [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target).filter((t) => !/^[a-z]+:/.test(t));

  test('every relative link reaches a file, and an anchor one of its headings', () => {
    expect(links.length).toBeGreaterThan(0);
    const broken = links.filter((link) => {
      const [target, anchor] = link.split('#');
      const resolved = target ? path.resolve(REPO_ROOT, path.dirname(file), target) : path.join(REPO_ROOT, file);
      if (!fs.existsSync(resolved)) return true;
      return anchor !== undefined && !(resolved.endsWith('.md') && anchors(fs.readFileSync(resolved, 'utf8')).has(anchor));
    });
    expect(broken).toEqual([]);
  });

  test('every test file it names as proof exists (a renamed test takes its references along)', () => {
    const named = [...new Set(text.match(/\btest\/[\w./-]+\.(?:ts|py|js)\b/g) ?? [])];
    expect(named.filter((f) => !fs.existsSync(path.join(REPO_ROOT, f)))).toEqual([]);
  });

  test('every section marker is closed in the same file', () => {
    const opened = [...text.matchAll(/^<!-- section:([\w-]+) -->$/gm)].map((m) => m[1]);
    const closed = [...text.matchAll(/^<!-- \/section:([\w-]+) -->$/gm)].map((m) => m[1]);
    expect(closed).toEqual(opened);
  });
});

test('section names are unique across the docs', () => {
  const names = FILES.flatMap((file) => [...readDoc(file).matchAll(/^<!-- section:([\w-]+) -->$/gm)].map((m) => `${m[1]}`));
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
});

test('the README stays under 450 lines and links every page of docs/, CONTRIBUTING.md and API.md', () => {
  const readme = readDoc('README.md');
  expect(readme.split('\n').length).toBeLessThan(450);
  for (const page of [...FILES.filter((f) => f.startsWith('docs/')), 'CONTRIBUTING.md', 'API.md']) expect(readme).toContain(`](${page})`);
});

test.each(FILES.filter((f) => f.startsWith('docs/')))('%s opens with its title, a summary and a link back to the README', (file) => {
  const [title, blank, ...rest] = readDoc(file).split('\n');
  expect(title).toMatch(/^# \S/);
  expect(blank).toBe('');
  const summary = rest.slice(0, rest.indexOf(''));
  expect(summary.length).toBeGreaterThan(1);
  expect(summary.join('\n')).toContain('](../README.md)');
});

test('the commands CONTRIBUTING.md gives exist: projen tasks, scripts, test files', () => {
  const tasks = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
  const commands = readmeBlocks().filter((b) => b.file === 'CONTRIBUTING.md' && b.lang === 'sh').flatMap((b) => b.code.split('\n')).map((l) => l.replace(/\s+#.*$/, ''));
  expect(commands.length).toBeGreaterThan(5);
  for (const command of commands) {
    for (const [, task] of command.matchAll(/npx projen (\S+)/g)) expect(Object.keys(tasks)).toContain(task);
    for (const [, script] of command.matchAll(/bash (scripts\/\S+)/g)) expect(fs.existsSync(path.join(REPO_ROOT, script))).toBe(true);
    for (const [, file] of command.matchAll(/npx jest (\S+)/g)) expect(fs.existsSync(path.join(REPO_ROOT, file))).toBe(true);
  }
});

test('the Python layer sizes the README gives are the measured ones (bench/results/latest.json, bench/python-layers.ts)', () => {
  const results = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'bench', 'results', 'latest.json'), 'utf8'));
  const readme = readDoc('README.md').replace(/\s+/g, ' ');
  const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  expect(readme).toContain(`the wrapper layer (the wrapper and Powertools: ${megabytes(results.python_layer_bytes)}, ${megabytes(results.python_layer_zip_bytes)} zipped)`);
  expect(readme).toContain(`the Stripe layer (stripe-python, for \`context.stripe\`: ${megabytes(results.python_stripe_layer_bytes)}, ${megabytes(results.python_stripe_layer_zip_bytes)} zipped)`);
  const page = readDoc('docs/performance-and-cost.md').replace(/\s+/g, ' ');
  const bytes = (n: number) => `${n.toLocaleString('en-US')} B`;
  expect(page).toContain(`| layer | – | – | ${bytes(results.python_layer_bytes)} (${bytes(results.python_layer_zip_bytes)} zipped) |`);
  expect(page).toContain(`the Stripe layer, stripe-python: ${bytes(results.python_stripe_layer_bytes)} (${bytes(results.python_stripe_layer_zip_bytes)} zipped;`);
});

describe('the cost per million Stripe events', () => {
  const page = readDoc('docs/performance-and-cost.md');
  const table = page.slice(page.indexOf('## Cost per million Stripe events'), page.indexOf('**total**') + 100);
  const rows = [...table.matchAll(/^\| ([^|]+) \| ([^|]*) \| [^|]* \| \$(\d+\.\d\d) \|$/gm)].map(([, item, quantity, cost]) => ({ item, quantity, cost: Number(cost) }));
  const total = Number(/\*\*total\*\* \| \| \| \*\*\$(\d+\.\d\d)\*\*/.exec(table)![1]);
  const cents = (n: number) => Math.round(n * 100);

  test('adds up, and (b), without the wrapper\'s log lines, costs the total less those', () => {
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows.reduce((sum, r) => sum + cents(r.cost), 0)).toBe(cents(total));
    const wrapperLines = rows.find((r) => r.item === 'Log ingestion, wrapper lines')!;
    expect(page).toContain(`through (b) cost about $${((cents(total) - cents(wrapperLines.cost)) / 100).toFixed(2)} (`);
  });

  test('stores each record for the record lifetime an integration with the defaults derives', () => {
    const integration = new StripeEventBridgeIntegration(new Stack(new App(), 'Payments'), 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'checkout.session.completed': inlineHandler() },
    });
    const days = integration.recordLifetime.toDays();
    const storage = rows.find((r) => r.item === 'DynamoDB idempotency storage')!;
    const [, gbMonths, records, bytes, kept] = /about (\d+\.\d+) GB-month \(([\d,]+) records of about (\d+) B kept (\d+) days/.exec(storage.quantity)!;
    expect(Number(kept)).toBe(days);
    // GB-months: the records' size for the lifetime, in months of 730 hours, as AWS bills storage.
    const exact = (Number(records.replace(/,/g, '')) * Number(bytes) / 1e9) * (days * 24 / 730);
    expect(Number(gbMonths)).toBeCloseTo(exact, 1);
    expect(storage.cost).toBeCloseTo(exact * 0.25, 2);
  });
});
