/**
 * What a `stripe-eventbridge` subcommand is. Each lives in its own module under `commands/`, named after
 * the command (`commands/test-pattern.ts` is `stripe-eventbridge test-pattern`) and exporting `command`:
 * adding a subcommand is adding that one file.
 */
import * as fs from 'node:fs';
import { StripeEventBridgeError } from '../contract/errors';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Reads a file, or standard input for "-". */
  readonly readInput: (file: string) => string;
  /**
   * Reads a file, or standard input for "-", as bytes.
   * @default - the file system and the process's standard input (see readInputBytes)
   */
  readonly readBytes?: (file: string) => Uint8Array;
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
export class UsageError extends StripeEventBridgeError {}

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

/** The http(s) URL given to `--name` (unchanged), or a usage error saying what is wrong. */
export function urlOption(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) throw new UsageError(`--${name} needs an http:// or https:// URL, e.g. http://127.0.0.1:8000, not '${value}'`);
  return value;
}

/** Whether a URL names this machine (a loopback address), where DynamoDB Local takes any credentials. */
export function onThisMachine(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/** The bytes of a file, or of standard input for "-". */
export function readInputBytes(io: CliIo, file: string): Uint8Array {
  return io.readBytes ? io.readBytes(file) : fs.readFileSync(file === '-' ? 0 : file);
}

/** How a command names an input in messages: its path, or "standard input" for "-". */
export function inputName(file: string): string {
  return file === '-' ? 'standard input' : file;
}

/**
 * The first place where `bytes` are not well-formed UTF-8 (RFC 3629): its offset, and how many bytes there
 * fail to make a character (1 for a byte that cannot start one, more for a character cut short).
 */
export function findInvalidUtf8(bytes: Uint8Array): { offset: number; length: number } | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // The length of the sequence, and the range of its second byte (which rules out overlong forms,
    // surrogates and code points past U+10FFFF); the bytes after it are continuation bytes.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else {
      return { offset: i, length: 1 };
    }
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      const ok = i + k < bytes.length && (k === 1 ? c >= low && c <= high : c >= 0x80 && c <= 0xbf);
      if (!ok) return { offset: i, length: k };
    }
    i += length;
  }
  return undefined;
}
