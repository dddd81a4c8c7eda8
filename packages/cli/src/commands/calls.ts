/**
 * The syscalls `ea-bpf run` feeds a seccomp filter, as the user writes them: the architecture
 * (`--arch`: a name, or any AUDIT_ARCH value, since a filter may test values no name has) and
 * one call per `--inputs` line or `--nr`/`--args`: `nr a0 .. a5`, where nr may be a syscall name
 * of that arch and every field may be negative (the two's complement at the field's width: 32
 * bits for nr, a native long for the arguments, so -100 is AT_FDCWD), with a trailing `# comment`.
 */
import type { Endian } from '@ea/bpf';
import { ARCHES, type ArchName, archOfData, SYSCALL_ARCHES, syscallNumber } from '@ea/seccomp';
import { clip } from '../output.js';

/** Describes the architecture seccomp_data is for: a known one, or a bare AUDIT_ARCH value. */
export interface RunArch {
  /** The arch whose syscall table names resolve against, or null for an unknown AUDIT_ARCH value. */
  readonly name: ArchName | null;
  /** The seccomp_data.arch value. */
  readonly auditArch: number;
  /** Byte order of seccomp_data (little-endian for an unknown value). */
  readonly endian: Endian;
  /** Width of a native long: negative arguments are two's complement at this width. */
  readonly bits: 32 | 64;
}

/** Signals a malformed input line, naming the line (1-based) and column. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}

/** Holds one syscall from an INPUTS line. */
export interface CallInput {
  readonly nr: number;
  readonly args: readonly bigint[];
}

const NUMBER = /^-?(0[xX][0-9a-fA-F]+|[0-9]+)$/;

/**
 * Parses a decimal or 0x-hex integer of `bits` bits, unsigned or negative (then stored as its
 * two's complement: -1 is all ones), or returns why not.
 */
export function parseInteger(text: string, bits: number): bigint | string {
  if (!NUMBER.test(text)) return `${clip(text)} is not a decimal or 0x-hex number`;
  const negative = text.startsWith('-');
  const magnitude = BigInt(negative ? text.slice(1) : text);
  const limit = 1n << BigInt(bits);
  if (negative) {
    if (magnitude > limit / 2n) return `${clip(text)} is below -0x${(limit / 2n).toString(16)} (${bits}-bit)`;
    return (limit - magnitude) % limit;
  }
  return magnitude >= limit ? `${clip(text)} is larger than 0x${(limit - 1n).toString(16)} (${bits}-bit)` : magnitude;
}

/** Parses --arch: a name from SYSCALL_ARCHES or an AUDIT_ARCH number (0xc000003e); returns why not. */
export function parseArch(text: string): RunArch | string {
  const named = SYSCALL_ARCHES.find((a) => a === text);
  if (named !== undefined) return fromName(named);
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text)) {
    return `must be one of ${SYSCALL_ARCHES.join(', ')} or an AUDIT_ARCH number such as 0xc000003e (got ${clip(text)})`;
  }
  const value = BigInt(text);
  if (value > 0xffffffffn) return `${clip(text)} does not fit seccomp_data.arch (32 bits)`;
  const auditArch = Number(value);
  // nr 0 picks x86_64 for AUDIT_ARCH_X86_64; an x32 call is written with X32_SYSCALL_BIT in nr.
  const known = archOfData(auditArch, 0);
  return known === undefined ? { name: null, auditArch, endian: 'le', bits: 64 } : fromName(known.name);
}

function fromName(name: ArchName): RunArch {
  const info = ARCHES[name];
  return { name, auditArch: info.auditArch, endian: info.endian, bits: info.bits };
}

/** Drops a trailing `# comment` (a `#` at the start of the line or after white space). */
export function stripComment(text: string): string {
  const m = /(^|\s)#/.exec(text);
  return m === null ? text : text.slice(0, m.index);
}

function field(arch: RunArch, text: string, index: number): bigint | string {
  if (index > 0) return parseInteger(text, arch.bits);
  if (/^[A-Za-z_]\w*$/.test(text)) {
    if (arch.name === null) return `no syscall table for arch 0x${arch.auditArch.toString(16)}: give nr as a number`;
    const nr = syscallNumber(arch.name, text);
    return nr === undefined ? `${arch.name} has no syscall named ${clip(text)}` : BigInt(nr);
  }
  return parseInteger(text, 32);
}

/** Parses an INPUTS line `nr a0 .. a5 [# comment]`; throws InputError naming the line and column. */
export function parseCallLine(text: string, line: number, arch: RunArch): CallInput {
  const fields: { text: string; column: number }[] = [];
  for (const m of stripComment(text).matchAll(/\S+/g)) fields.push({ text: m[0], column: (m.index ?? 0) + 1 });
  if (fields.length === 0) throw new InputError(line, 1, 'empty line (expected nr and up to 6 arguments)');
  if (fields.length > 7) throw new InputError(line, fields[7]!.column, `${fields.length} fields, at most 7 (nr and 6 arguments)`);
  const values = fields.map((f, i) => {
    const v = field(arch, f.text, i);
    if (typeof v === 'string') throw new InputError(line, f.column, `${i === 0 ? 'nr' : `argument ${i - 1}`}: ${v}`);
    return v;
  });
  return { nr: Number(values[0]!), args: values.slice(1) };
}
