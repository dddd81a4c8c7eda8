/**
 * Random programs around the legacy packet loads (LD_ABS, LD_IND) that the kernel accepts as a
 * socket filter (@ea/oracle's run_ebpf in `socket` mode): the context stays in r6, r1-r5 are never
 * read (a legacy load clobbers them), the only exit is the last instruction, jumps go forward.
 * Offsets cover the packet, its end, past it, negative ones, [SKF_NET_OFF + j] (the network
 * header, which is the context's first byte) and the 32-bit extremes. [SKF_LL_OFF + j] for small
 * j is left out: the kernel's test run has an Ethernet header there and our context has none
 * (legacy.ts), so it would compare two different packets, not two engines.
 *
 *   r0  load results and arithmetic      r7  a constant base for LD_IND
 *   r8  an accumulator                   r9  a data-dependent index (a loaded byte, masked)
 */
import { SKF_LL_OFF, SKF_NET_OFF } from '@ea/bpf';
import type { AluOp, Insn, JmpOp } from '@ea/ebpf';

const NET = SKF_NET_OFF | 0;
const LL = SKF_LL_OFF | 0;
const ALU: readonly AluOp[] = ['add', 'sub', 'mul', 'or', 'and', 'xor', 'lsh', 'rsh', 'arsh', 'mov'];
const JMP: readonly JmpOp[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jset', 'jsgt', 'jslt'];
const SIZES = ['b', 'h', 'w'] as const;

/** Generates one program for packets of up to `memLength` bytes. */
export function legacyProgram(next: () => number, memLength: number): Insn[] {
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
  const below = (n: number): number => next() % n;
  const offset = (): number =>
    pick([
      () => below(memLength + 6),
      () => memLength - 4 + below(8),
      () => NET - 3 + below(memLength + 9),
      () => -1 - below(20),
      () => pick([0x7fffffff, -0x80000000, 0x10000, LL - 64, LL + 0x80000, NET - 0x1000]),
    ])();
  const out: Insn[] = [
    { kind: 'alu', width: 64, op: 'mov', dst: 0, src: { imm: next() | 0 } },
    { kind: 'alu', width: 64, op: 'mov', dst: 7, src: { imm: offset() } },
    { kind: 'alu', width: 64, op: 'mov', dst: 8, src: { imm: below(1000) } },
    { kind: 'alu', width: 64, op: 'mov', dst: 9, src: { imm: below(16) } },
  ];
  const body = 4 + below(14);
  const jumps: { at: number; insn: Extract<Insn, { kind: 'jmp' }> }[] = [];
  for (let i = 0; i < body; i++) {
    const roll = below(100);
    if (roll < 28) {
      out.push({ kind: 'ldabs', size: pick(SIZES), imm: offset() });
    } else if (roll < 50) {
      const viaIndex = below(2) === 0;
      out.push({ kind: 'ldind', size: pick(SIZES), src: viaIndex ? 9 : 7, imm: viaIndex ? pick([-8 + below(memLength + 12), NET + below(8)]) : below(17) - 8 });
    } else if (roll < 58) {
      out.push({ kind: 'alu', width: 64, op: 'mov', dst: 9, src: { reg: 0 } }, { kind: 'alu', width: 32, op: 'and', dst: 9, src: { imm: pick([0xff, 0x3f, 0x1f]) } });
    } else if (roll < 62) {
      out.push({ kind: 'alu', width: 64, op: 'mov', dst: 7, src: { imm: offset() } });
    } else if (roll < 88) {
      const op = pick(ALU);
      const width = below(2) === 0 ? 64 : 32;
      const dst = pick([0, 8, 8]);
      const shift = op === 'lsh' || op === 'rsh' || op === 'arsh';
      const src = shift ? { imm: below(width) } : below(2) === 0 ? { reg: dst === 0 ? 8 : 0 } : { imm: next() | 0 };
      out.push({ kind: 'alu', width, op, dst, src });
    } else {
      const insn: Extract<Insn, { kind: 'jmp' }> = {
        kind: 'jmp', width: below(2) === 0 ? 64 : 32, op: pick(JMP), dst: pick([0, 8]), src: below(2) === 0 ? { reg: 9 } : { imm: below(300) - 20 }, off: 0,
      };
      jumps.push({ at: out.length, insn });
      out.push(insn);
    }
  }
  out.push({ kind: 'alu', width: 64, op: 'add', dst: 0, src: { reg: 8 } }, { kind: 'exit' });
  // Aim each jump forward at a later instruction, at most the final exit.
  for (const { at, insn } of jumps) {
    const room = out.length - 1 - (at + 1);
    out[at] = { ...insn, off: room <= 0 ? 0 : 1 + below(room) };
  }
  return out;
}
