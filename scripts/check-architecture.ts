/**
 * Checks the rules the source layout promises (CONTRIBUTING.md, "Architecture"), so they cannot erode
 * silently. Each job is a module of scripts/architecture/:
 *
 * 1. cycles.ts: no import cycle among the modules of src/, type-only imports and re-exports included;
 * 2. file-length.ts: no hand-written file in src/ above 500 lines, and a warning above 400 (generated files
 *    are exempt): files split along their jobs, not at a line count;
 * 3. folder-rules.ts: each area imports only what may run where it runs:
 *    - src/contract/    imports nothing at all (it is shared by synth-time, Lambda and CLI code);
 *    - src/package/     finds the installed package and its bundled assets; imports src/contract/ only, and is
 *                       shared by the constructs and the CLI;
 *    - src/lambda/      imports src/contract/ and its own folder, and packages, never constructs or the CLI;
 *                       the reconciliation function (lambda/reconcile/) also imports src/reconcile/;
 *    - src/event-pattern/ and src/cloud-assembly/  import each other and src/contract/ only;
 *    - src/reconcile/   imports src/contract/ and the matcher: the reconciliation that the CLI and the
 *                       scheduled Lambda function both run, routing Stripe events exactly as the rules would;
 *    - constructs (src/*.ts, src/private/) import src/contract/, src/package/ and the matcher, never src/lambda/
 *                       or src/cli/;
 *    - src/cli/ may import anything but constructs (it runs on a laptop without aws-cdk-lib);
 *    and inside the constructs' private parts:
 *    - src/private/<construct>/ (integration/, route/, handler/, monitoring/, destination/, bus/) holds what
 *      serves one construct; it imports its own folder and the shared set (src/private/*.ts), never another
 *      construct's folder; the shared set imports no construct's folder;
 *    - nothing in src/private/ imports a public module that declares a class (a construct, a handler, a bus):
 *      the constructs call their parts, never the other way round;
 * 4. error-bases.ts: every error class extends the library's base, StripeEventBridgeError (src/contract/errors.ts;
 *    stripe_eventbridge/errors.py for the Python wrapper), so a user catches anything the library throws.
 *
 * Run by `npm test` (projen task check:architecture); exits 1 with one line per violation; warnings do not fail.
 */
import { findCycles } from './architecture/cycles';
import { checkErrorBases } from './architecture/error-bases';
import { checkFileLengths, MAX_LINES, WARN_LINES } from './architecture/file-length';
import { checkFolderRules } from './architecture/folder-rules';
import { filesUnder, importGraph, SRC } from './architecture/source-files';

const files = filesUnder(SRC);
const lengths = checkFileLengths(files);
const problems = [...findCycles(importGraph(files)), ...lengths.problems, ...checkFolderRules(files), ...checkErrorBases(files)];

for (const warning of lengths.warnings) console.warn(`check:architecture: warning: ${warning}`);
if (problems.length > 0) {
  console.error(`check:architecture: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(
  `check:architecture: ${files.length} modules in src/, no import cycle, none above ${MAX_LINES} lines (${lengths.warnings.length} above ${WARN_LINES}), ` +
    'every import where it may run, every error on the library\'s base',
);
