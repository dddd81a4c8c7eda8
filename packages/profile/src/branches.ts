/**
 * Code for one syscall's branches (conditions ANDed within a branch, branches ORed). Branches with
 * different return values are disjoint (the planner proved it) and branches with the same one are
 * interchangeable, so their order is free: single-condition branches on one argument are gathered
 * and share their loads. On a 64-bit ABI, when every constant fits 32 bits, one test of the high
 * word settles the case of a non-zero high word (EQ, LT, LE fail; NE, GT, GE hold) and the low
 * word is loaded once for all of them; libseccomp reloads the argument for each rule.
 *
 * Before that, a condition that every branch has, or has the complement of (EQ/NE, LT/GE, GT/LE
 * with one value), is tested once and splits the branches, like a node of libseccomp's decision
 * tree: the socketcall pair `arg0 == 1 && arg2 == 9`, `arg0 == 1 && arg2 != 9` costs two tests,
 * not four. A side on which some branch has no condition left is decided by it: every branch with
 * another return value was proved disjoint from it (plan.ts), by a condition already tested true.
 */
import type { Endian } from '@ea/bpf';
import { E2BIG, retErrno } from '@ea/policy';
import type { Assembler, Label } from './asm.js';
import { argWord, emitCond } from './args.js';
import type { Cond } from './conditions.js';
import { embedBlock } from './embed.js';
import type { Branch } from './plan.js';

/** What an EA rule answers when the caller set struct bytes past what the filter knows (the tail-zero guard). */
export const EA_TAIL_RET = retErrno(E2BIG);

const LOW32 = 0xffffffffn;

function chainable(c: Cond, bits: 32 | 64): boolean {
  if (c.op === 'SCMP_CMP_MASKED_EQ') return false; // its `and` clobbers A
  return bits === 32 || c.value <= LOW32;
}

/** Emits one 32-bit compare of A with k. */
function compare(asm: Assembler, c: Cond, pass: Label, fail: Label): void {
  const k = Number(c.value & LOW32);
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      asm.emit({ op: 'jmp', cmp: 'jeq', k, t: pass, f: fail });
      break;
    case 'SCMP_CMP_NE':
      asm.emit({ op: 'jmp', cmp: 'jeq', k, t: fail, f: pass });
      break;
    case 'SCMP_CMP_GT':
      asm.emit({ op: 'jmp', cmp: 'jgt', k, t: pass, f: fail });
      break;
    case 'SCMP_CMP_GE':
      asm.emit({ op: 'jmp', cmp: 'jge', k, t: pass, f: fail });
      break;
    case 'SCMP_CMP_LT':
      asm.emit({ op: 'jmp', cmp: 'jge', k, t: fail, f: pass });
      break;
    case 'SCMP_CMP_LE':
      asm.emit({ op: 'jmp', cmp: 'jgt', k, t: fail, f: pass });
      break;
    case 'SCMP_CMP_MASKED_EQ':
      throw new Error('MASKED_EQ is never chained');
  }
}

/** True when a condition holds for every value whose high word is non-zero (low-word constants only). */
function holdsAboveLow(c: Cond): boolean {
  return c.op === 'SCMP_CMP_NE' || c.op === 'SCMP_CMP_GT' || c.op === 'SCMP_CMP_GE';
}

/** Emits the branches of one syscall; no match returns `fallback`. */
export function emitBranches(
  asm: Assembler,
  branches: readonly Branch[],
  bits: 32 | 64,
  endian: Endian,
  retLabel: (ret: number) => Label,
  fallback: number,
): void {
  emitTree(asm, branches, bits, endian, retLabel, retLabel(fallback));
}

const COMPLEMENT: Readonly<Partial<Record<Cond['op'], Cond['op']>>> = {
  SCMP_CMP_EQ: 'SCMP_CMP_NE',
  SCMP_CMP_NE: 'SCMP_CMP_EQ',
  SCMP_CMP_LT: 'SCMP_CMP_GE',
  SCMP_CMP_GE: 'SCMP_CMP_LT',
  SCMP_CMP_GT: 'SCMP_CMP_LE',
  SCMP_CMP_LE: 'SCMP_CMP_GT',
};

function same(a: Cond, b: Cond): boolean {
  return a.index === b.index && a.op === b.op && a.value === b.value && a.valueTwo === b.valueTwo;
}

function complementOf(a: Cond, b: Cond): boolean {
  return a.index === b.index && COMPLEMENT[a.op] === b.op && a.value === b.value;
}

/** A condition every branch has or has the complement of (none when a branch has EA checks). */
function splitter(branches: readonly Branch[]): Cond | undefined {
  if (branches.length < 2 || branches.some((b) => b.ea !== undefined)) return undefined;
  return branches[0]!.conds.find((c) => branches.every((b) => b.conds.some((d) => same(c, d) || complementOf(c, d))));
}

function emitTree(asm: Assembler, branches: readonly Branch[], bits: 32 | 64, endian: Endian, retLabel: (ret: number) => Label, fail: Label): void {
  const c = splitter(branches);
  if (c === undefined) {
    emitFlat(asm, branches, bits, endian, retLabel, fail);
    return;
  }
  const side = (keep: (d: Cond) => boolean): { readonly label: Label; readonly emit?: () => void } => {
    const rest = branches.filter((b) => b.conds.some(keep)).map((b) => ({ ...b, conds: b.conds.filter((d) => !keep(d)) }));
    const decided = rest.find((b) => b.conds.length === 0);
    if (decided !== undefined) return { label: retLabel(decided.ret) };
    if (rest.length === 0) return { label: fail };
    const label = asm.label();
    return {
      label,
      emit: () => {
        asm.place(label);
        emitTree(asm, rest, bits, endian, retLabel, fail);
      },
    };
  };
  const yes = side((d) => same(c, d));
  const no = side((d) => complementOf(c, d));
  emitCond(asm, c, bits, endian, yes.label, no.label);
  yes.emit?.();
  no.emit?.();
}

/** Emits branches no single test splits: shared loads for runs on one argument, the rest in order. */
function emitFlat(
  asm: Assembler,
  branches: readonly Branch[],
  bits: 32 | 64,
  endian: Endian,
  retLabel: (ret: number) => Label,
  failAll: Label,
): void {
  // Runs of single-condition branches on one argument, then everything else in order.
  const runs = new Map<number, Branch[]>();
  const rest: Branch[] = [];
  for (const b of branches) {
    const c = b.conds[0];
    if (b.conds.length === 1 && c !== undefined && chainable(c, bits) && b.ea === undefined) {
      const run = runs.get(c.index) ?? [];
      runs.set(c.index, run);
      run.push(b);
    } else {
      rest.push(b);
    }
  }
  const groups: (Branch | Branch[])[] = [];
  for (const run of runs.values()) {
    if (run.length > 1) groups.push(run);
    else rest.unshift(run[0]!);
  }
  groups.push(...rest);
  groups.forEach((g, n) => {
    const last = n === groups.length - 1;
    const fail = last ? failAll : asm.label();
    if (Array.isArray(g)) emitRun(asm, g, bits, endian, retLabel, fail);
    else emitBranch(asm, g, bits, endian, retLabel, fail);
    if (!last) asm.place(fail);
  });
}

/**
 * One branch: its argument conditions, then (EA rules) the block @ea/policy built: the guard,
 * whose failure answers EA_TAIL_RET, and the struct checks, whose failure moves on to the next
 * branch like a failed argument condition.
 */
function emitBranch(asm: Assembler, b: Branch, bits: 32 | 64, endian: Endian, retLabel: (ret: number) => Label, fail: Label): void {
  const ea = b.ea;
  const matched = ea === undefined ? retLabel(b.ret) : asm.label();
  b.conds.forEach((c, m) => {
    const end = m === b.conds.length - 1;
    const pass = end ? matched : asm.label();
    emitCond(asm, c, bits, endian, pass, fail);
    if (!end) asm.place(pass);
  });
  if (ea === undefined) return;
  asm.place(matched);
  embedBlock(asm, ea.block, { pass: retLabel(b.ret), deny: fail, tail: retLabel(EA_TAIL_RET) });
}

function emitRun(asm: Assembler, run: readonly Branch[], bits: 32 | 64, endian: Endian, retLabel: (ret: number) => Label, fail: Label): void {
  const index = run[0]!.conds[0]!.index;
  if (bits === 64) {
    // High word non-zero: the first branch whose condition then holds decides, else none does.
    const above = run.find((b) => holdsAboveLow(b.conds[0]!));
    const low = asm.label();
    asm.emit({ op: 'ld', k: argWord(index, 'hi', endian) });
    asm.emit({ op: 'jmp', cmp: 'jeq', k: 0, t: low, f: above === undefined ? fail : retLabel(above.ret) });
    asm.place(low);
  }
  asm.emit({ op: 'ld', k: argWord(index, 'lo', endian) });
  run.forEach((b, m) => {
    const end = m === run.length - 1;
    const next = end ? fail : asm.label();
    compare(asm, b.conds[0]!, retLabel(b.ret), next);
    if (!end) asm.place(next);
  });
}
