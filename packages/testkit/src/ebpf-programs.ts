/**
 * A random eBPF program generator that is valid by construction for the kernel's verifier, so
 * the kernel can serve as the oracle: every register and stack slot is written before it is read,
 * packet accesses stay within the declared length, the stack only at aligned offsets in [r10-64,
 * r10), atomics only on the stack, shift immediates in range, no division by an immediate zero,
 * and only forward jumps whose skipped instructions stay reachable. r1 (the packet) and r9 (a copy
 * of it, to restore r1 after a local call) are pointers and never ALU operands; r10 is the frame.
 * All instruction classes appear: ALU/ALU64, JMP/JMP32, ja/ja32, be/le/bswap, movsx, sign-extending
 * loads, lddw, st/stx, every atomic, and local calls.
 */
import type { AluOp, AtomicOp, Insn, JmpOp, Size } from '@ea/ebpf';
// `next` is a stream of 32-bit draws from the one Rng (`rng(seed)` in ./rng.ts).

const SCALARS = [0, 2, 3, 4, 5, 6, 7, 8];
const ALU: readonly AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh'];
const JMP: readonly JmpOp[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
const ATOMIC: readonly AtomicOp[] = ['add', 'or', 'and', 'xor', 'xchg', 'cmpxchg'];
const SIZES: readonly Size[] = ['b', 'h', 'w', 'dw'];
const BYTES: Record<Size, number> = { b: 1, h: 2, w: 4, dw: 8 };

/** Is a generated case: the program's instructions and the packet length it was made for. */
export interface GeneratedProgram {
  readonly insns: Insn[];
  readonly memLength: number;
}

/** Generates one program for inputs of `memLength` bytes (at least 8). */
export function generateProgram(next: () => number, memLength: number, bodyLength = 32): GeneratedProgram {
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
  const chance = (n: number): boolean => next() % n === 0;
  const imm = (): number => (chance(3) ? (next() % 33) - 16 : next() | 0);
  const out: Insn[] = [];
  const scalar = (): number => pick(SCALARS);
  const init = (regs: readonly number[]): void => {
    for (const r of regs) {
      if (chance(2)) out.push({ kind: 'lddw', dst: r, pseudo: 0, lo: next() | 0, hi: chance(2) ? next() | 0 : 0 });
      else out.push({ kind: 'alu', width: chance(2) ? 64 : 32, op: 'mov', dst: r, src: { imm: imm() } });
    }
  };
  out.push({ kind: 'alu', width: 64, op: 'mov', dst: 9, src: { reg: 1 } });
  init(SCALARS);
  for (let k = 1; k <= 8; k++) out.push({ kind: 'st', size: 'dw', dst: 10, off: -8 * k, imm: next() | 0 });

  // Forward jumps are patched once the body's length is known: [index in out, target body slot].
  const body: { insn: Insn; jumpTo?: number }[] = [];
  const stackSlot = (size: Size): number => -8 * (1 + (next() % 8)) + BYTES[size] * (next() % (8 / BYTES[size]));
  const packetOff = (size: Size): number => next() % (memLength - BYTES[size] + 1);
  let callee = false;
  for (let i = 0; i < bodyLength; i++) {
    const roll = next() % 100;
    if (roll < 34) {
      const op = pick(ALU);
      const width = chance(2) ? 64 : 32;
      const useReg = chance(2) && !((op === 'lsh' || op === 'rsh' || op === 'arsh') && chance(2));
      let value = imm();
      if (op === 'lsh' || op === 'rsh' || op === 'arsh') value = next() % width;
      if ((op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') && value === 0) value = 7;
      body.push({ insn: { kind: 'alu', width, op, dst: scalar(), src: useReg ? { reg: scalar() } : { imm: value } } });
    } else if (roll < 38) {
      body.push({ insn: { kind: 'neg', width: chance(2) ? 64 : 32, dst: scalar() } });
    } else if (roll < 42) {
      const width = chance(2) ? 64 : 32;
      const bits = width === 64 ? pick([8, 16, 32] as const) : pick([8, 16] as const);
      body.push({ insn: { kind: 'movsx', width, bits, dst: scalar(), src: scalar() } });
    } else if (roll < 47) {
      body.push({ insn: { kind: 'end', order: pick(['le', 'be', 'swap'] as const), bits: pick([16, 32, 64] as const), dst: scalar() } });
    } else if (roll < 49) {
      body.push({ insn: { kind: 'lddw', dst: scalar(), pseudo: 0, lo: next() | 0, hi: next() | 0 } });
    } else if (roll < 59) {
      const size = pick(SIZES);
      const signed = size !== 'dw' && chance(3);
      const onStack = chance(2);
      const dst = scalar();
      body.push({ insn: { kind: 'ldx', size, signed, dst, src: onStack ? 10 : 1, off: onStack ? stackSlot(size) : packetOff(size) } });
      // A parser's load then byte swap (ldxh + be16, ldxw + be32), which the JIT folds into one
      // big-endian load: rare by chance alone (2 in 1,000 programs), so made on purpose.
      if ((size === 'h' || size === 'w') && !signed && i + 1 < bodyLength && chance(3)) {
        body.push({ insn: { kind: 'end', order: chance(4) ? 'swap' : 'be', bits: size === 'h' ? 16 : 32, dst } });
        i += 1;
      }
    } else if (roll < 67) {
      const size = pick(SIZES);
      const onStack = chance(2);
      const dst = onStack ? 10 : 1;
      const off = onStack ? stackSlot(size) : packetOff(size);
      body.push({ insn: chance(2) ? { kind: 'st', size, dst, off, imm: imm() } : { kind: 'stx', size, dst, off, src: scalar() } });
    } else if (roll < 73) {
      const op = pick(ATOMIC);
      const size = chance(2) ? 'dw' : 'w';
      const fetch = op === 'xchg' || op === 'cmpxchg' || chance(2);
      body.push({ insn: { kind: 'atomic', size, op, fetch, dst: 10, src: scalar(), off: stackSlot(size) } });
    } else if (roll < 92 && i + 2 < bodyLength) {
      const width = chance(2) ? 64 : 32;
      const src = chance(2) ? { reg: scalar() } : { imm: imm() };
      const target = i + 1 + (next() % Math.min(8, bodyLength - i - 1));
      body.push({ insn: { kind: 'jmp', width, op: pick(JMP), dst: scalar(), src, off: 0 }, jumpTo: target });
    } else if (roll < 96 && i + 4 < bodyLength) {
      // cond +1; ja/ja32 +1; x: the instruction the ja skips stays reachable through cond.
      body.push({ insn: { kind: 'jmp', width: 64, op: pick(JMP), dst: scalar(), src: { imm: imm() }, off: 1 } });
      body.push({ insn: { kind: 'ja', off: 1, long: chance(2) } });
      body.push({ insn: { kind: 'alu', width: 64, op: 'mov', dst: scalar(), src: { imm: imm() } } });
      i += 2;
    } else {
      callee = true;
      body.push({ insn: { kind: 'call_local', off: 0 }, jumpTo: -1 });
      // The call leaves r1-r5 unreadable (kernel) or changed (callee): restore and re-seed them.
      body.push({ insn: { kind: 'alu', width: 64, op: 'mov', dst: 1, src: { reg: 9 } } });
      for (const r of [2, 3, 4, 5]) body.push({ insn: { kind: 'alu', width: 64, op: 'mov', dst: r, src: { imm: imm() } } });
      i += 5;
    }
  }
  // Body slot -> instruction index; lddw takes two slots.
  const pcOf: number[] = [];
  let pc = out.reduce((n, insn) => n + (insn.kind === 'lddw' ? 2 : 1), 0);
  for (const b of body) {
    pcOf.push(pc);
    pc += b.insn.kind === 'lddw' ? 2 : 1;
  }
  const tail = pc;
  pcOf.push(tail);
  const fold: Insn[] = SCALARS.filter((r) => r !== 0).map((r) => ({ kind: 'alu', width: 64, op: 'xor', dst: 0, src: { reg: r } }));
  const calleeAt = tail + fold.length + 1;
  body.forEach((b, i) => {
    let insn = b.insn;
    if (b.jumpTo !== undefined) {
      const to = b.jumpTo === -1 ? calleeAt : pcOf[b.jumpTo]!;
      insn = { ...insn, off: to - pcOf[i]! - 1 } as Insn;
    }
    out.push(insn);
  });
  out.push(...fold, { kind: 'exit' });
  if (callee) {
    out.push({ kind: 'alu', width: 64, op: 'mov', dst: 0, src: { imm: imm() } });
    for (let i = 0; i < 6; i++) {
      const regs = [0, 2, 3, 4, 5];
      const op = pick(['add', 'sub', 'mul', 'xor', 'or'] as const);
      out.push({ kind: 'alu', width: chance(2) ? 64 : 32, op, dst: pick(regs), src: chance(2) ? { reg: pick(regs) } : { imm: imm() } });
    }
    out.push({ kind: 'stx', size: 'dw', dst: 10, off: -16, src: 3 }, { kind: 'ldx', size: 'w', signed: false, dst: 4, src: 10, off: -12 });
    out.push({ kind: 'alu', width: 64, op: 'add', dst: 0, src: { reg: 4 } }, { kind: 'exit' });
  }
  return { insns: out, memLength };
}

/** Returns `count` random inputs of `length` bytes. */
export function randomInputs(next: () => number, length: number, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = next() & 0xff;
    out.push(bytes);
  }
  return out;
}
