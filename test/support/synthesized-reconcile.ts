/**
 * The reconciliation of a synthesized integration, run on this machine: `stripe-eventbridge reconcile` as users run
 * it (the bundled CLI in a child process), and the handlers' and the scheduled function's real assets from cdk.out in
 * local Lambda execution environments, their tables created in DynamoDB Local from the template.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ddbEndpoint } from './local-stack';
import { LOCAL_AWS_ENV } from '../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../src/cli/local/local-lambda';
import { createLocalTables } from '../../src/cli/local/local-tables';
import type { SynthesizedStack } from '../../src/cli/local/synthesized-stack';
import { ENV_RECONCILE_CONFIG } from '../../src/contract/reconcile';

const CLI = path.join(__dirname, '..', '..', 'assets', 'cli', 'index', 'index.js');

export interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** `stripe-eventbridge reconcile <args>` with DynamoDB Local and `env` (the Lambda endpoint, the Stripe API base, the key). */
export function runReconcileCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'reconcile', ...args], {
      env: {
        PATH: process.env.PATH,
        ...LOCAL_AWS_ENV,
        AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint(),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

export interface LocalHandlers {
  /** By logical id: with --synth, a function is invoked by its logical id (the template gives it no name). */
  readonly functions: Record<string, LocalLambdaFunction>;
  readonly logicalIdOf: Record<string, string>;
}

/**
 * The stack's handler functions of these names, with their tables (created under `tablePrefix`) and the business table
 * the sample handlers write to.
 */
export async function localHandlers(
  ddb: DynamoDBClient,
  stack: SynthesizedStack,
  names: readonly string[],
  options: { readonly tablePrefix: string; readonly businessTable: string; readonly environment?: Record<string, string> },
): Promise<LocalHandlers> {
  const tables = await createLocalTables(ddb, stack.tables, options.tablePrefix);
  const functions: Record<string, LocalLambdaFunction> = {};
  const logicalIdOf: Record<string, string> = {};
  for (const fn of stack.functions.filter((f) => names.includes(f.name))) {
    functions[fn.logicalId] = new LocalLambdaFunction(stack.localSpec(fn, (id) => tables[id], {
      ...LOCAL_AWS_ENV,
      AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint(),
      BUSINESS_TABLE: options.businessTable,
      BUSINESS_TABLE_ENDPOINT: ddbEndpoint(),
      ...options.environment,
    }));
    logicalIdOf[fn.name] = fn.logicalId;
  }
  return { functions, logicalIdOf };
}

/** The stack's scheduled reconciliation function, with the environment its template gives it and `environment` over it. */
export function scheduledReconcileFunction(stack: SynthesizedStack, environment: Record<string, string>): LocalLambdaFunction {
  // The template's value with each `Ref` to a function of the stack as that function's local name (its logical id).
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(resolve).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    if (ref && stack.resources[ref]?.Type === 'AWS::Lambda::Function') return ref;
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  const fn = stack.functions.find((f) => typeof f.rawEnvironment[ENV_RECONCILE_CONFIG] === 'object')!;
  return new LocalLambdaFunction({
    name: 'Reconciliation',
    taskRoot: fn.codeDir,
    handler: fn.handler,
    timeoutSeconds: fn.timeoutSeconds,
    environment: { ...Object.fromEntries(Object.entries(fn.rawEnvironment).map(([k, v]) => [k, resolve(v)])), ...environment },
  });
}
