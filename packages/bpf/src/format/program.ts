/**
 * One door for every format: `detectFormat` guesses, `readProgram` reads (guessing unless told),
 * `writeProgram` writes. Formats: `bin` (struct sock_filter array), `asm` (bpf_asm), and
 * tcpdump's `d`, `dd`, `ddd`.
 */
import { decodeProgram, encodeProgram, type Endian } from '../binary.js';
import { FormatError } from '../errors.js';
import type { Insn, SockFilter } from '../insn.js';
import { assemble } from './asm.js';
import { disassemble } from './disasm.js';
import { readTcpdumpD, readTcpdumpDd, readTcpdumpDdd, writeTcpdumpD, writeTcpdumpDd, writeTcpdumpDdd } from './tcpdump.js';

/** Every program format, by the name readProgram, writeProgram and the CLI use. */
export const FORMATS = ['bin', 'asm', 'd', 'dd', 'ddd'] as const;
/** A program format name. */
export type ProgramFormat = (typeof FORMATS)[number];

/** Checks that a string names a format (for command lines and other untrusted callers). */
export function isProgramFormat(name: string): name is ProgramFormat {
  return (FORMATS as readonly string[]).includes(name);
}

/** Returns the byte offset of the first invalid UTF-8 sequence, or -1 if the bytes are valid UTF-8. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const [len, min] = b >= 0xc2 && b <= 0xdf ? [2, 0x80] : b >= 0xe0 && b <= 0xef ? [3, 0x800] : b >= 0xf0 && b <= 0xf4 ? [4, 0x10000] : [0, 0];
    if (len === 0 || i + len > bytes.length) return i;
    let cp = b & (0xff >> (len + 1));
    for (let j = 1; j < len; j++) {
      const c = bytes[i + j]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return -1;
}

// Control characters other than tab, line feed, vertical tab, form feed and carriage return.
const BINARY_CHARS = /[\x00-\x08\x0e-\x1f\x7f]/;

/**
 * Guesses the format: bytes that are not UTF-8 text (or contain control characters) are
 * `bin`; text whose first line is a lone number (or bpf_asm's `n,code jt jf k,…`) is `ddd`, starting with `(000)` is `d`,
 * with a line starting with `{` is `dd`; anything else is `asm`.
 */
export function detectFormat(input: Uint8Array | string): ProgramFormat {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    if (invalidUtf8Offset(input) !== -1) return 'bin';
    text = new TextDecoder().decode(input);
  }
  if (BINARY_CHARS.test(text)) return 'bin';
  const first = /^\s*(\S[^\n]*)/.exec(text)?.[1]?.trim() ?? '';
  if (/^[0-9]+\s*(,|$)/.test(first)) return 'ddd';
  if (/^\(\s*[0-9]+\s*\)/.test(first)) return 'd';
  if (/^[ \t]*\{/m.test(text)) return 'dd';
  return 'asm';
}

/** Options for readProgram. */
export interface ReadOptions {
  /** Forces a format instead of guessing. */
  readonly format?: ProgramFormat;
  /** Byte order of `bin` input (default little-endian). */
  readonly endian?: Endian;
}

/** Reads a program in any format; throws only FormatError for bad input. */
export function readProgram(
  input: Uint8Array | string,
  options: ReadOptions = {},
): { insns: Insn[]; format: ProgramFormat } {
  const format = options.format ?? detectFormat(input);
  if (!isProgramFormat(format)) throw new FormatError('UNKNOWN_FORMAT', `unknown format ${JSON.stringify(String(format))}`);
  if (format === 'bin') {
    if (typeof input === 'string') throw new FormatError('UNKNOWN_FORMAT', 'binary input must be bytes, not text');
    return { insns: decodeProgram(input, options.endian === undefined ? {} : { endian: options.endian }), format };
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const bad = invalidUtf8Offset(input);
    if (bad !== -1) throw new FormatError('SYNTAX', `${format} input is not UTF-8 text`, { kind: 'byte', offset: bad });
    text = new TextDecoder().decode(input);
  }
  return { insns: readText(text, format), format };
}

function readText(text: string, format: Exclude<ProgramFormat, 'bin'>): Insn[] {
  switch (format) {
    case 'asm':
      return assemble(text);
    case 'd':
      return readTcpdumpD(text);
    case 'dd':
      return readTcpdumpDd(text);
    case 'ddd':
      return readTcpdumpDdd(text);
    default:
      throw new FormatError('UNKNOWN_FORMAT', `unknown format ${JSON.stringify(String(format))}`);
  }
}

/** Writes a program: bytes for `bin`, text for the others. */
export function writeProgram(program: readonly SockFilter[], format: 'bin', options?: { endian?: Endian }): Uint8Array;
export function writeProgram(program: readonly SockFilter[], format: Exclude<ProgramFormat, 'bin'>): string;
export function writeProgram(program: readonly SockFilter[], format: ProgramFormat, options?: { endian?: Endian }): Uint8Array | string;
export function writeProgram(
  program: readonly SockFilter[],
  format: ProgramFormat,
  options: { endian?: Endian } = {},
): Uint8Array | string {
  switch (format) {
    case 'bin':
      return encodeProgram(program, options.endian === undefined ? {} : { endian: options.endian });
    case 'asm':
      return disassemble(program);
    case 'd':
      return writeTcpdumpD(program);
    case 'dd':
      return writeTcpdumpDd(program);
    case 'ddd':
      return writeTcpdumpDdd(program);
    default:
      throw new FormatError('UNKNOWN_FORMAT', `unknown format ${JSON.stringify(String(format))}`);
  }
}
