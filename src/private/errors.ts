/**
 * Synth-time errors that carry the construct they come from, like aws-cdk-lib's `ValidationError`
 * (which is internal to aws-cdk-lib): the message starts with the construct path, so an app with two
 * integrations says which one failed, and `Errors.isValidationError()` recognises them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { StripeEventBridgeError } from '../contract/errors';
import { packageRoot } from '../package/package-assets';

// The markers aws-cdk-lib's `Errors.isConstructError` / `Errors.isValidationError` look for (aws-cdk-lib/core/lib/errors.ts).
const CONSTRUCT_ERROR = Symbol.for('@aws-cdk/core.SynthesisError');
const VALIDATION_ERROR = Symbol.for('@aws-cdk/core.ValidationError');

/** A prop or a combination of props that cannot deploy; the message names the prop, the value and the fix. */
export class StripeValidationError extends StripeEventBridgeError {
  /** The construct the error is about, when there is one (a static factory has none). */
  public readonly constructPath?: string;

  constructor(message: string, scope?: IConstruct) {
    super(forCaller(scope ? `[${scope.node.path}] ${message}` : message));
    this.name = 'ValidationError';
    this.constructPath = scope?.node.path;
    Object.defineProperty(this, CONSTRUCT_ERROR, { value: true });
    Object.defineProperty(this, VALIDATION_ERROR, { value: true });
  }

  /**
   * `String(error)` is `<name>: <message>`, and jsii's kernel reports an error thrown by a static method
   * (`StripeEventHandler.fromCode`, `StripeEventBus.fromPartnerEventSource`) as `String(error)` (`new
   * RuntimeError(e)` in @jsii/kernel's `ensureSync`), which Python printed as `RuntimeError: ValidationError: …`.
   * Under jsii (its runtimes set `JSII_AGENT`) the error reads as its message alone, as from a constructor.
   */
  public toString(): string {
    return process.env.JSII_AGENT ? this.message : super.toString();
  }
}

/** Throws a StripeValidationError about `scope`. */
export function invalid(scope: IConstruct | undefined, message: string): never {
  throw new StripeValidationError(message, scope);
}

/**
 * True when the app is written in Python: jsii's Python runtime starts this code's Node.js process with
 * `JSII_AGENT=Python/<version>` (jsii/_kernel/providers/process.py; aws-cdk-lib reads the same variable for its
 * runtime metadata).
 */
export function callerIsPython(): boolean {
  return process.env.JSII_AGENT?.startsWith('Python/') ?? false;
}

/** aws-cdk-lib API names that messages mention, beside this package's own. */
const CDK_NAMES = ['addSubscription', 'acknowledgeWarning', 'fromAsset', 'fromInline', 'notificationTopics', 'reservedConcurrentExecutions', 'fromTopicArn'];

let apiNames: ReadonlySet<string> | undefined;

/** The camelCase names of this package's jsii API (properties, methods, parameters), read from its `.jsii` assembly. */
function jsiiApiNames(): ReadonlySet<string> {
  if (apiNames) return apiNames;
  const names = new Set(CDK_NAMES);
  try {
    const assembly = JSON.parse(fs.readFileSync(path.join(packageRoot(), '.jsii'), 'utf8')) as { types?: Record<string, any> };
    for (const type of Object.values(assembly.types ?? {})) {
      for (const p of type.properties ?? []) names.add(p.name);
      for (const m of [...(type.methods ?? []), type.initializer ?? {}]) {
        if (m.name) names.add(m.name);
        for (const p of m.parameters ?? []) names.add(p.name);
      }
    }
  } catch {
    // No assembly (a source checkout before `npx projen compile`): only aws-cdk-lib's names are translated.
  }
  return (apiNames = names);
}

const snakeCase = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * A message as the caller's language spells this library's API: unchanged for TypeScript/JavaScript; for Python,
 * every camelCase name of the API becomes its snake_case name (`allowUnknownEventTypes` → `allow_unknown_event_types`,
 * `idempotency.recordLifetime` → `idempotency.record_lifetime`), as jsii's Python bindings name them, and settings
 * read as Python code (`set allowUnknownEventTypes: true` → `set allow_unknown_event_types=True`). Other words (the
 * user's own names and values, CloudFormation names) are left alone.
 */
export function forCaller(message: string): string {
  return callerIsPython() ? pythonSpelling(message, jsiiApiNames()) : message;
}

/**
 * `message` as a Python user reads it, given the camelCase API names to translate (`forCaller` passes this package's
 * names, read from its `.jsii` assembly, plus the aws-cdk-lib names messages mention).
 */
export function pythonSpelling(message: string, names: ReadonlySet<string>): string {
  const snake = message.replace(/\b[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+\b/g, (word) => (names.has(word) ? snakeCase(word) : word));
  return pythonLiterals(snake);
}

const PY_CONSTANT: Record<string, string> = { true: 'True', false: 'False', null: 'None', undefined: 'None' };

/**
 * Settings a message shows in TypeScript spelling, as a Python user writes them: `{ enabled: false }` becomes
 * `{"enabled": False}` (a dict, which the Python bindings take for a struct), `name: true` becomes `name=True` and
 * `name: { … }` becomes `name={…}` (keyword arguments). Only braces of literal values (booleans, null, numbers,
 * quoted strings) and `name: true|false|null|undefined` are read as code; other `name: value` text is prose and stays.
 */
function pythonLiterals(message: string): string {
  const constant = (value: string) => PY_CONSTANT[value] ?? value;
  return message
    .replace(/\{ ([^{}]*?) \}/g, (literal, body: string) => {
      const pairs = body.split(/, /).map((pair) => /^([a-z_][a-z0-9_]*): (true|false|null|undefined|-?\d+(?:\.\d+)?|'[^']*')$/.exec(pair));
      if (pairs.some((p) => p === null)) return literal;
      return `{${pairs.map((p) => `"${p![1]}": ${constant(p![2])}`).join(', ')}}`;
    })
    .replace(/\b([a-z_][a-z0-9_]*): (true|false|null|undefined)\b/g, (_, name: string, value: string) => `${name}=${constant(value)}`)
    .replace(/\b([a-z_][a-z0-9_]*): \{"/g, '$1={"');
}

/** An acknowledgeable synth-time warning (`Annotations.addWarningV2`), with the API named as the caller's language spells it. */
export function warn(scope: IConstruct, id: string, message: string): void {
  Annotations.of(scope).addWarningV2(id, forCaller(message));
}
