/**
 * Structured control flow for a forward-only program. Classic BPF jumps only forward, so the
 * control-flow graph is a DAG and needs no loop: we follow Norman Ramsey's "Beyond Relooper"
 * (ICFP 2022) for acyclic graphs. Every block is emitted inside its immediate dominator; a block
 * with one predecessor is inlined where it is reached, and a block several edges reach (a merge
 * block) is emitted once, right after a labelled block that its predecessors `break` out of.
 * Labels therefore appear only where a jump lands somewhere that is not the natural
 * fall-through, and a `break` that would fall through anyway is removed.
 */
import type * as ES from 'estree';
import type { Flow, KeyRange as Range } from './flow.js';
import { type Scope, brk, ifElse, labelled, not, switchOn, withComments } from '@ea/codegen';

/** Produces the code of one block; the structurer only arranges it. */
export interface BlockEmitter {
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
  /**
   * `A === lo` or `A >= lo && A <= hi` where A >= `known` already holds, and `A < key`, for
   * decision trees.
   */
  keyIn(lo: number, hi: number, known: number): ES.Expression;
  keyBelow(key: number): ES.Expression;
  /** `tN[A]` for a dispatch table (entry k: which case key k goes to, 0 the fallback). */
  tableLookup(slots: Uint8Array): ES.Expression;
}

/** Keys below this may be dispatched through a table of one byte per key. */
const TABLE_KEYS = 4096;
/** Fewest ranges below TABLE_KEYS that make a table worth it. */
const TABLE_MIN_RANGES = 4;

/** How one dispatch is emitted: a table for its low keys (or none), ranges for the rest. */
interface DispatchPlan {
  readonly table: { readonly size: number; readonly slots: Uint8Array; readonly targets: readonly number[] } | null;
  /** Ranges above the table (all of them when there is no table), in order. */
  readonly rest: readonly Range[];
}

/**
 * Plans a dispatch: the ranges that start below TABLE_KEYS go to a byte table indexed by A
 * (slot 0: the fallback, slot i: the i-th target), which costs one load and one indirect jump
 * where a search costs a mispredicted branch per level (syscall numbers are as good as random);
 * keys from the table's end upwards keep the range search.
 */
function planDispatch(ranges: readonly Range[]): DispatchPlan {
  const low = ranges.filter((r) => r.lo < TABLE_KEYS);
  if (low.length < TABLE_MIN_RANGES) return { table: null, rest: ranges };
  const size = Math.min(TABLE_KEYS, Math.max(...low.map((r) => r.hi)) + 1);
  const targets: number[] = [];
  const slots = new Uint8Array(size);
  for (const r of low) {
    let slot = targets.indexOf(r.target) + 1;
    if (slot === 0) {
      if (targets.length === 255) return { table: null, rest: ranges };
      slot = targets.push(r.target);
    }
    slots.fill(slot, r.lo, Math.min(r.hi, size - 1) + 1);
  }
  const rest = ranges.filter((r) => r.hi >= size).map((r) => (r.lo < size ? { ...r, lo: size } : r));
  return { table: { size, slots, targets }, rest };
}

interface Block {
  readonly start: number;
  readonly pcs: number[];
  /** Successor blocks by start pc. */
  readonly succ: number[];
  readonly kind: 'ret' | 'goto' | 'test' | 'switch';
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
    return flow.isTest[q] === true || flow.switches.has(q) || flow.absorbed[q] === true;
  };
  for (let pc = 0; pc < n; pc++) {
    if (flow.stateIn[pc] === undefined || flow.absorbed[pc] || !isLeader(pc)) continue;
    const pcs = [pc];
    let cur = pc;
    for (;;) {
      const s = flow.succ[cur] ?? [];
      if (flow.switches.has(cur) || flow.isTest[cur] || s.length !== 1) break;
      const next = s[0] as number;
      if (isLeader(next)) break;
      pcs.push(next);
      cur = next;
    }
    const sw = flow.switches.get(cur);
    let succ: number[];
    let kind: Block['kind'];
    if (sw !== undefined) {
      succ = [...new Set([...sw.ranges.map((r) => r.target), sw.fallback])];
      kind = 'switch';
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

  // A merge block is reached by several edges; a switch's fallback is reached from every leaf
  // of its decision tree, so it is emitted once after a label too.
  const merge = new Set(order.filter((b) => (preds.get(b)?.length ?? 0) >= 2));
  const plans = new Map<number, DispatchPlan>();
  for (const b of blocks.values()) {
    if (b.kind !== 'switch') continue;
    const last = b.pcs[b.pcs.length - 1] as number;
    const sw = flow.switches.get(last);
    if (sw === undefined) continue;
    merge.add(sw.fallback);
    // A target branched to from more than one place (two ranges, the table and a range, or
    // the fallback) is emitted once, after a label.
    const plan = planDispatch(sw.ranges);
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
    const straight = blk.kind === 'test' || blk.kind === 'switch' ? blk.pcs.slice(0, -1) : blk.pcs;
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
      case 'switch': {
        const sw = flow.switches.get(last);
        if (sw === undefined) throw new Error('switch block without a switch');
        for (const pc of sw.pcs) leftover.push(...emit.comments(pc));
        const end = flow.insns[sw.fallback];
        const fallbackValue = end?.kind === 'ret_k' ? end.k : undefined;
        tail = dispatch(plans.get(last) as DispatchPlan, () => branch(sw.fallback), branch, emit, fallbackValue);
        break;
      }
    }
    const first = tail[0];
    if (first !== undefined) withComments(first, leftover);
    out.push(...tail);
    return out;
  };

  return flatten(tree(0));
}

/**
 * A planned dispatch: `if (A < size) { switch (tN[A]) { case i: <target i> } <fallback> }`,
 * then the range search for keys from `size` up. Case bodies end in a return or a break (the
 * structurer never lets a branch fall off its end), so no case runs into the next.
 */
function dispatch(
  plan: DispatchPlan,
  fallback: () => ES.Statement[],
  branch: (t: number) => ES.Statement[],
  emit: BlockEmitter,
  fallbackValue: number | undefined,
): ES.Statement[] {
  const table = plan.table;
  if (table === null) return decisionTree(plan.rest, fallback, branch, emit);
  // Targets that only return the same constant share a slot (slot 0 when the fallback returns
  // it): libseccomp repeats `ret ALLOW` at several pcs, and fewer distinct slots mean an
  // indirect jump the predictor gets right more often.
  const slotOf = new Uint8Array(table.targets.length + 1);
  const byValue = new Map<number, number>();
  if (fallbackValue !== undefined) byValue.set(fallbackValue, 0);
  const cases: [number, ES.Statement[]][] = [];
  table.targets.forEach((t, i) => {
    const body = branch(t);
    const value = constantReturn(body);
    const shared = value === undefined ? undefined : byValue.get(value);
    if (shared !== undefined) {
      slotOf[i + 1] = shared;
      return;
    }
    cases.push([cases.length + 1, body]);
    slotOf[i + 1] = cases.length;
    if (value !== undefined) byValue.set(value, cases.length);
  });
  if (cases.some(([, body]) => fallsThrough(body))) throw new Error('a dispatch case falls through');
  const slots = table.slots.map((s) => slotOf[s] as number);
  return [
    ifElse(emit.keyBelow(table.size), [switchOn(emit.tableLookup(slots), cases), ...fallback()]),
    ...decisionTree(plan.rest, fallback, branch, emit, table.size),
  ];
}

/** The constant a branch returns when it is nothing but `return <number>`, else undefined. */
function constantReturn(body: readonly ES.Statement[]): number | undefined {
  const only = body.length === 1 ? body[0] : undefined;
  if (only?.type !== 'ReturnStatement' || only.argument?.type !== 'Literal') return undefined;
  return typeof only.argument.value === 'number' ? only.argument.value : undefined;
}

/**
 * A binary search over sorted key ranges (libseccomp's binary tree and the kernel's action
 * cache are the models): `A < lo` splits until a few ranges remain, which are tested in order.
 * Each range's target appears once; keys between ranges go to the fallback, a `break`.
 * `known` is a lower bound on A that the tests above this subtree proved.
 */
function decisionTree(
  ranges: readonly Range[],
  fallback: () => ES.Statement[],
  branch: (t: number) => ES.Statement[],
  emit: BlockEmitter,
  known = 0,
): ES.Statement[] {
  if (ranges.length <= 3) {
    const out: ES.Statement[] = [];
    let floor = known;
    for (const r of ranges) {
      out.push(ifElse(emit.keyIn(Math.max(r.lo, floor), r.hi, floor), branch(r.target)));
      // Past a test that only checked the upper end, A is above the range.
      if (r.lo <= floor) floor = r.hi + 1;
    }
    out.push(...fallback());
    return out;
  }
  const mid = ranges.length >> 1;
  const pivot = ranges[mid] as Range;
  return [
    ifElse(
      emit.keyBelow(pivot.lo),
      decisionTree(ranges.slice(0, mid), fallback, branch, emit, known),
      decisionTree(ranges.slice(mid), fallback, branch, emit, pivot.lo),
    ),
  ];
}

/** Removes `break name` where it is the last thing that runs before the end of `stmts`. */
function stripTail(stmts: ES.Statement[], name: string, uses: Map<string, number>): void {
  for (;;) {
    const last = stmts[stmts.length - 1];
    if (last === undefined) return;
    if (last.type === 'BreakStatement' && last.label?.name === name) {
      stmts.pop();
      uses.set(name, (uses.get(name) ?? 1) - 1);
      continue;
    }
    if (last.type === 'IfStatement') {
      stripTail((last.consequent as ES.BlockStatement).body, name, uses);
      if (last.alternate !== null && last.alternate !== undefined) {
        stripTail((last.alternate as ES.BlockStatement).body, name, uses);
      }
    } else if (last.type === 'LabeledStatement') {
      stripTail((last.body as ES.BlockStatement).body, name, uses);
    }
    return;
  }
}

/** Whether control can leave `stmts` by falling off its end. */
function fallsThrough(stmts: readonly ES.Statement[]): boolean {
  const last = stmts[stmts.length - 1];
  if (last === undefined) return true;
  switch (last.type) {
    case 'ReturnStatement':
    case 'BreakStatement':
    case 'ThrowStatement':
      return false;
    case 'IfStatement':
      return (
        last.alternate === null ||
        last.alternate === undefined ||
        fallsThrough((last.consequent as ES.BlockStatement).body) ||
        fallsThrough((last.alternate as ES.BlockStatement).body)
      );
    default:
      return true;
  }
}

const NEGATE: Partial<Record<ES.BinaryOperator, ES.BinaryOperator>> = {
  '===': '!==', '!==': '===', '<': '>=', '>=': '<', '>': '<=', '<=': '>',
};

function negate(e: ES.Expression): ES.Expression {
  if (e.type === 'BinaryExpression') {
    const op = NEGATE[e.operator];
    if (op !== undefined) return { ...e, operator: op };
  }
  return not(e);
}

/**
 * Tidies if/else: `if (c) { ...; return } else { F }` becomes `if (c) { ...; return } F`, and a
 * short jump-only else is swapped to the front, so chains of tests read as a flat sequence.
 */
function flatten(stmts: ES.Statement[]): ES.Statement[] {
  const out: ES.Statement[] = [];
  for (const s of stmts) {
    if (s.type === 'LabeledStatement') {
      const body = s.body as ES.BlockStatement;
      out.push({ ...s, body: { ...body, body: flatten(body.body) } });
      continue;
    }
    if (s.type === 'SwitchStatement') {
      out.push({ ...s, cases: s.cases.map((c) => ({ ...c, consequent: flatten(c.consequent) })) });
      continue;
    }
    if (s.type !== 'IfStatement') {
      out.push(s);
      continue;
    }
    let cons = flatten((s.consequent as ES.BlockStatement).body);
    let alt = s.alternate ? flatten((s.alternate as ES.BlockStatement).body) : [];
    let test = s.test;
    if (cons.length === 0 && alt.length === 0) continue;
    if (cons.length === 0 || (alt.length === 1 && !fallsThrough(alt) && cons.length > 1)) {
      [cons, alt] = [alt, cons];
      test = negate(test);
    }
    const comments = (s as { comments?: ES.Comment[] }).comments;
    const head = ifElse(test, cons, alt.length > 0 && fallsThrough(cons) ? alt : undefined);
    out.push(comments === undefined ? head : Object.assign(head, { comments }));
    if (!fallsThrough(cons)) out.push(...alt);
  }
  return out;
}
