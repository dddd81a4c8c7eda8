/**
 * tcpdump's three dump formats (libpcap's bpf_dump and bpf_image):
 *   -d    `(000) ldh      [12]` listings with absolute jump targets `jt 2	jf 5`
 *   -dd   a C array body, `{ 0x28, 0, 0, 0x0000000c },`
 *   -ddd  the instruction count, then `code jt jf k` in decimal, one per line
 * The -d writer follows tcpdump's spelling and radix so its output matches tcpdump's for the
 * programs tcpdump emits; encodings tcpdump cannot print use our raw `.insn` directive.
 */
import { countOf, FormatError } from '../errors.js';
import { insn, assertNever, type Insn, type SockFilter } from '../insn.js';
import { ANCILLARY, SKF_AD_OFF } from '../opcodes.js';
import { checkCount, checkTextSize, resolve } from './asm.js';
import { at, commentFreeLines, numberValue, quote, tokenize } from './lexer.js';
import { Cursor } from './cursor.js';
import { parseInstruction, TCPDUMP_ANCILLARY_ALIASES } from './parse.js';
import { insnParts, rawComment, rawOperand } from './print.js';

const TCPDUMP_NAME: ReadonlyMap<string, string> = new Map(
  Object.entries(TCPDUMP_ANCILLARY_ALIASES).map(([alias, name]) => [name, alias]),
);
/** bpf_image's names for the ancillary offsets (Linux builds of libpcap print them symbolically). */
const ANCILLARY_BY_K: ReadonlyMap<number, string> = new Map(
  ANCILLARY.map((a) => [(SKF_AD_OFF + a.offset) >>> 0, TCPDUMP_NAME.get(a.name) ?? a.name]),
);

const hex = (k: number): string => `#0x${k.toString(16)}`;
const signed = (k: number): string => String(k | 0);

/** bpf_image's operand for a packet offset: the ancillary name on Linux, else signed decimal. */
function packetOperand(k: number): string {
  const name = ANCILLARY_BY_K.get(k);
  return `[${name ?? signed(k)}]`;
}

/** Returns tcpdump -d's mnemonic and operand for one canonical instruction, or undefined. */
function imageParts(i: Insn): { mnemonic: string; operand: string } | undefined {
  const p = insnParts(i);
  if (p.form === 'raw' || i.kind === 'unknown') return undefined;
  const size = { w: 'ld', h: 'ldh', b: 'ldb' } as const;
  switch (i.kind) {
    case 'ld_abs':
      return { mnemonic: size[i.size], operand: packetOperand(i.k) };
    case 'ld_ind':
      return { mnemonic: size[i.size], operand: `[x + ${signed(i.k)}]` };
    case 'ld_imm':
      return { mnemonic: 'ld', operand: hex(i.k) };
    case 'ldx_imm':
      return { mnemonic: 'ldx', operand: hex(i.k) };
    case 'ld_len':
      return { mnemonic: 'ld', operand: '#pktlen' };
    case 'ldx_len':
      return { mnemonic: 'ldx', operand: '#pktlen' };
    case 'ld_mem':
      return { mnemonic: 'ld', operand: `M[${signed(i.k)}]` };
    case 'ldx_mem':
      return { mnemonic: 'ldx', operand: `M[${signed(i.k)}]` };
    case 'st':
    case 'stx':
      return { mnemonic: i.kind, operand: `M[${signed(i.k)}]` };
    case 'ldx_msh':
      return { mnemonic: 'ldxb', operand: `4*([${signed(i.k)}]&0xf)` };
    case 'ld_tailzero':
      return { mnemonic: 'ldtz', operand: hex(i.k) };
    case 'alu': {
      // bpf_image prints the bitwise operations in hex and the arithmetic ones in decimal.
      const bitwise = i.op === 'and' || i.op === 'or' || i.op === 'xor';
      return { mnemonic: i.op, operand: i.src === 'x' ? 'x' : bitwise ? hex(i.k) : `#${signed(i.k)}` };
    }
    case 'jmp':
      return { mnemonic: i.op, operand: i.src === 'x' ? 'x' : hex(i.k) };
    case 'ret_k':
      return { mnemonic: 'ret', operand: `#${signed(i.k)}` };
    case 'ret_a':
      return { mnemonic: 'ret', operand: '' };
    case 'neg':
    case 'tax':
    case 'txa':
      return { mnemonic: i.kind, operand: '' };
    case 'ja':
      return { mnemonic: 'ja', operand: '' };
    default:
      return assertNever(i);
  }
}

/** Writes a program as tcpdump -d prints it. */
export function writeTcpdumpD(program: readonly SockFilter[]): string {
  return program
    .map((f, pc) => {
      const i = insn(f.code, f.jt, f.jf, f.k);
      const head = `(${String(pc).padStart(3, '0')})`;
      const parts = imageParts(i);
      if (parts === undefined) return `${head} ${'.insn'.padEnd(8)} ${rawOperand(i)}${rawComment(i, (off) => String(pc + 1 + off))}\n`;
      // bpf_image prints the target as a C int: a backward ja shows its wrapped target, a far one goes negative.
      if (i.kind === 'ja') return `${head} ${'ja'.padEnd(8)} ${(pc + 1 + i.k) | 0}\n`;
      if (i.kind === 'jmp') {
        return `${head} ${parts.mnemonic.padEnd(8)} ${parts.operand.padEnd(16)} jt ${pc + 1 + i.jt}\tjf ${pc + 1 + i.jf}\n`;
      }
      return `${head} ${parts.mnemonic.padEnd(8)} ${parts.operand}\n`;
    })
    .join('');
}

/** Reads tcpdump -d text (ours or tcpdump's). Each line must be numbered in order from (000). */
export function readTcpdumpD(text: string): Insn[] {
  checkTextSize(text);
  const out: Insn[] = [];
  commentFreeLines(text).forEach((source, index) => {
      const line = index + 1;
      if (source.trim() === '') return;
      // The "(000)" prefix is decimal with leading zeros, which bpf_asm's number syntax reads as octal.
      const head = /^(\s*)\(\s*([0-9]{1,9})\s*\)/.exec(source);
      const column = (/^\s*/.exec(source)?.[0].length ?? 0) + 1;
      if (head === null) throw new FormatError('SYNTAX', 'expected an instruction number such as (000)', at(line, column));
      const numbered = Number.parseInt(head[2]!, 10);
      if (numbered !== out.length) {
        throw new FormatError('SYNTAX', `expected instruction (${String(out.length).padStart(3, '0')}), found (${head[2]})`, at(line, column));
      }
      const rest = ' '.repeat(head[0].length) + source.slice(head[0].length);
      const c = new Cursor(tokenize(rest, line), line, source.length + 1);
      checkCount(out.length + 1, line, column);
      out.push(resolve(parseInstruction(c, 'd'), out.length, line, () => undefined));
    });
  return out;
}

/** Writes a program as tcpdump -dd prints it: one C initializer per instruction. */
export function writeTcpdumpDd(program: readonly SockFilter[]): string {
  return program
    .map((f) => `{ 0x${f.code.toString(16)}, ${f.jt}, ${f.jf}, 0x${f.k.toString(16).padStart(8, '0')} },\n`)
    .join('');
}

/** Writes a program as tcpdump -ddd prints it: the count, then decimal fields. */
export function writeTcpdumpDdd(program: readonly SockFilter[]): string {
  return `${program.length}\n${program.map((f) => `${f.code} ${f.jt} ${f.jf} ${f.k}\n`).join('')}`;
}

const FIELD_MAX = [0xffff, 0xff, 0xff, 0xffffffff] as const;
const FIELD_NAMES = ['code', 'jt', 'jf', 'k'] as const;

/** Reads four numbers (as lexed) into sock_filter fields; k may be negative (taken as u32). */
function fourFields(nums: readonly { text: string; column: number }[], line: number): Insn {
  const values = nums.map(({ text, column }, n) => {
    const value = numberValue(text);
    const max = FIELD_MAX[n as 0 | 1 | 2 | 3];
    const min = n === 3 ? -0x80000000 : 0;
    if (Number.isNaN(value)) throw new FormatError('BAD_NUMBER', `bad number ${quote(text)}`, at(line, column));
    if (!(value >= min && value <= max)) {
      throw new FormatError('OUT_OF_RANGE', `${FIELD_NAMES[n as 0 | 1 | 2 | 3]} ${text} is outside ${min}..${max}`, at(line, column));
    }
    return value >>> 0;
  });
  return insn(values[0]!, values[1]!, values[2]!, values[3]!);
}

const NUMBER_RE = '(-?[0-9][0-9A-Za-z]*)';
const DD_ITEM = new RegExp(`\\{\\s*${NUMBER_RE}\\s*,\\s*${NUMBER_RE}\\s*,\\s*${NUMBER_RE}\\s*,\\s*${NUMBER_RE}\\s*\\}\\s*,?`, 'y');

/** Reads tcpdump -dd text: `{ code, jt, jf, k },` items (C comments allowed between them). */
export function readTcpdumpDd(text: string): Insn[] {
  checkTextSize(text);
  const out: Insn[] = [];
  commentFreeLines(text, { slashSlash: true }).forEach((source, index) => {
      const line = index + 1;
      let i = 0;
      while (i < source.length) {
        if (/\s/.test(source[i]!)) {
          i++;
          continue;
        }
        DD_ITEM.lastIndex = i;
        const m = DD_ITEM.exec(source);
        if (m === null) throw new FormatError('SYNTAX', `expected { code, jt, jf, k }, found ${quote(source.slice(i))}`, at(line, i + 1));
        checkCount(out.length + 1, line, i + 1);
        const nums = [1, 2, 3, 4].map((g) => ({ text: m[g]!, column: i + 1 + m[0].indexOf(m[g]!) }));
        out.push(fourFields(nums, line));
        i += m[0].length;
      }
    });
  return out;
}

/**
 * Reads tcpdump -ddd text; a count that disagrees with the lines that follow is BAD_COUNT.
 * Commas separate records like line breaks, so bpf_asm's one-line output (`4,40 0 0 12,…`)
 * reads too.
 */
export function readTcpdumpDdd(text: string): Insn[] {
  checkTextSize(text);
  const out: Insn[] = [];
  let count: { value: number; line: number; column: number } | undefined;
  // One sticky scan over the text: words, record separators (comma, line break) and blanks.
  const token = /[^\S\n]+|(\n)|(,+)|([^\s,]+)/y;
  let line = 1;
  let lineStart = 0;
  let words: { text: string; column: number }[] = [];
  const endRecord = (): void => {
    if (words.length === 0) return;
    const first = words[0]!;
    if (count === undefined) {
      if (words.length !== 1 || !/^[0-9]+$/.test(first.text)) {
        throw new FormatError('SYNTAX', 'expected the instruction count first', at(line, first.column));
      }
      const value = numberValue(first.text.replace(/^0+(?=.)/, ''));
      checkCount(value, line, first.column);
      count = { value, line, column: first.column };
    } else {
      if (words.length !== 4) {
        throw new FormatError('SYNTAX', `expected 4 decimal fields (code jt jf k), found ${words.length}`, at(line, first.column));
      }
      for (const w of words) {
        if (!/^-?[0-9]+$/.test(w.text)) throw new FormatError('BAD_NUMBER', `bad decimal number ${quote(w.text)}`, at(line, w.column));
      }
      if (out.length === count.value) {
        throw new FormatError('BAD_COUNT', `count says ${countOf(count.value, 'instruction')} but more follow`, at(line, first.column));
      }
      // Decimal only: strip leading zeros so "010" is not read as octal.
      out.push(fourFields(words.map((w) => ({ text: w.text.replace(/^(-?)0+(?=[0-9])/, '$1'), column: w.column })), line));
    }
    words = [];
  };
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    if (m[3] !== undefined) {
      if (words.length === 4) {
        throw new FormatError('SYNTAX', 'expected 4 decimal fields (code jt jf k), found more', at(line, m.index - lineStart + 1));
      }
      words.push({ text: m[3], column: m.index - lineStart + 1 });
    } else if (m[1] !== undefined || m[2] !== undefined) {
      endRecord();
      if (m[1] !== undefined) {
        line++;
        lineStart = m.index + 1;
      }
    }
  }
  endRecord();
  if (count === undefined) return [];
  if (out.length !== count.value) {
    throw new FormatError('BAD_COUNT', `count says ${countOf(count.value, 'instruction')} but ${out.length} follow`, at(count.line, count.column));
  }
  return out;
}
