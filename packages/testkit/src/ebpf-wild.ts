/**
 * Random programs that the load-time checks accept but no kernel verifier would: any register
 * as a pointer, offsets that fall off regions, backward jumps (loops ended by the budget), local
 * calls that recurse past the depth limit, helper calls (known and unknown ids), division by
 * immediate zero, shift immediates of any size, legacy packet loads. For the
 * differentials (JIT vs interpreter, fast interpreter vs the BigInt reference), where both engines
 * must also fail alike (same reason, same pc).
 */
import type { AluOp, AtomicOp, Insn, JmpOp, Size } from '@ea/ebpf';

const ALU: readonly AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh'];
const JMP: readonly JmpOp[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
const ATOMIC: readonly AtomicOp[] = ['add', 'or', 'and', 'xor', 'xchg', 'cmpxchg'];
const SIZES: readonly Size[] = ['b', 'h', 'w', 'dw'];
const EDGES = [0, 1, -1, 2, 7, 8, 16, 31, 32, 33, 63, 64, 0x7fffffff, -0x80000000, 0xffff, 0x8000, -2];

/** Generates one wild program of about `length` instructions. */
export function wildProgram(next: () => number, length: number): Insn[] {
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
  const chance = (n: number): boolean => next() % n === 0;
  const imm = (): number => (chance(2) ? pick(EDGES) : next() | 0);
  const reg = (): number => next() % 10;
  const out: Insn[] = [];
  // Seed a few registers so arithmetic has material, and keep r1 (the context) often.
  for (const r of [0, 3, 4, 5]) out.push({ kind: 'lddw', dst: r, pseudo: 0, lo: next() | 0, hi: chance(2) ? 0 : next() | 0 });
  out.push({ kind: 'alu', width: 64, op: 'mov', dst: 6, src: { reg: 10 } }, { kind: 'alu', width: 64, op: 'add', dst: 6, src: { imm: -64 } });
  const body: Insn[] = [];
  for (let i = 0; i < length; i++) {
    const roll = next() % 100;
    const width = chance(2) ? 64 : 32;
    const memBase = (): number => pick([1, 1, 6, 10, 6, reg()]);
    const off = (): number => (chance(4) ? (next() % 1024) - 512 : next() % 64 - (chance(2) ? 64 : 0));
    if (roll < 35) {
      body.push({ kind: 'alu', width, op: pick(ALU), dst: reg(), src: chance(2) ? { reg: reg() } : { imm: imm() } });
    } else if (roll < 38) body.push({ kind: 'neg', width, dst: reg() });
    else if (roll < 41) body.push({ kind: 'movsx', width, bits: width === 64 ? pick([8, 16, 32] as const) : pick([8, 16] as const), dst: reg(), src: reg() });
    else if (roll < 45) body.push({ kind: 'end', order: pick(['le', 'be', 'swap'] as const), bits: pick([16, 32, 64] as const), dst: reg() });
    else if (roll < 47) body.push({ kind: 'lddw', dst: reg(), pseudo: 0, lo: next() | 0, hi: next() | 0 });
    else if (roll < 55) {
      const size = pick(SIZES);
      body.push({ kind: 'ldx', size, signed: size !== 'dw' && chance(2), dst: reg(), src: memBase(), off: off() });
    } else if (roll < 62) {
      const size = pick(SIZES);
      body.push(chance(2) ? { kind: 'st', size, dst: memBase(), off: off(), imm: imm() } : { kind: 'stx', size, dst: memBase(), off: off(), src: reg() });
    } else if (roll < 66) {
      const op = pick(ATOMIC);
      body.push({ kind: 'atomic', size: chance(2) ? 'dw' : 'w', op, fetch: op === 'xchg' || op === 'cmpxchg' || chance(2), dst: memBase(), src: reg(), off: off() });
    } else if (roll < 68) {
      body.push(chance(2) ? { kind: 'ldabs', size: pick(['b', 'h', 'w'] as const), imm: next() % 80 } : { kind: 'ldind', size: pick(['b', 'h', 'w'] as const), src: reg(), imm: (next() % 80) - 8 });
    } else if (roll < 86) {
      body.push({ kind: 'jmp', width, op: pick(JMP), dst: reg(), src: chance(2) ? { reg: reg() } : { imm: imm() }, off: 0 });
    } else if (roll < 90) body.push({ kind: 'ja', off: 0, long: chance(2) });
    else if (roll < 94) body.push({ kind: 'call_local', off: 0 });
    else if (roll < 97) body.push({ kind: 'call', helper: chance(4) ? 9 : 5 });
    else if (roll < 98) body.push({ kind: 'callx', reg: reg() });
    else body.push({ kind: 'exit' });
  }
  body.push({ kind: 'exit' });
  // Slot positions, then jump and call offsets to random instruction starts (either direction).
  const base = out.reduce((n, insn) => n + (insn.kind === 'lddw' ? 2 : 1), 0);
  const starts: number[] = [];
  let pc = base;
  for (const insn of body) {
    starts.push(pc);
    pc += insn.kind === 'lddw' ? 2 : 1;
  }
  const patched = body.map((insn, i) => {
    if (insn.kind !== 'jmp' && insn.kind !== 'ja' && insn.kind !== 'call_local') return insn;
    // Mostly forward; a backward jump makes a loop (the budget ends it).
    const j = chance(5) ? next() % (i + 1) : Math.min(body.length - 1, i + 1 + (next() % 8));
    return { ...insn, off: starts[j]! - starts[i]! - 1 } as Insn;
  });
  return [...out, ...patched];
}
