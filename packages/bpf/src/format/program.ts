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
/** Bytes a struct sock_filter has: u16 code, u8 jt, u8 jf, u32 k. */
const SOCK_FILTER_SIZE = 8;
/** Share of text-like bytes above which bytes that are neither clean text nor a plausible program count as text. */
const TEXT_SHARE = 0.9;

/** Holds what detectInput decided; `assumed` says why when the bytes could have been either text or binary. */
export interface Detection {
  readonly format: ProgramFormat;
  readonly assumed?: string;
}

/** The format of clean text, by its first line. */
function textFormat(text: string): Exclude<ProgramFormat, 'bin'> {
  const first = /^\s*(\S[^\n]*)/.exec(text)?.[1]?.trim() ?? '';
  if (/^[0-9]+\s*(,|$)/.test(first)) return 'ddd';
  if (/^\(\s*[0-9]+\s*\)/.test(first)) return 'd';
  if (/^[ \t]*\{/m.test(text)) return 'dd';
  return 'asm';
}

/** The byte offset of the first byte that is not text (bad UTF-8 or a control character), or -1. */
function firstNonText(bytes: Uint8Array): number {
  const bad = invalidUtf8Offset(bytes);
  const limit = bad === -1 ? bytes.length : bad;
  for (let i = 0; i < limit; i++) if (BINARY_CHARS.test(String.fromCharCode(bytes[i]!))) return i;
  return bad;
}

/**
 * Why `bytes` cannot be a binary program, or null when they can: a whole number of 8-byte
 * records, each with a code below 0x100 (every classic opcode is), so the code's high byte is
 * zero in one byte order for every record.
 */
function notBinary(bytes: Uint8Array): string | null {
  if (bytes.length === 0 || bytes.length % SOCK_FILTER_SIZE !== 0) return `${bytes.length} bytes is not a whole number of 8-byte instructions`;
  for (const hi of [1, 0]) {
    let all = true;
    for (let i = hi; i < bytes.length && all; i += SOCK_FILTER_SIZE) all = bytes[i] === 0;
    if (all) return null;
  }
  return 'some instruction has an opcode above 0xff in either byte order';
}

/** The share of characters that are text once decoded as UTF-8 (not U+FFFD for a bad byte, not control). */
function textShare(bytes: Uint8Array): number {
  const chars = [...new TextDecoder().decode(bytes)];
  const text = chars.filter((c) => c !== '\ufffd' && !BINARY_CHARS.test(c)).length;
  return chars.length === 0 ? 1 : text / chars.length;
}

/**
 * Decides text or binary, then the text format. Clean UTF-8 text without control characters is
 * text; other bytes that can be a binary program (see notBinary) are `bin`. Bytes that are
 * neither are decided by their share of text-like bytes (90%: one stray byte in an assembly file
 * stays text, where its parser names it), and `assumed` says what was assumed and why.
 */
export function detectInput(input: Uint8Array | string): Detection {
  if (typeof input === 'string') return { format: textFormat(input) };
  const bad = firstNonText(input);
  if (bad === -1) return { format: textFormat(new TextDecoder().decode(input)) };
  const why = notBinary(input);
  if (why === null) return { format: 'bin' };
  const byte = `byte ${bad} (0x${input[bad]!.toString(16).padStart(2, '0')}) is not text`;
  const share = textShare(input);
  if (share >= TEXT_SHARE) {
    return {
      format: textFormat(new TextDecoder().decode(input)),
      assumed: `read as text: ${byte}, but ${why}, so it is no binary program either`,
    };
  }
  return { format: 'bin', assumed: `read as a binary program: ${byte} and only ${Math.floor(share * 100)}% of it is text` };
}

/**
 * Guesses the format (detectInput without its reason): clean text whose first line is a lone
 * number (or bpf_asm's `n,code jt jf k,…`) is `ddd`, starting with `(000)` is `d`, with a line
 * starting with `{` is `dd`, other text `asm`; bytes that are not text are `bin` unless they are
 * mostly text and cannot be a binary program.
 */
export function detectFormat(input: Uint8Array | string): ProgramFormat {
  return detectInput(input).format;
}

/** Options for readProgram. */
export interface ReadOptions {
  /** Forces a format instead of guessing. */
  readonly format?: ProgramFormat;
  /** Byte order of `bin` input (default little-endian). */
  readonly endian?: Endian;
}

/**
 * Reads a program in any format; throws only FormatError for bad input. When the format was
 * guessed from bytes that could have been either text or binary, `assumed` says what was assumed,
 * and a FormatError's message ends with it.
 */
export function readProgram(
  input: Uint8Array | string,
  options: ReadOptions = {},
): { insns: Insn[]; format: ProgramFormat; assumed?: string } {
  if (options.format !== undefined) return readAs(input, options.format, options);
  const { format, assumed } = detectInput(input);
  if (assumed === undefined) return readAs(input, format, options);
  try {
    return { ...readAs(input, format, options), assumed };
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    const named = new FormatError(error.code, `${error.message} (${assumed})`);
    throw Object.assign(named, { where: error.where });
  }
}

function readAs(input: Uint8Array | string, format: ProgramFormat, options: ReadOptions): { insns: Insn[]; format: ProgramFormat } {
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
