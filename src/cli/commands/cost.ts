/**
 * `stripe-eventbridge cost`: the fixed monthly cost of a synthesized app (see src/cli/cost/fixed-cost.ts).
 */
import { CliCommand, EXIT_OK, parseOptions, UsageError } from '../command';
import { fixedMonthlyCost, formatFixedCost } from '../cost/fixed-cost';

const HELP = `Usage:
  stripe-eventbridge cost --synth <cdk.out> [--json]

Prints what a synthesized app costs every month whether or not any event arrives: alarms (by alarm
metric and resolution), dashboards, KMS keys, custom metrics emitted without events, secrets; every
stack and nested stack of the app. us-east-1 list prices, free tiers left out; then the total with
CloudWatch's free tier (10 alarm metrics, 10 custom metrics, 3 dashboards of up to 50 metrics each, per
account), as if nothing else in the account used it. Also prints, apart, the most the wrapper's custom
metrics can cost once events flow.

Options:
  --synth <dir>  A synthesized app (cdk.out).
  --json         Print the figures as JSON.`;

export const command: CliCommand = {
  summary: 'Print the fixed monthly cost of a synthesized app (alarms, dashboards, keys, …)',
  help: HELP,
  async run(args, io) {
    const options = parseOptions(args, { values: ['synth'], flags: ['json'] });
    const dir = options.values.synth;
    if (!dir) throw new UsageError('--synth is required');
    const cost = fixedMonthlyCost(dir);
    io.out(options.flags.has('json') ? JSON.stringify(cost, undefined, 2) : formatFixedCost(cost));
    return EXIT_OK;
  },
};
