/**
 * IP addresses and CIDR blocks as EventBridge reads them. AWS documents `cidr` matching for IPv4 and IPv6
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-ip-matching);
 * what counts as an address is Event Ruler's (`CIDR`), which hands strings that look like addresses to
 * Java's `InetAddress`: dotted quads with decimal parts ≤ 255 (leading zeros allowed, at most 15
 * characters), IPv6 groups of any number of hex digits up to 0xffff, and IPv4-mapped IPv6 addresses
 * (`::ffff:a00:1`) read as their IPv4 address.
 *
 * A pattern string that is an address (`["10.0.0.1"]`) matches by address too: `"10.000.0.1"` is the same
 * value. Addresses are compared as upper-case hex digits, as Event Ruler does.
 */
import { StripeEventBridgeError } from '../contract/errors';

/* eslint-disable no-bitwise -- addresses are bytes and masks are bits */

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

export class InvalidCidrError extends StripeEventBridgeError {}

/** Whether the string has the shape Event Ruler tries to read as an IP address. */
export function looksLikeIp(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

function parseIpv4(text: string): number[] | undefined {
  // Java's IPv4 literal syntax: at most 15 characters, each part at most 255.
  if (text.length > 15) return undefined;
  const parts = text.split('.').map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  if (text.length < 2) return undefined;
  const bytes: number[] = [];
  let gap = -1;
  let i = 0;
  if (text[0] === ':') {
    if (text[1] !== ':') return undefined;
    i = 1;
  }
  let sawDigit = false;
  let value = 0;
  while (i < text.length) {
    const ch = text[i++];
    if (ch !== ':') {
      value = (value << 4) | parseInt(ch, 16);
      if (value > 0xffff) return undefined;
      sawDigit = true;
      continue;
    }
    if (!sawDigit) {
      if (gap !== -1) return undefined;
      gap = bytes.length;
      continue;
    }
    if (i === text.length || bytes.length + 2 > 16) return undefined;
    bytes.push(value >> 8, value & 0xff);
    sawDigit = false;
    value = 0;
  }
  if (sawDigit) {
    if (bytes.length + 2 > 16) return undefined;
    bytes.push(value >> 8, value & 0xff);
  }
  if (gap !== -1) {
    if (bytes.length === 16) return undefined;
    const tail = bytes.splice(gap);
    while (bytes.length + tail.length < 16) bytes.push(0);
    bytes.push(...tail);
  }
  if (bytes.length !== 16) return undefined;
  // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 address.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  return bytes;
}

/** The address's bytes (4 or 16), or undefined when the string is not an IP address literal. */
export function parseIp(text: string): number[] | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

/** Upper-case hex digits of an address: the form addresses and ranges are compared in. */
export function ipHex(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out.toUpperCase();
}

export interface CidrRange {
  /** Hex digits of the lowest and highest address in the block (8 digits for IPv4, 32 for IPv6). */
  readonly low: string;
  readonly high: string;
}

function ipBytesOrThrow(text: string): number[] {
  if (!looksLikeIp(text)) throw new InvalidCidrError(`Nonstandard IP address: ${text}`);
  const bytes = parseIp(text);
  if (!bytes) throw new InvalidCidrError(`Invalid IP address: ${text}`);
  return bytes;
}

/** Reads a `cidr` operand, with Event Ruler's error messages. */
export function parseCidr(cidr: string): CidrRange {
  // Java's String.split drops trailing empty strings: "10.0.0.0/8/" is one slash as far as it goes.
  const parts = cidr.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) throw new InvalidCidrError("Malformed CIDR, one '/' required");
  const maskText = parts[1];
  if (!/^[+-]?[0-9]+$/.test(maskText) || Math.abs(Number(maskText)) > 2147483647) {
    throw new InvalidCidrError('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) throw new InvalidCidrError('Malformed CIDR, mask bits must not be negative');
  const base = ipBytesOrThrow(parts[0]);
  if (base.length === 4 && maskBits > 31) throw new InvalidCidrError('IPv4 mask bits must be < 32');
  if (base.length === 16 && maskBits > 127) throw new InvalidCidrError('IPv6 mask bits must be < 128');
  let variable = base.length * 8 - maskBits;
  const low = [...base];
  const high = [...base];
  for (let i = base.length - 1; i >= 0 && variable > 0; i--, variable -= 8) {
    const bits = Math.min(8, variable);
    const hostMask = (1 << bits) - 1;
    low[i] = base[i] & ~hostMask & 0xff;
    high[i] = base[i] | hostMask;
  }
  return { low: ipHex(low), high: ipHex(high) };
}

/** The hex form of a string value if it is an IP address, for `cidr` and address-equality matching. */
export function ipValue(text: string): string | undefined {
  const bytes = parseIp(text);
  return bytes ? ipHex(bytes) : undefined;
}
