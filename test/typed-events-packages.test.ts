/**
 * `@babes/stripe-eventbridge/typed-events` in a new app, as a user installs it: the published declaration file
 * (emitted from src/typed-events.ts) in node_modules, a handler, and the compiler options of a CDK app
 * (`skipLibCheck`, which hides "Cannot find module" errors inside declaration files). Without the type packages,
 * the handler must fail to compile with an error that names them and the install command, instead of every
 * type silently becoming `any`; with them, a misspelt field fails and the correct handler compiles.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from './support/readme';

const SOURCE = path.join(REPO_ROOT, 'src', 'typed-events.ts');
const TYPE_PACKAGES = ['stripe', '@types/aws-lambda', '@aws-sdk/lib-dynamodb'];
const INSTALL = 'npm i -D stripe @types/aws-lambda @aws-sdk/lib-dynamodb';

const HANDLER = `import type { StripeEventBridgeHandler } from '@babes/stripe-eventbridge/typed-events';

export const handler: StripeEventBridgeHandler<'checkout.session.completed'> = async (event) => {
  const session = event.detail.data.object;
  return { session: session.id, total: session.amount_total };
};
`;

/**
 * The declaration file the package publishes as lib/typed-events.d.ts. The file declares every exported type (what
 * `isolatedDeclarations` asks), so TypeScript emits its declarations from the file alone, as the full program emit
 * does, without type-checking the program.
 */
function emittedDeclaration(): string {
  const result = ts.transpileDeclaration(fs.readFileSync(SOURCE, 'utf8'), {
    fileName: SOURCE,
    reportDiagnostics: true,
    compilerOptions: { declaration: true, strict: true, esModuleInterop: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
  });
  const errors = (result.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (errors.length > 0) throw new Error(`src/typed-events.ts: its declarations need the program to emit (declare each exported type): ${errors.join('; ')}`);
  return result.outputText;
}

const declaration = emittedDeclaration();
/** This repository's node_modules, where the links point (its real path: it may itself be a link). */
const NODE_MODULES = fs.realpathSync(path.join(REPO_ROOT, 'node_modules'));
const work = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', 'typed-events-app-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
/**
 * The packages' and TypeScript's own declaration files, parsed once for all the apps below (they all compile with
 * the same options): stripe's types alone are most of each compile's time. TypeScript's language service shares
 * parsed files between programs the same way (its DocumentRegistry).
 */
const parsedOnce = new Map<string, ts.SourceFile | undefined>();

/**
 * Type-checks `code` as `handler.ts` of a new app whose node_modules holds this package and `installed`
 * (links to this repository's copies). Nothing else resolves: in particular not this repository's own
 * node_modules, which the app's directory (under .tmp) would otherwise reach by walking up.
 */
function compile(name: string, installed: string[], code: string): string[] {
  const app = path.join(work, name);
  const pkg = path.join(app, 'node_modules', '@babes', 'stripe-eventbridge');
  fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({
    name: '@babes/stripe-eventbridge',
    exports: { './typed-events': { types: './lib/typed-events.d.ts', default: './lib/typed-events.js' } },
  }));
  fs.writeFileSync(path.join(pkg, 'lib', 'typed-events.d.ts'), declaration);
  for (const p of installed) {
    fs.mkdirSync(path.dirname(path.join(app, 'node_modules', p)), { recursive: true });
    fs.symlinkSync(path.join(NODE_MODULES, p), path.join(app, 'node_modules', p));
  }
  const file = path.join(app, 'handler.ts');
  fs.writeFileSync(file, code);
  // A CDK app's tsconfig (cdk init app --language typescript), strict, with skipLibCheck.
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const libDir = path.dirname(ts.getDefaultLibFilePath(options));
  // Only the app, TypeScript's own lib files, and the real packages the app links to with what they import; never
  // a type package the app does not have, which the app's directory would reach by walking up to this repository's
  // node_modules when that is a real directory (a clone), not a link.
  const missing = TYPE_PACKAGES.filter((p) => !installed.includes(p)).map((p) => path.join(NODE_MODULES, p));
  const reachable = (f: string) => {
    const resolved = path.resolve(f);
    if (resolved.startsWith(app + path.sep) || resolved.startsWith(libDir)) return true;
    if (installed.length === 0 || !resolved.startsWith(NODE_MODULES + path.sep)) return false;
    return !missing.some((m) => resolved === m || resolved.startsWith(m + path.sep));
  };
  const fileExists = host.fileExists.bind(host);
  const directoryExists = host.directoryExists!.bind(host);
  host.fileExists = (f) => reachable(f) && fileExists(f);
  host.directoryExists = (d) => reachable(d) && directoryExists(d);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, languageVersion, ...rest) => {
    if (f.startsWith(app + path.sep)) return getSourceFile(f, languageVersion, ...rest);
    const key = `${f}\0${JSON.stringify(languageVersion)}`;
    if (!parsedOnce.has(key)) parsedOnce.set(key, getSourceFile(f, languageVersion, ...rest));
    return parsedOnce.get(key);
  };
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

const NEEDS = `'"The types of @babes/stripe-eventbridge/typed-events need packages that are not installed: ${INSTALL}"'`;

test('without stripe, @types/aws-lambda and @aws-sdk/lib-dynamodb, the handler fails with an error that says what to install', () => {
  expect(compile('none', [], HANDLER)).toEqual([
    `TS2322: Type '(event: any) => Promise<{ session: any; total: any; }>' is not assignable to type ${NEEDS}.`,
    "TS7006: Parameter 'event' implicitly has an 'any' type.",
  ]);
}, 60_000);

test('with only one of them missing, the same error', () => {
  expect(compile('no-stripe', ['@types/aws-lambda', '@aws-sdk/lib-dynamodb'], HANDLER)[0]).toContain(NEEDS);
  expect(compile('no-aws-lambda', ['stripe', '@aws-sdk/lib-dynamodb'], HANDLER)[0]).toContain(NEEDS);
}, 60_000);

test('an event typed on its own says it too', () => {
  const code = `import type { StripeEventBridgeEvent } from '@babes/stripe-eventbridge/typed-events';
export const total = (event: StripeEventBridgeEvent<'checkout.session.completed'>) => event.detail.data.object.amount_total;
`;
  expect(compile('event-only', [], code)).toEqual([`TS2339: Property 'detail' does not exist on type ${NEEDS}.`]);
}, 60_000);

test('with the packages installed, the handler compiles and a misspelt field is an error', () => {
  expect(compile('installed', TYPE_PACKAGES, HANDLER)).toEqual([]);
  expect(compile('misspelt', TYPE_PACKAGES, HANDLER.replace('session.amount_total', 'session.amount_totl'))).toEqual([
    "TS2551: Property 'amount_totl' does not exist on type 'Session'. Did you mean 'amount_total'?",
  ]);
}, 120_000);
