/**
 * Whole programs to bpf_asm text: one instruction per line, a label `L<pc>:` only where some
 * jump lands. Targets past the end of the program (which the verifier rejects) print as `+off`
 * so that every program, valid or not, reassembles to the same bytes.
 */
import type { SockFilter } from '../insn.js';
import { extraComment, type FormatOptions, insnParts, partsText, rawComment } from './print.js';

/** Disassembles a program into bpf_asm text that `assemble` turns back into the same bytes. */
export function disassemble(program: readonly SockFilter[], options: FormatOptions = {}): string {
  const parts = program.map(insnParts);
  const landing = new Set<number>();
  // Render once to learn which targets the printed forms name (one-target forms name one).
  parts.forEach((p, pc) => {
    partsText(p, (off) => {
      if (pc + 1 + off < program.length) landing.add(pc + 1 + off);
      return '';
    });
  });
  const lines: string[] = [];
  parts.forEach((p, pc) => {
    if (landing.has(pc)) lines.push(`L${pc}:`);
    const target = (off: number): string => (pc + 1 + off < program.length ? `L${pc + 1 + off}` : `+${off}`);
    const ins = program[pc]!;
    lines.push(`  ${partsText(p, target)}${rawComment(ins, target)}${extraComment(ins, options)}`);
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
