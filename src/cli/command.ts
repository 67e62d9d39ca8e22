/**
 * What a `stripe-eventbridge` subcommand is. Each lives in its own module under `commands/`, named after
 * the command (`commands/test-pattern.ts` is `stripe-eventbridge test-pattern`) and exporting `command`:
 * adding a subcommand is adding that one file.
 */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Reads a file, or standard input for "-". */
  readonly readInput: (file: string) => string;
}

export interface CliCommand {
  /** One line for the command list. */
  readonly summary: string;
  /** The command's full help text. */
  readonly help: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

/** Exit codes shared by all commands. */
export const EXIT_OK = 0;
export const EXIT_NO = 1;
export const EXIT_INVALID = 2;

export interface OptionSpec {
  /** Options that take a value (`--pattern file` or `--pattern=file`). */
  readonly values: readonly string[];
  /** Options that are on when present. */
  readonly flags: readonly string[];
}

export interface ParsedOptions {
  readonly values: Record<string, string>;
  readonly flags: Set<string>;
}

/** Parses `--name value`, `--name=value` and `--flag`; anything else is a usage error. */
export function parseOptions(args: readonly string[], spec: OptionSpec): ParsedOptions {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument '${arg}'`);
    const [, name, inline] = m;
    if (spec.flags.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.values.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (name in values) throw new UsageError(`--${name} is given twice`);
      values[name] = value;
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { values, flags };
}
