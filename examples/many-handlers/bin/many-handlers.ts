#!/usr/bin/env node
/**
 * One integration with many handlers (300 by default, the rules one bus allows), each its own event type,
 * function and rule:
 *
 *   cd examples/many-handlers && npx cdk synth                 # 300 handlers; no AWS account needed
 *   npx cdk synth -c handlers=100
 */
import { App } from 'aws-cdk-lib';
import { ManyHandlersStack } from '../lib/many-handlers-stack';

const app = new App();
new ManyHandlersStack(app, 'ManyHandlers', { handlers: Number(app.node.tryGetContext('handlers') ?? 300) });
