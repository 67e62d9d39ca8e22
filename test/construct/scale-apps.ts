/**
 * The apps of the scale tests, synthesized as `cdk synth` does (the CDK CLI's context) into a directory of their own: examples/many-handlers with 300 handlers
 * (the most rules a bus allows) and examples/babes-club. scale.test.ts checks their templates; scale.integration.test.ts
 * lints them with cfn-lint and reads them with the CLI. Each test file synthesizes into its own directory, so that
 * files running at the same time never write over each other's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { BabesClubStack } from '../../examples/babes-club/lib/babes-club-stack';
import { ManyHandlersStack } from '../../examples/many-handlers/lib/many-handlers-stack';
import { readCloudAssembly } from '../../src/cloud-assembly/cloud-assembly';
import { CDK_CLI_CONTEXT } from '../support/readme';

export function synthManyHandlers(handlers: number, dir: string) {
  fs.rmSync(dir, { recursive: true, force: true });
  const app = new App({ outdir: dir, context: CDK_CLI_CONTEXT });
  const stack = new ManyHandlersStack(app, 'ManyHandlers', { handlers });
  app.synth();
  return { stack, templates: readCloudAssembly(dir) };
}

/** The 300-handler app into `<out>/300` and The Babes Club's into `<out>/babes-club`. */
export function synthScaleApps(out: string): ReturnType<typeof synthManyHandlers> {
  const result = synthManyHandlers(300, path.join(out, '300'));
  const babes = path.join(out, 'babes-club');
  fs.rmSync(babes, { recursive: true, force: true });
  const app = new App({ outdir: babes, context: CDK_CLI_CONTEXT });
  new BabesClubStack(app, 'BabesClubPayments', { eventSourceName: 'aws.partner/stripe.com/ed_test_EXAMPLE' });
  app.synth();
  return result;
}
