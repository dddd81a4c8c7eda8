/**
 * Regions (flow.ts findSwitches): tests on one unknown A entered only at their root, such as
 * libseccomp's SCMP_FLTATR_CTL_OPTIMIZE=2 binary trees of `jgt`/`jge` with `jeq` leaves, become
 * one dispatch over key ranges. Random trees of that shape (with ja trampolines, shared and
 * duplicated returns, argument tests, wrong pivots and dead leaves) run on the JIT and the
 * interpreter with syscall numbers next to every key; the benchmark policy's tree becomes one
 * region whose ranges agree with the interpreter on every syscall number.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ARCH_X86_64, BPF_ABS, BPF_JA, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, JMP_OPS, type JmpOp, type KnownInsn,
  type SockFilter, assemble, formatInsn, readProgram,
} from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { verify } from '@ea/verifier';
import { compile } from '@ea/jit';
import { COMMITTED_DIR } from '@ea/testkit';
import { type Flow, analyse } from '../src/flow.js';
import type { Dispatch } from '../src/regions.js';
import { Rng } from '@ea/testkit';
import { verified } from './support/verified.js';

const SCALE = process.env['EA_FUZZ'] ? 20 : 1;
const MAX = 0xffffffff;

/** A symbolic instruction: jumps name labels, resolved by `layout`. */
type Item =
  | { readonly label: string }
  | { readonly ld: number }
  | { readonly op: JmpOp; readonly k: number; readonly t: string; readonly f: string }
  | { readonly ja: string }
  | { readonly ret: number };

/** Resolves labels into offsets; undefined when a conditional jump is longer than 255. */
function layout(items: readonly Item[]): SockFilter[] | undefined {
  const at = new Map<string, number>();
  let pc = 0;
  for (const it of items) {
    if ('label' in it) at.set(it.label, pc);
    else pc++;
  }
  const out: SockFilter[] = [];
  const off = (name: string): number => {
    const to = at.get(name);
    if (to === undefined) throw new Error(`no label ${name}`);
    return to - out.length - 1;
  };
  for (const it of items) {
    if ('label' in it) continue;
    if ('ld' in it) out.push({ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: it.ld });
    else if ('ret' in it) out.push({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: it.ret });
    else if ('ja' in it) out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: off(it.ja) });
    else {
      const jt = off(it.t);
      const jf = off(it.f);
      if (jt > 255 || jf > 255) return undefined;
      out.push({ code: BPF_JMP | JMP_OPS[it.op] | BPF_K, jt, jf, k: it.k >>> 0 });
    }
  }
  return out;
}

const ACTIONS = [0x7fff0000, 0x50001, 0x30000, 0x7ffc0000, 0x80000000, 0];

interface TreePolicy {
  readonly insns: SockFilter[];
  /** Values worth testing A against: keys, pivots, argument constants. */
  readonly keys: readonly number[];
  readonly argValues: readonly number[];
}

/**
 * A libseccomp OPTIMIZE=2 shaped policy: ld [4]; jeq arch; (x32 check); ld [0]; a balanced
 * tree of `jgt`/`jge` (sometimes `jeq`) nodes over sorted syscall numbers with `jeq` chains of
 * up to four keys at the leaves, whose true edges go to a handful of returns (two copies of
 * each, as libseccomp emits) or to argument tests on ld [16].
 */
function treePolicy(r: Rng, wanted: number): TreePolicy | undefined {
  const spread = r.pick([40, 500, 0x1000, MAX]);
  const raw = Array.from({ length: wanted }, () => (spread === MAX ? r.u32() : r.int(spread)));
  if (r.chance(0.2)) raw.push(0);
  if (r.chance(0.2)) raw.push(MAX);
  const keys = [...new Set(raw)].sort((a, b) => a - b);
  const leafMax = 1 + r.int(4);
  const argValues = [0, 1, 2, r.int(8), r.u32(), 0x80000000];
  const items: Item[] = [];
  const tail: Item[] = [];
  const extra: number[] = [];
  let fresh = 0;
  const label = (): string => `n${fresh++}`;
  const retLabel = (a: number): string => `r${a}.${r.int(2)}`;
  const deflt = r.int(ACTIONS.length);
  const fallthrough = (): string => (r.chance(0.9) ? `r${deflt}.0` : retLabel(r.int(ACTIONS.length)));

  const target = (): string => {
    if (r.chance(0.15)) {
      const name = label();
      tail.push({ label: name }, { ld: 16 });
      const tests = 1 + r.int(3);
      for (let i = 0; i < tests; i++) {
        const next = label();
        const last = i === tests - 1;
        const op = r.pick<JmpOp>(['jeq', 'jeq', 'jgt', 'jge', 'jset']);
        tail.push({ op, k: r.pick(argValues), t: retLabel(r.int(ACTIONS.length)), f: last ? retLabel(r.int(ACTIONS.length)) : next });
        if (!last) tail.push({ label: next });
      }
      return name;
    }
    return retLabel(r.chance(0.7) ? 0 : r.int(ACTIONS.length));
  };

  // A second way into the tree (another arch's A = [24] lands on one of its tests), so that
  // test is not a member: a region is entered only at its root.
  const side = r.chance(0.4);
  let entered = false;
  // Emits the subtree deciding the sorted keys `ks` at the current end of `items`.
  const node = (ks: readonly number[]): void => {
    if (side && !entered && r.chance(0.15)) {
      items.push({ label: 'side.entry' });
      entered = true;
    }
    if (ks.length <= leafMax) {
      const leaf = [...ks];
      if (r.chance(0.7)) leaf.reverse();
      // A dead test now and then: a key outside this leaf, or one already tested.
      if (r.chance(0.08)) leaf.splice(r.int(leaf.length + 1), 0, r.chance(0.5) ? r.pick(keys) : r.u32());
      if (leaf.length === 0) {
        items.push({ ja: fallthrough() });
        return;
      }
      const out = fallthrough();
      leaf.forEach((k, i) => {
        const next = label();
        const last = i === leaf.length - 1;
        items.push({ op: 'jeq', k, t: target(), f: last ? out : next });
        if (!last) items.push({ label: next });
      });
      return;
    }
    const mid = ks.length >> 1;
    const roll = r.int(100);
    if (roll < 10) {
      // jeq on the middle key, then the rest.
      const rest = label();
      items.push({ op: 'jeq', k: ks[mid] as number, t: target(), f: rest }, { label: rest });
      node([...ks.slice(0, mid), ...ks.slice(mid + 1)]);
      return;
    }
    let op: JmpOp;
    let k: number;
    if (roll < 55) {
      op = 'jgt';
      k = ks[mid - 1] as number;
    } else {
      op = 'jge';
      k = ks[mid] as number;
    }
    // A wrong pivot now and then (some keys become unreachable, or reachable only one way).
    if (r.chance(0.05)) k = (k + r.pick([1, MAX, 2, MAX - 1])) >>> 0;
    extra.push(k);
    const above = label();
    const below = label();
    // libseccomp reaches a far subtree through a ja right after the test.
    const farBelow = r.chance(0.25);
    const via = farBelow ? label() : below;
    items.push({ op, k, t: above, f: via });
    if (farBelow) items.push({ label: via }, { ja: below });
    const first = r.chance(0.7);
    items.push({ label: first ? above : below });
    const [upper, lower] = [ks.slice(mid), ks.slice(0, mid)];
    node(first ? upper : lower);
    items.push({ label: first ? below : above });
    node(first ? lower : upper);
  };

  items.push({ ld: 4 }, { op: 'jeq', k: AUDIT_ARCH_X86_64, t: r.chance(0.5) ? 'x32' : 'tree', f: side ? 'side' : 'r4.1' });
  if (side) items.push({ label: 'side' }, { ld: 24 }, { ja: 'side.entry' });
  items.push({ label: 'x32' }, { ld: 0 }, { op: 'jge', k: 0x40000000, t: 'x32b', f: 'tree' });
  items.push({ label: 'x32b' }, { op: 'jeq', k: MAX, t: 'tree', f: 'r4.1' });
  items.push({ label: 'tree' }, { ld: 0 });
  const root = items.length;
  node(keys);
  if (side && !entered) items.splice(root, 0, { label: 'side.entry' });
  items.push(...tail);
  for (let copy = 0; copy < 2; copy++) {
    ACTIONS.forEach((a, i) => {
      items.push({ label: `r${i}.${copy}` }, { ret: a });
    });
  }
  const insns = layout(items);
  if (insns === undefined) return undefined;
  return { insns, keys: [...keys, ...extra], argValues };
}

function flowOf(insns: readonly KnownInsn[], minSwitch: number): Flow {
  return analyse(insns, {
    profile: 'seccomp',
    pureAbsLoad: () => true,
    minSwitch,
    loadEnd: () => 0,
    mayExitNonZero: () => false,
  });
}

/** Where a dispatch sends A. */
function dispatch(sw: Dispatch, a: number): number {
  for (const x of sw.ranges) if (a >= x.lo && a <= x.hi) return x.target;
  return sw.fallback;
}

/** Checks the shape every Dispatch promises: sorted, disjoint, in u32, merged, no fallback range. */
function checkShape(sw: Dispatch): void {
  let prev: { hi: number; target: number } | undefined;
  for (const x of sw.ranges) {
    expect(Number.isInteger(x.lo) && Number.isInteger(x.hi) && x.lo >= 0 && x.lo <= x.hi && x.hi <= MAX).toBe(true);
    expect(x.target).not.toBe(sw.fallback);
    if (prev !== undefined) {
      expect(x.lo).toBeGreaterThan(prev.hi);
      if (prev.hi + 1 === x.lo) expect(x.target).not.toBe(prev.target);
    }
    prev = x;
  }
}

describe('regions of jgt/jge/jeq tests on one A', () => {
  it(`libseccomp OPTIMIZE=2 trees: jit == interpreter, ${400 * SCALE} programs x 2,048 syscalls`, () => {
    let cases = 0;
    let treeRegions = 0;
    let programs = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const r = new Rng(seed);
        let policy: TreePolicy | undefined;
        for (let wanted = 1 + r.int(r.chance(0.3) ? 160 : 50); policy === undefined; wanted >>= 1) {
          policy = treePolicy(r, Math.max(wanted, 1));
        }
        const { insns, keys, argValues } = policy;
        const program = verified(insns, 'seccomp');
        const minSwitch = 2 + r.int(4);
        const flow = flowOf(program.insns, minSwitch);
        let sawTree = false;
        for (const sw of flow.dispatches.values()) {
          checkShape(sw);
          expect(sw.pcs.length).toBeGreaterThanOrEqual(minSwitch);
          expect(sw.ranges.length).toBeLessThanOrEqual(4 * sw.pcs.length + 4);
          if (sw.pcs.some((pc) => (program.insns[pc] as KnownInsn & { op?: string }).op !== 'jeq')) sawTree = true;
        }
        if (sawTree) treeRegions++;
        programs++;
        const compiled = compile(program, { minSwitch });
        expect(compiled.accelerated).toBe(true);
        const interp = prepare(program);
        const view = new DataView(new ArrayBuffer(64));
        for (let i = 0; i < 2048; i++) {
          const roll = r.int(10);
          const key = r.pick(keys);
          const nr =
            roll < 7 ? (key + r.pick([MAX, 0, 0, 1])) >>> 0 : roll === 7 ? r.pick([0, MAX, 0x40000000, 0x3fffffff]) : roll === 8 ? r.u32() : r.int(600);
          view.setUint32(0, nr, true);
          view.setUint32(4, r.chance(0.8) ? AUDIT_ARCH_X86_64 : r.pick([0x40000003, r.u32()]), true);
          view.setUint32(24, (r.pick(keys) + r.pick([MAX, 0, 1])) >>> 0, true);
          view.setUint32(16, r.chance(0.8) ? (r.pick(argValues) + r.pick([MAX, 0, 1])) >>> 0 : r.u32(), true);
          const want = interp.run(view);
          const got = compiled.run(view);
          if (got !== want) {
            const listing = insns.map((x, pc) => `${pc}: ${formatInsn(x, pc)}`).join('\n');
            throw new Error(`seed ${seed} nr ${nr}: jit ${got} != interpreter ${want}\n${listing}\n--- source\n${compiled.source}`);
          }
          cases++;
        }
      }),
      { numRuns: 400 * SCALE },
    );
    expect(cases).toBe(400 * 2048 * SCALE);
    // The generator must really produce tree regions, or this test proves nothing about them.
    expect(treeRegions).toBeGreaterThan(programs / 2);
  });

  it(`random DAGs of tests on A (a jeq's true edge into another test): jit == interpreter, ${300 * SCALE} programs`, () => {
    // A jeq's true edge carries one interval (a number in regions.ts); it reaches another member
    // only through a join (constant propagation knows A on that edge alone), where it meets the
    // bitsets of the other edges. Returns repeat, so identical ones merge (flow.ts).
    let trueEdgeIntoMember = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const r = new Rng(seed);
        const n = 4 + r.int(r.chance(0.3) ? 120 : 24);
        const pool = Array.from({ length: 3 + r.int(12) }, () => (r.chance(0.1) ? r.pick([0, MAX, MAX - 1]) : r.int(40)));
        const rets = 1 + r.int(4);
        // pc 0: ld [0]; pcs 1..n: tests; then `rets` returns (some repeating an action).
        const insns: SockFilter[] = [{ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 0 }];
        const end = n + 1;
        const to = (pc: number): number => {
          // Mostly a nearby later test, sometimes a return.
          const test = pc + 1 + r.int(Math.min(6, end - pc - 1));
          return r.chance(0.75) && test < end ? test : end + r.int(rets);
        };
        for (let pc = 1; pc <= n; pc++) {
          const op = r.pick<JmpOp>(['jeq', 'jeq', 'jgt', 'jge']);
          const jt = to(pc);
          const jf = pc + 1 < end && r.chance(0.6) ? pc + 1 : to(pc);
          insns.push({ code: BPF_JMP | JMP_OPS[op] | BPF_K, jt: jt - pc - 1, jf: jf - pc - 1, k: r.pick(pool) });
        }
        for (let i = 0; i < rets; i++) insns.push({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: ACTIONS[r.int(3)] as number });
        const program = verified(insns, 'seccomp');
        const minSwitch = 2 + r.int(3);
        const flow = flowOf(program.insns, minSwitch);
        for (const sw of flow.dispatches.values()) {
          checkShape(sw);
          const members = new Set(sw.pcs);
          for (const pc of sw.pcs) {
            const ins = program.insns[pc] as KnownInsn;
            if (ins.kind === 'jmp' && ins.op === 'jeq' && members.has(pc + 1 + ins.jt)) trueEdgeIntoMember++;
          }
        }
        const compiled = compile(program, { minSwitch });
        expect(compiled.accelerated).toBe(true);
        const interp = prepare(program);
        const view = new DataView(new ArrayBuffer(64));
        for (const k of [...pool, 0, MAX]) {
          for (const d of [MAX, 0, 1]) {
            view.setUint32(0, (k + d) >>> 0, true);
            const want = interp.run(view);
            const got = compiled.run(view);
            if (got !== want) {
              const listing = insns.map((x, pc) => `${pc}: ${formatInsn(x, pc)}`).join('\n');
              throw new Error(`seed ${seed} A ${(k + d) >>> 0}: jit ${got} != interpreter ${want}\n${listing}\n--- source\n${compiled.source}`);
            }
          }
        }
      }),
      { numRuns: 300 * SCALE },
    );
    // The generator must put a jeq's true edge into a member, or those joins go untested.
    expect(trueEdgeIntoMember).toBeGreaterThan(100);
  });

  it('a jeq chain is a region: one dispatch over its merged keys, the last false edge the fallback', () => {
    const program = verified(
      assemble(`
  ld [0]
  jeq #1, allow
  jeq #2, allow
  jeq #3, allow
  jeq #7, errno
  jeq #9, allow
  ret #0
allow: ret #0x7fff0000
errno: ret #0x50001
`),
      'seccomp',
    );
    const flow = flowOf(program.insns, 4);
    expect([...flow.dispatches.keys()]).toEqual([1]);
    const sw = flow.dispatches.get(1) as Dispatch;
    expect(sw.pcs).toEqual([1, 2, 3, 4, 5]);
    expect(sw.fallback).toBe(6);
    expect(sw.ranges).toEqual([
      { lo: 1, hi: 3, target: 7 },
      { lo: 7, hi: 7, target: 8 },
      { lo: 9, hi: 9, target: 7 },
    ]);
    expect(flow.absorbed.filter(Boolean)).toHaveLength(4);
    // Fewer tests than minSwitch: nothing.
    expect(flowOf(program.insns, 6).dispatches.size).toBe(0);
  });

  it('splits exactly at jgt k (k + 1 is above) and jge k (k is above), up to 0xffffffff', () => {
    const program = verified(
      assemble(`
  ld [0]
  jgt #0xfffffffe, top
  jge #10, mid
  jeq #0, zero
  ret #1
mid: jgt #20, high
  ret #2
high: ret #3
top: ret #4
zero: ret #5
`),
      'seccomp',
    );
    const flow = flowOf(program.insns, 4);
    const sw = flow.dispatches.get(1) as Dispatch;
    expect(sw.pcs).toEqual([1, 2, 3, 5]);
    const interp = prepare(program);
    const view = new DataView(new ArrayBuffer(64));
    for (const a of [0, 1, 9, 10, 11, 19, 20, 21, 22, 0x7fffffff, 0xfffffffd, 0xfffffffe, MAX]) {
      view.setUint32(0, a, true);
      const t = program.insns[dispatch(sw, a)] as KnownInsn;
      expect(t.kind === 'ret_k' ? t.k : -1).toBe(interp.run(view));
    }
  });
});

describe('libseccomp\'s allowlist-tree.bpf (@ea/testkit)', () => {
  it('its tree is one region that sends every syscall to the return the interpreter reaches', () => {
    const file = join(COMMITTED_DIR, 'allowlist-tree.bpf');
    const program = verify(readProgram(readFileSync(join(file)), {}).insns, { profile: 'seccomp' });
    const insns = program.insns;
    const flow = flowOf(insns, 4);
    // The tree: every test after the second `ld [0]` (the first one feeds the x32 check).
    const loads = insns.flatMap((x, pc) => (x.kind === 'ld_abs' && x.k === 0 ? [pc] : []));
    expect(loads).toHaveLength(2);
    const treeStart = (loads[1] as number) + 1;
    const treeTests = insns.filter((x, pc) => pc >= treeStart && x.kind === 'jmp').length;
    expect(treeTests).toBeGreaterThan(300);
    const sw = flow.dispatches.get(treeStart);
    expect(sw).toBeDefined();
    const region = sw as Dispatch;
    checkShape(region);
    expect(region.pcs.length).toBeGreaterThan(0.9 * treeTests);
    expect(region.ranges.length).toBeLessThan(region.pcs.length);
    expect(region.pcs.every((pc) => pc >= treeStart)).toBe(true);
    const interp = prepare(program);
    const view = new DataView(new ArrayBuffer(64));
    view.setUint32(4, AUDIT_ARCH_X86_64, true);
    let allowed = 0;
    const r = new Rng(7);
    const nrs = [...Array.from({ length: 0x400 }, (_, i) => i), 0x3fffffff, 0x40000000, MAX, ...Array.from({ length: 2000 }, () => r.u32())];
    for (const nr of nrs) {
      view.setUint32(0, nr, true);
      const want = interp.run(view);
      if (want === 0x7fff0000) allowed++;
      // Past the x32 check (nr >= 0x40000000 other than -1 is refused before the tree).
      if (nr >= 0x40000000 && nr !== MAX) continue;
      const t = insns[dispatch(region, nr)] as KnownInsn;
      expect(t.kind).toBe('ret_k');
      if ((t.kind === 'ret_k' ? t.k : -1) !== want) throw new Error(`nr ${nr}: region says ${formatInsn(t, 0)}, interpreter ${want}`);
    }
    expect(allowed).toBeGreaterThan(250);
  });
});
