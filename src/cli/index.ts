/**
 * `stripe-eventbridge <command> [options]`: the command-line tools shipped with
 * @babes/stripe-eventbridge. This file only dispatches: each command is a module in `commands/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliCommand, CliIo, EXIT_INVALID, UsageError } from './command';

const NAME = /^[a-z][a-z0-9-]*$/;

/** The command module for `name`, if there is one (esbuild bundles every module of `commands/`). */
function loadCommand(name: string): CliCommand | undefined {
  if (!NAME.test(name)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`./commands/${name}.ts`) as { command?: CliCommand }).command;
  } catch (e) {
    if (/Module not found in bundle|Cannot find module/.test(String(e))) return undefined;
    throw e;
  }
}

/**
 * The names of all commands: from the bundle's build metadata (esbuild's metafile next to the bundle),
 * or from the `commands/` directory when running from source.
 */
export function commandNames(): string[] {
  const meta = path.join(__dirname, 'index.meta.json');
  let files: string[] = [];
  if (fs.existsSync(meta)) {
    files = Object.keys((JSON.parse(fs.readFileSync(meta, 'utf8')) as { inputs: Record<string, unknown> }).inputs);
  } else if (fs.existsSync(path.join(__dirname, 'commands'))) {
    files = fs.readdirSync(path.join(__dirname, 'commands')).map((f) => `commands/${f}`);
  }
  const names = files.map((f) => /(?:^|\/)commands\/([a-z][a-z0-9-]*)\.ts$/.exec(f)?.[1]).filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

function usage(): string {
  const lines = commandNames().map((name) => `  ${name.padEnd(14)} ${loadCommand(name)?.summary ?? ''}`);
  return [
    'Usage: stripe-eventbridge <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `stripe-eventbridge <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT_INVALID : 0;
  }
  const command = loadCommand(name);
  if (!command) {
    io.err(`stripe-eventbridge: unknown command '${name}'\n\n${usage()}`);
    return EXIT_INVALID;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`stripe-eventbridge ${name}: ${e.message}\n\n${command.help}`);
      return EXIT_INVALID;
    }
    throw e;
  }
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readInput: (file) => fs.readFileSync(file === '-' ? 0 : file, 'utf8'),
};

if (require.main === module) {
  // The AWS SDK is bundled into this CLI: its notice that SDK releases after January 2027 will need Node.js 22 (8 lines
  // on Node.js 20, @aws-sdk/core emitWarningIfUnsupportedVersion) is about releases this bundle never takes in.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`stripe-eventbridge: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT_INVALID;
    },
  );
}
