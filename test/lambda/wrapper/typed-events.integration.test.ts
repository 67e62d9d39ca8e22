/**
 * The typed-handler types (src/typed-events.ts) at compile time, with the TypeScript compiler API: a right
 * access compiles, a wrong one fails with the expected diagnostic. Then the typed handler, compiled, runs
 * through the real wrapper with a real Stripe sample, and the module holds no runtime code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { createIdempotencyTable, ddbClient, outcomeLine, wrappedFunction } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'handlers', 'typed-handlers.ts');
const TYPED_EVENTS = path.join(ROOT, 'src', 'typed-events.ts');
const MARKER = /\/\/ @ts-expect-error TS(\d+) (.*)$/;

/** The project's own compiler options (tsconfig.dev.json), so the check matches what users' strict builds see. */
function compilerOptions(): ts.CompilerOptions {
  const file = ts.readConfigFile(path.join(ROOT, 'tsconfig.dev.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(file.config, ts.sys, ROOT);
  return { ...parsed.options, noEmit: true };
}

interface Found {
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

/** Type-checks the fixture (optionally with its text replaced) and returns its diagnostics. */
function check(text?: string): Found[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  if (text !== undefined) {
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) =>
      path.resolve(name) === FIXTURE ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
  }
  const program = ts.createProgram([FIXTURE], options, host);
  // The fixture and the module under test; the rest (stripe's 12 MB of declarations) is library code.
  const files = program.getSourceFiles().filter((f) => [FIXTURE, TYPED_EVENTS].includes(path.resolve(f.fileName)));
  expect(files).toHaveLength(2);
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...files.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  return diagnostics.map((d) => ({
    line: d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0,
    code: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0],
  }));
}

const source = fs.readFileSync(FIXTURE, 'utf8');
const markers = source.split('\n').flatMap((text, index) => {
  const match = MARKER.exec(text);
  // A marker covers the line after it.
  return match ? [{ line: index + 2, code: Number(match[1]), message: match[2] }] : [];
});

test('the fixture marks at least the wrong accesses docs/handlers.md promises', () => {
  expect(markers.map((m) => m.message)).toEqual(
    expect.arrayContaining([
      "Property 'amount_totl' does not exist on type 'Session'. Did you mean 'amount_total'?",
      "Type '\"checkout.sesion.completed\"' does not satisfy the constraint 'StripeEventTypeKey'.",
      "Object literal may only specify known properties, but 'Puts' does not exist in type 'TransactWriteItem'. Did you mean to write 'Put'?",
    ]),
  );
});

test('typed handlers compile, and every @ts-expect-error is an expected error', () => {
  expect(check()).toEqual([]);
}, 60_000);

test('without the @ts-expect-error comments, exactly the marked lines fail, each with its code and message', () => {
  const unmarked = source.replace(/\/\/ @ts-expect-error /g, '// expected: ');
  expect(check(unmarked)).toEqual(markers);
}, 60_000);

test('the module is types only: its compiled JavaScript has no runtime code', () => {
  const out = ts.transpileModule(fs.readFileSync(TYPED_EVENTS, 'utf8'), { compilerOptions: compilerOptions() });
  const code = out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, '').replace(/\/\*[\s\S]*?\*\//g, '').trim();
  expect(code).toBe('"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });');
});

test('the typed handler, compiled, runs unchanged through the wrapper on a real checkout.session.completed sample', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'typed-handler-'));
  const compiled = ts.transpileModule(source, { compilerOptions: { ...compilerOptions(), module: ts.ModuleKind.CommonJS } });
  fs.writeFileSync(path.join(dir, 'typed-handlers.js'), compiled.outputText);
  const client = ddbClient();
  const fn = wrappedFunction({ handlerName: 'TypedCheckout', userHandler: 'typed-handlers.checkoutCompleted', taskRoot: dir, idempotencyTable: await createIdempotencyTable(client) });
  try {
    const sample = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
    const out = await fn.invoke(envelope(withId(sample, 'evt_1TypedHandler')));
    expect(out.error).toBeUndefined();
    expect(outcomeLine(out.logs)?.outcome).toBe('processed');
    expect(out.result).toEqual({
      session: sample.data.object.id,
      mode: sample.data.object.mode,
      total: sample.data.object.amount_total ?? null,
      email: sample.data.object.customer_details?.email ?? null,
      type: 'checkout.session.completed',
    });
  } finally {
    fn.close();
    client.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
