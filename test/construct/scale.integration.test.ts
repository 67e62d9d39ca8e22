/**
 * The scale tests' apps (scale-apps.ts: 300 handlers on one bus, and examples/babes-club) through the tools that run
 * as processes: AWS's CloudFormation linter, and the bundled CLI's cost report, whose figures the docs show. Their
 * templates are checked in scale.test.ts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { synthScaleApps } from './scale-apps';
import { FixedCost, fixedMonthlyCost } from '../../src/cli/cost/fixed-cost';
import { cfnLint } from '../support/cfn-lint';
import { readDoc, readmeBlocks, REPO_ROOT, synthesizeReadmeBlock } from '../support/readme';

const OUT = path.join(REPO_ROOT, '.tmp', 'scale-integration-test');

beforeAll(() => {
  synthScaleApps(OUT);
}, 180_000);

test('cfn-lint finds no error in any template of the 300-handler app and of examples/babes-club', async () => {
  const templates = [path.join(OUT, '300'), path.join(OUT, 'babes-club')].flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(dir, f)));
  expect(templates.length).toBeGreaterThanOrEqual(18);
  const findings = await cfnLint(templates);
  expect(findings.filter((f) => f.rule.startsWith('E'))).toEqual([]);
  // The only warning: W3005, the DependsOn CDK adds from a function to its role's policy alongside the role's GetAtt.
  expect(findings.filter((f) => f.rule !== 'W3005')).toEqual([]);
}, 600_000);

/** What `stripe-eventbridge cost --synth <dir> --json` prints, as the docs tell users to run it after `cdk synth`. */
function costCommand(cdkOut: string): FixedCost {
  return JSON.parse(execFileSync('node', [path.join(REPO_ROOT, 'assets', 'cli', 'index', 'index.js'), 'cost', '--synth', cdkOut, '--json'], { encoding: 'utf8' }));
}

describe("the docs' figures come from these apps", () => {
  const row = (app: string, c: FixedCost) =>
    `| ${app} | ${c.templates} | ${c.resources} (${c.maxResourcesPerTemplate}) | ${c.alarms} | $${c.totalMonthly.toFixed(2)} | $${c.totalMonthlyWithFreeTier.toFixed(2)} | $${c.wrapperMetricsMonthlyAtMost.toFixed(2)} |`;

  test('the fixed monthly cost table is what `stripe-eventbridge cost` prints for the quick start, examples/babes-club and 300 handlers, synthesized as `cdk synth` does', () => {
    const quickstart = readmeBlocks().filter((b) => b.section === 'quickstart-ts');
    // As `cdk synth` writes it (the CLI's context: version reporting adds CDKMetadata to each top-level stack).
    const quickstartOut = synthesizeReadmeBlock(quickstart.find((b) => b.lang === 'ts')!.code, {
      'handlers/orders.js': quickstart.find((b) => b.lang === 'js')!.code,
      'handlers/memberships.js': 'exports.handler = async () => null;\n',
    }, 'cost', { asCdkCli: true });
    const babes = costCommand(path.join(OUT, 'babes-club'));
    const rows = [
      row('quick start', costCommand(quickstartOut)),
      row('`examples/babes-club`', babes),
      row('`examples/many-handlers`, 300 handlers', costCommand(path.join(OUT, '300'))),
    ];
    const page = readDoc('docs/performance-and-cost.md');
    // Every row as the command prints it; a failure lists the rows to paste into docs/performance-and-cost.md.
    expect(rows.filter((r) => !page.includes(`${r}\n`))).toEqual([]);
    // The command's own figures are the library's (src/cli/cost/fixed-cost.ts).
    expect(babes).toEqual(JSON.parse(JSON.stringify(fixedMonthlyCost(path.join(OUT, 'babes-club')))));
    // The target: The Babes Club's default alarms at most $3 a month fixed; with the dashboard, the total within the free tier too.
    expect(babes.lines.find((l) => l.item === 'alarms, standard resolution')!.monthly).toBeLessThanOrEqual(3);
    expect(babes.totalMonthlyWithFreeTier).toBeLessThanOrEqual(3);
  });

  test('the CLI prints the same report as text', () => {
    const out = execFileSync('node', [path.join(REPO_ROOT, 'assets', 'cli', 'index', 'index.js'), 'cost', '--synth', path.join(OUT, 'babes-club')], { encoding: 'utf8' });
    expect(out).toContain('Fixed monthly cost (us-east-1 list prices, free tiers left out):');
    expect(out).toMatch(/alarms, standard resolution +13 × +\$0\.10 +\$1\.30/);
  });
});
