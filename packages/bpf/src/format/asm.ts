/**
 * The assembler for bpf_asm text: labels (`name:`, alone or before an instruction), `;` and
 * C-style comments, the mnemonics of parse.ts. Two passes: parse every line, then resolve jump
 * targets, which must lie ahead (classic BPF only jumps forward) and, for conditional jumps,
 * within 255 instructions.
 */
import { FormatError } from '../errors.js';
import { insn, type Insn } from '../insn.js';
import { at, commentFreeLines, quote, tokenize } from './lexer.js';
import { Cursor } from './cursor.js';
import { parseInstruction, type ParsedInsn, type TargetRef } from './parse.js';

/** The most instructions any text reader accepts (sock_fprog.len is a u16). */
export const MAX_TEXT_INSNS = 0xffff;
/** The longest text any reader accepts, in UTF-16 code units. */
export const MAX_TEXT_LENGTH = 16 * 1024 * 1024;
/** The most labels a program may define (a few per instruction is plenty). */
export const MAX_LABELS = 4 * MAX_TEXT_INSNS;

/** Refuses text too long to be a program before any work is done on it. */
export function checkTextSize(text: string): void {
  if (text.length > MAX_TEXT_LENGTH) {
    throw new FormatError('TOO_LONG', `text is ${text.length} characters, more than ${MAX_TEXT_LENGTH}`, at(1, 1));
  }
}

/** Refuses the instruction that would make a text program longer than MAX_TEXT_INSNS. */
export function checkCount(count: number, line: number, column = 1): void {
  if (count > MAX_TEXT_INSNS) {
    throw new FormatError('TOO_LONG', `program has more than ${MAX_TEXT_INSNS} instructions`, at(line, column));
  }
}

/**
 * Turns a parsed instruction at `pc` into a typed one, resolving its jump targets to offsets
 * (`label` looks up label names).
 */
export function resolve(
  parsed: ParsedInsn,
  pc: number,
  line: number,
  label: (name: string) => number | undefined,
): Insn {
  const f = { ...parsed.fields };
  for (const { field, ref } of parsed.targets) {
    f[field] = offsetOf(ref, pc, line, parsed.wide, label);
  }
  return insn(f.code, f.jt, f.jf, f.k);
}

function offsetOf(
  ref: TargetRef,
  pc: number,
  line: number,
  wide: boolean,
  label: (name: string) => number | undefined,
): number {
  if (ref.kind === 'relative') return ref.offset;
  let dest: number;
  let name: string;
  if (ref.kind === 'label') {
    const found = label(ref.name);
    if (found === undefined) {
      throw new FormatError('UNDEFINED_LABEL', `undefined label ${quote(ref.name)}`, at(line, ref.column));
    }
    dest = found;
    name = `label ${quote(ref.name)} (instruction ${found})`;
  } else {
    dest = ref.pc;
    name = `instruction ${ref.pc}`;
    // tcpdump prints `ja` targets modulo 2^32, so a backward ja (libpcap's protochain) reads back.
    if (wide) return (dest - pc - 1) >>> 0;
  }
  const offset = dest - pc - 1;
  if (offset < 0) {
    throw new FormatError('BACKWARD_JUMP', `jump from instruction ${pc} to ${name} goes backward`, at(line, ref.column));
  }
  if (!wide && offset > 0xff) {
    throw new FormatError(
      'JUMP_TOO_FAR',
      `conditional jump from instruction ${pc} to ${name} is ${offset} instructions, more than 255`,
      at(line, ref.column),
    );
  }
  return offset;
}

const NON_BLANK = /\S/;

/** Assembles bpf_asm text into instructions. Throws FormatError naming the line and column. */
export function assemble(text: string): Insn[] {
  checkTextSize(text);
  const lines = commentFreeLines(text);
  const labels = new Map<string, number>();
  const pending: { parsed: ParsedInsn; line: number }[] = [];
  lines.forEach((source, index) => {
    if (!NON_BLANK.test(source)) return;
    const line = index + 1;
    const c = new Cursor(tokenize(source, line), line, source.length + 1);
    for (let t = c.peek(); t?.type === 'ident' && c.isPunct(':', 1); t = c.peek()) {
      if (t.text.startsWith('%')) c.fail('SYNTAX', `bad label name ${quote(t.text)}`);
      if (labels.has(t.text)) {
        throw new FormatError('DUPLICATE_LABEL', `label ${quote(t.text)} is defined twice`, at(line, t.column));
      }
      if (labels.size === MAX_LABELS) {
        throw new FormatError('TOO_LONG', `more than ${MAX_LABELS} labels`, at(line, t.column));
      }
      labels.set(t.text, pending.length);
      c.next();
      c.next();
    }
    if (c.peek() === undefined) return;
    checkCount(pending.length + 1, line, c.column());
    pending.push({ parsed: parseInstruction(c, 'asm'), line });
  });
  return pending.map(({ parsed, line }, pc) => resolve(parsed, pc, line, (name) => labels.get(name)));
}
