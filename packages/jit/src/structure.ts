/**
 * Structured control flow for a forward-only program. Classic BPF jumps only forward, so the
 * control-flow graph is a DAG and needs no loop: we follow Norman Ramsey's "Beyond Relooper"
 * (ICFP 2022) for acyclic graphs. Every block is emitted inside its immediate dominator; a block
 * with one predecessor is inlined where it is reached, and a block several edges reach (a merge
 * block) is emitted once, right after a labelled block that its predecessors `break` out of.
 * Labels therefore appear only where a jump lands somewhere that is not the natural
 * fall-through. A block ending in a dispatch on A is lowered by dispatch.ts; the result is
 * tidied by tidy.ts (breaks that would fall through anyway go, if/else chains flatten).
 */
import type * as ES from 'estree';
import { assertNever } from '@ea/bpf';
import { type Scope, brk, ifElse, labelled, withComments } from '@ea/codegen';
import { type DispatchPlan, type KeyTests, lowerDispatch, planDispatch } from './dispatch.js';
import type { Flow } from './flow.js';
import { flatten, stripTail } from './tidy.js';

/** Produces the code of one block; the structurer only arranges it. */
export interface BlockEmitter extends KeyTests {
  /**
   * Straight-line code of `pcs`, including a final return when the block ends in one; the
   * comments of instructions that emitted nothing at the end come back as `leftover`.
   * `entryBound` is the packet length the dominating blocks' checks proved; the block returns
   * the bound that holds after it.
   */
  body(
    pcs: readonly number[],
    entryBound: number,
  ): { stmts: ES.Statement[]; leftover: ES.Comment[]; exitBound: number };
  /** The `// <pc>: <disassembly>` comment of one instruction. */
  comments(pc: number): ES.Comment[];
  /** The test of the live conditional at `pc` (true goes to succ[pc][0]). */
  test(pc: number): ES.Expression;
}

interface Block {
  readonly start: number;
  readonly pcs: number[];
  /** Successor blocks by start pc. */
  readonly succ: number[];
  readonly kind: 'ret' | 'goto' | 'test' | 'dispatch';
}

/** Splits the reachable instructions into blocks (maximal single-entry straight-line runs). */
function buildBlocks(flow: Flow): Map<number, Block> {
  const blocks = new Map<number, Block>();
  const n = flow.insns.length;
  const isLeader = (pc: number): boolean => {
    const p = flow.preds[pc] ?? [];
    if (pc === 0) return true;
    if (p.length !== 1) return true;
    const q = p[0] as number;
    return flow.isTest[q] === true || flow.dispatches.has(q) || flow.absorbed[q] === true;
  };
  for (let pc = 0; pc < n; pc++) {
    if (flow.stateIn[pc] === undefined || flow.absorbed[pc] || !isLeader(pc)) continue;
    const pcs = [pc];
    let cur = pc;
    for (;;) {
      const s = flow.succ[cur] ?? [];
      if (flow.dispatches.has(cur) || flow.isTest[cur] || s.length !== 1) break;
      const next = s[0] as number;
      if (isLeader(next)) break;
      pcs.push(next);
      cur = next;
    }
    const d = flow.dispatches.get(cur);
    let succ: number[];
    let kind: Block['kind'];
    if (d !== undefined) {
      succ = [...new Set([...d.ranges.map((r) => r.target), d.fallback])];
      kind = 'dispatch';
    } else {
      succ = [...(flow.succ[cur] ?? [])];
      kind = flow.isTest[cur] ? 'test' : succ.length === 0 ? 'ret' : 'goto';
    }
    blocks.set(pc, { start: pc, pcs, succ, kind });
  }
  return blocks;
}

/** Emits the program as structured statements. */
export function structure(flow: Flow, scope: Scope, emit: BlockEmitter): ES.Statement[] {
  const blocks = buildBlocks(flow);
  const order = [...blocks.keys()].sort((a, b) => a - b);
  const preds = new Map<number, number[]>(order.map((b) => [b, []]));
  for (const b of order) for (const s of blocks.get(b)?.succ ?? []) preds.get(s)?.push(b);

  // Immediate dominators (Cooper, Harvey, Kennedy), one pass since start pc is topological.
  const idom = new Map<number, number>([[0, 0]]);
  for (const b of order) {
    if (b === 0) continue;
    let d: number | undefined;
    for (const p of preds.get(b) ?? []) {
      if (d === undefined) {
        d = p;
        continue;
      }
      let x: number = p;
      let y: number = d;
      while (x !== y) {
        while (x > y) x = idom.get(x) as number;
        while (y > x) y = idom.get(y) as number;
      }
      d = x;
    }
    idom.set(b, d as number);
  }

  // A merge block is reached by several edges; a dispatch's fallback is reached from every leaf
  // of its decision tree, so it is emitted once after a label too.
  const merge = new Set(order.filter((b) => (preds.get(b)?.length ?? 0) >= 2));
  const plans = new Map<number, DispatchPlan>();
  for (const b of blocks.values()) {
    if (b.kind !== 'dispatch') continue;
    const last = b.pcs[b.pcs.length - 1] as number;
    const d = flow.dispatches.get(last);
    if (d === undefined) continue;
    merge.add(d.fallback);
    // A target branched to from more than one place (two ranges, the table and a range, or
    // the fallback) is emitted once, after a label.
    const plan = planDispatch(d.ranges);
    plans.set(last, plan);
    const seen = new Set<number>();
    for (const t of [...(plan.table?.targets ?? []), ...plan.rest.map((r) => r.target)]) {
      if (seen.has(t)) merge.add(t);
      seen.add(t);
    }
  }
  const mergeChildren = new Map<number, number[]>();
  for (const b of order) {
    if (b === 0 || !merge.has(b)) continue;
    const d = idom.get(b) as number;
    const children = mergeChildren.get(d);
    if (children === undefined) mergeChildren.set(d, [b]);
    else children.push(b);
  }

  const uses = new Map<string, number>();
  const exitBound = new Map<number, number>();
  const branch = (target: number): ES.Statement[] => {
    if (!merge.has(target)) return tree(target);
    const name = `L${target}`;
    uses.set(name, (uses.get(name) ?? 0) + 1);
    return [brk(scope.id(name))];
  };

  const tree = (b: number): ES.Statement[] => within(b, [...(mergeChildren.get(b) ?? [])].sort((x, y) => y - x), 0);

  // ys[i..] are b's merge children, farthest first: the nearest is wrapped innermost.
  const within = (b: number, ys: readonly number[], i: number): ES.Statement[] => {
    if (i < ys.length) {
      const y = ys[i] as number;
      const name = scope.label(y);
      const inner = within(b, ys, i + 1);
      stripTail(inner, name, uses);
      const out = (uses.get(name) ?? 0) > 0 ? [labelled(scope.id(name), inner)] : inner;
      for (const st of tree(y)) out.push(st);
      return out;
    }
    const blk = blocks.get(b) as Block;
    const last = blk.pcs[blk.pcs.length - 1] as number;
    const straight = blk.kind === 'test' || blk.kind === 'dispatch' ? blk.pcs.slice(0, -1) : blk.pcs;
    const entry = b === 0 ? 0 : (exitBound.get(idom.get(b) as number) ?? 0);
    const { stmts: out, leftover, exitBound: after } = emit.body(straight, entry);
    exitBound.set(b, after);
    let tail: ES.Statement[] = [];
    switch (blk.kind) {
      case 'ret':
        break;
      case 'goto':
        tail = branch(blk.succ[0] as number);
        break;
      case 'test': {
        const [t, f] = flow.succ[last] as [number, number];
        leftover.push(...emit.comments(last));
        tail = [ifElse(emit.test(last), branch(t), branch(f))];
        break;
      }
      case 'dispatch': {
        const d = flow.dispatches.get(last);
        if (d === undefined) throw new Error('dispatch block without a dispatch');
        for (const pc of d.pcs) leftover.push(...emit.comments(pc));
        const end = flow.insns[d.fallback];
        const fallbackValue = end?.kind === 'ret_k' ? end.k : undefined;
        tail = lowerDispatch(plans.get(last) as DispatchPlan, () => branch(d.fallback), branch, emit, fallbackValue);
        break;
      }
      default:
        assertNever(blk.kind);
    }
    const first = tail[0];
    if (first !== undefined) withComments(first, leftover);
    out.push(...tail);
    return out;
  };

  return flatten(tree(0));
}

