/**
 * The scale tests' apps (scale-apps.ts: 300 handlers on one bus, and examples/babes-club) through the tools that run
 * as processes: AWS's CloudFormation linter, and the bundled CLI's cost report. Their templates are checked in
 * scale.test.ts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { synthScaleApps } from './scale-apps';
import { cfnLint } from '../support/cfn-lint';
import { REPO_ROOT } from '../support/readme';

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

test('the CLI prints the fixed monthly cost report of the README\'s table (scale.test.ts checks the table)', () => {
  const out = execFileSync('node', [path.join(REPO_ROOT, 'assets', 'cli', 'index', 'index.js'), 'cost', '--synth', path.join(OUT, 'babes-club')], { encoding: 'utf8' });
  expect(out).toContain('Fixed monthly cost (us-east-1 list prices, free tiers left out):');
  expect(out).toMatch(/alarms, standard resolution +13 × +\$0\.10 +\$1\.30/);
});
