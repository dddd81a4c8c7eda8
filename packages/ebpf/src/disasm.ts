/**
 * Formats instructions in bpf_conformance's assembler syntax (`mov32 %r0, 1`, `ldxdw %r0,
 * [%r1+8]`, `lock fetch add [%r10-8], %r1`, `jne %r1, 5, +2`, `call local +3`), which asm.ts
 * reads back: parse(disassemble(p)) encodes to the same bytes. Jump targets are relative (+N/-N),
 * which the suite's assembler accepts as well as labels.
 */
import type { DecodedProgram } from './decode.js';
import { assertNever, type Insn, lddwValue, type Operand } from './insn.js';
import { BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE } from './opcodes.js';

const r = (n: number): string => `%r${n}`;
const rel = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const mem = (reg: number, off: number): string => `[${r(reg)}${off === 0 ? '' : off < 0 ? off : `+${off}`}]`;
const opnd = (o: Operand): string => ('reg' in o ? r(o.reg) : `${o.imm}`);
const w32 = (width: 32 | 64): string => (width === 32 ? '32' : '');

/** Formats one instruction. */
export function formatInsn(insn: Insn): string {
  switch (insn.kind) {
    case 'alu':
      return `${insn.op}${w32(insn.width)} ${r(insn.dst)}, ${opnd(insn.src)}`;
    case 'neg':
      return `neg${w32(insn.width)} ${r(insn.dst)}`;
    case 'movsx':
      return `movsx${insn.bits}${insn.width} ${r(insn.dst)}, ${r(insn.src)}`;
    case 'end':
      return `${insn.order === 'swap' ? 'bswap' : insn.order}${insn.bits} ${r(insn.dst)}`;
    case 'ldx':
      return `ldx${insn.signed ? 's' : ''}${insn.size} ${r(insn.dst)}, ${mem(insn.src, insn.off)}`;
    case 'st':
      return `st${insn.size} ${mem(insn.dst, insn.off)}, ${insn.imm}`;
    case 'stx':
      return `stx${insn.size} ${mem(insn.dst, insn.off)}, ${r(insn.src)}`;
    case 'atomic': {
      const fetch = insn.fetch && insn.op !== 'xchg' && insn.op !== 'cmpxchg' ? 'fetch ' : '';
      return `lock ${fetch}${insn.op}${insn.size === 'w' ? '32' : ''} ${mem(insn.dst, insn.off)}, ${r(insn.src)}`;
    }
    case 'lddw':
      if (insn.pseudo === BPF_PSEUDO_MAP_VALUE || insn.pseudo === BPF_PSEUDO_MAP_IDX_VALUE) {
        const name = insn.pseudo === BPF_PSEUDO_MAP_VALUE ? 'map_value' : 'map_idx_value';
        return `lddw ${r(insn.dst)}, ${name} ${insn.lo >>> 0}, ${insn.hi}`;
      }
      if (insn.pseudo !== 0) return `lddw ${r(insn.dst)}, pseudo ${insn.pseudo} 0x${lddwValue(insn).toString(16)}`;
      return `lddw ${r(insn.dst)}, 0x${lddwValue(insn).toString(16)}`;
    case 'ldabs':
      return `ldabs${insn.size} ${insn.imm}`;
    case 'ldind':
      return `ldind${insn.size} ${r(insn.src)}, ${insn.imm}`;
    case 'ja':
      return `${insn.long ? 'ja32' : 'ja'} ${rel(insn.off)}`;
    case 'jmp':
      return `${insn.op}${w32(insn.width)} ${r(insn.dst)}, ${opnd(insn.src)}, ${rel(insn.off)}`;
    case 'call':
      return `call ${insn.helper}`;
    case 'call_local':
      return `call local ${rel(insn.off)}`;
    case 'callx':
      return `call ${r(insn.reg)}`;
    case 'exit':
      return 'exit';
    default:
      return assertNever(insn);
  }
}

/** Formats a program, one instruction per line; `pcs` prefixes each line with `pc: `. */
export function disassemble(program: DecodedProgram, options: { readonly pcs?: boolean } = {}): string {
  const lines: string[] = [];
  program.insns.forEach((insn, pc) => {
    if (insn === undefined) return;
    lines.push(options.pcs ? `${String(pc).padStart(4)}: ${formatInsn(insn)}` : formatInsn(insn));
  });
  return `${lines.join('\n')}\n`;
}
