/**
 * Dispatch regions: regions of `jeq`/`jgt`/`jge #k` tests on one unknown A value, entered only
 * at their root (libseccomp's linear syscall chains and its OPTIMIZE=2 binary trees alike),
 * turned into sorted key ranges and their targets by following the values of A from the root
 * through every test (sets of intervals, kept as bitsets over the members' cut points).
 * dispatch.ts lowers each to one dispatch: a byte table for low keys, a range search above.
 */
import { assertNever, type KnownInsn } from '@ea/bpf';
import { SLOT_A, type State, UNKNOWN } from './state.js';

/** Keys lo..hi (u32, inclusive) of a dispatch on A go to `target`. */
export interface KeyRange {
  readonly lo: number;
  readonly hi: number;
  readonly target: number;
}

/**
 * Tests on the same A (a chain of `jeq #k`), to be emitted as one dispatch: `ranges` are
 * sorted and disjoint, every key in none of them goes to `fallback`; `pcs` are the member tests
 * (for their comments), the first one is where the dispatch is.
 */
export interface Dispatch {
  readonly ranges: readonly KeyRange[];
  readonly fallback: number;
  readonly pcs: readonly number[];
}

/** What the region finder needs from the analysis. */
export interface RegionInput {
  stateIn: readonly (State | undefined)[];
  succ: readonly (readonly number[])[];
  isTest: readonly boolean[];
  preds: readonly (readonly number[])[];
}

const U32_MAX = 0xffffffff;

/**
 * A set of a region's elementary intervals (see Cuts): a bitset, or the index of its one
 * interval. A `jeq` sends one interval to its true edge; as a number, that side costs nothing
 * to make, where a bitset would cost (2 x members + 1) / 32 words per member, quadratic over a
 * long chain (a 4,096-instruction allow-list: 2,047 sets of 128 words). Such a side reaches a
 * member only through a join (alone, constant propagation knows A there), where unite() makes
 * it a bitset; split() and splitAt() still take numbers, so no caller has to know.
 */
type ValueSet = Uint32Array | number;

/** The empty set, shared: never written (owned bitsets are; see Cuts.split). */
const EMPTY = new Uint32Array(0);

/**
 * The values of A a region tells apart: `cuts` are the sorted starts of its elementary
 * intervals (cuts[0] = 0; interval j is cuts[j] up to cuts[j + 1] - 1, the last one up to
 * 0xffffffff). No test of the region separates two values of one elementary interval, so a set
 * of values reaching an edge is a set of intervals (ValueSet), where sorted interval lists would
 * copy every interval a long jeq chain's false edge still carries at every test.
 */
class Cuts {
  readonly cuts: Uint32Array;
  readonly words: number;
  constructor(insns: readonly KnownInsn[], members: readonly number[]) {
    // Every start is a u32 (k + 1 only below 0xffffffff): a typed array sorts them numerically
    // without a comparator call per step, and duplicates are dropped after the sort.
    const starts = new Uint32Array(2 * members.length + 1);
    let n = 1; // starts[0] = 0
    for (const pc of members) {
      const ins = insns[pc] as KnownInsn & { kind: 'jmp' };
      if (ins.op !== 'jgt') starts[n++] = ins.k;
      if (ins.op !== 'jge' && ins.k < U32_MAX) starts[n++] = ins.k + 1;
    }
    const sorted = starts.subarray(0, n).sort();
    let m = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i] as number;
    this.cuts = sorted.slice(0, m);
    this.words = (this.cuts.length + 31) >>> 5;
  }
  /** The elementary interval that `v` starts (v is one of the cuts). */
  index(v: number): number {
    let lo = 0;
    let hi = this.cuts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.cuts[mid] as number) <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  full(): Uint32Array {
    const set = new Uint32Array(this.words).fill(0xffffffff);
    const spare = this.words * 32 - this.cuts.length;
    if (spare > 0) set[this.words - 1] = 0xffffffff >>> spare;
    return set;
  }
  /** A new bitset holding interval j. */
  private single(j: number): Uint32Array {
    const set = new Uint32Array(this.words);
    set[j >>> 5] = 1 << (j & 31);
    return set;
  }
  /**
   * The values of `set` at or above cut index j, and those below it. Like split(), consumes
   * `set`: the caller owns it and gives it up (one side reuses it).
   */
  splitAt(set: ValueSet, j: number): [ValueSet, ValueSet] {
    if (typeof set === 'number') return set >= j ? [set, EMPTY] : [EMPTY, set];
    if (set === EMPTY) return [EMPTY, EMPTY];
    const below = set.slice();
    const above = set;
    const w = j >>> 5;
    for (let i = 0; i < w; i++) above[i] = 0;
    for (let i = w + 1; i < this.words; i++) below[i] = 0;
    // The bits below j within word w (none when j starts the word).
    const low = (j & 31) === 0 ? 0 : 0xffffffff >>> (32 - (j & 31));
    const word = set[w] as number;
    above[w] = word & ~low;
    below[w] = word & low;
    return [above, below];
  }
  /**
   * The values of `set` that take the true and the false edge of `insn` (jeq, jgt or jge #k).
   * `set` is consumed (reused for one side: a jeq's true side is a number); EMPTY stands for
   * any empty side and is never written.
   */
  split(insn: KnownInsn & { kind: 'jmp' }, set: ValueSet): [ValueSet, ValueSet] {
    const k = insn.k;
    switch (insn.op) {
      case 'jeq': {
        const j = this.index(k);
        if (typeof set === 'number') return set === j ? [set, EMPTY] : [EMPTY, set];
        const w = j >>> 5;
        const bit = 1 << (j & 31);
        if (set === EMPTY || ((set[w] as number) & bit) === 0) return [EMPTY, set];
        set[w] = (set[w] as number) & ~bit;
        return [j, set];
      }
      case 'jgt':
        return k === U32_MAX ? [EMPTY, set] : this.splitAt(set, this.index(k + 1));
      case 'jge':
        return this.splitAt(set, this.index(k));
      case 'jset':
        throw new Error('jset is not a region test');
      default:
        return assertNever(insn.op);
    }
  }
  /** The union of two owned sets (EMPTY or not), reusing a bitset among them when there is one. */
  unite(into: ValueSet, set: ValueSet): ValueSet {
    if (into === EMPTY) return set;
    if (set === EMPTY) return into;
    if (typeof into === 'number') {
      if (typeof set === 'number') return into === set ? into : this.unite(this.single(into), set);
      return this.unite(set, into);
    }
    if (typeof set === 'number') {
      into[set >>> 5] = (into[set >>> 5] as number) | (1 << (set & 31));
      return into;
    }
    for (let i = 0; i < set.length; i++) into[i] = (into[i] as number) | (set[i] as number);
    return into;
  }
  /** The intervals of `set` as [lo, hi] pairs, in order, adjacent ones merged. */
  intervals(set: ValueSet): [number, number][] {
    const out: [number, number][] = [];
    const n = this.cuts.length;
    const hiOf = (j: number): number => (j + 1 < n ? (this.cuts[j + 1] as number) - 1 : U32_MAX);
    if (typeof set === 'number') return [[this.cuts[set] as number, hiOf(set)]];
    if (set === EMPTY) return out;
    for (let j = 0; j < n; j++) {
      const word = set[j >>> 5] as number;
      // A region has up to ~2 x members cuts and exits: skip empty words whole.
      if (word === 0) {
        j |= 31;
        continue;
      }
      if (((word >>> (j & 31)) & 1) === 0) continue;
      const lo = this.cuts[j] as number;
      const hi = hiOf(j);
      const last = out[out.length - 1];
      if (last !== undefined && last[1] + 1 === lo) last[1] = hi;
      else out.push([lo, hi]);
    }
    return out;
  }
}

function isEmpty(set: ValueSet): boolean {
  if (typeof set === 'number') return false;
  for (let i = 0; i < set.length; i++) if (set[i] !== 0) return false;
  return true;
}

/** A min-heap of pcs (the region grows in pc order, which is topological). */
class PcHeap {
  private readonly xs: number[] = [];
  get size(): number {
    return this.xs.length;
  }
  push(x: number): void {
    const xs = this.xs;
    let i = xs.length;
    xs.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((xs[p] as number) <= x) break;
      xs[i] = xs[p] as number;
      i = p;
    }
    xs[i] = x;
  }
  pop(): number {
    const xs = this.xs;
    const top = xs[0] as number;
    const last = xs.pop() as number;
    const n = xs.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && (xs[c + 1] as number) < (xs[c] as number)) c++;
        if ((xs[c] as number) >= last) break;
        xs[i] = xs[c] as number;
        i = c;
      }
      xs[i] = last;
    }
    return top;
  }
}

/** A region found from a root: its members in pc order and the values of A each exit receives. */
interface Region {
  readonly members: number[];
  /** Exit pc to the values reaching it (undefined when `cuts` was not given). */
  readonly exits: Map<number, ValueSet | undefined>;
}

/** How growRegion runs: which pcs are region tests, where members are marked. */
interface Grower {
  readonly insns: readonly KnownInsn[];
  readonly f: RegionInput;
  readonly isRegionTest: (pc: number) => boolean;
  readonly stamp: Int32Array;
}

/**
 * Grows the region of tests on the same unknown A from `root`, in pc order (topological, so a
 * pc's predecessors are settled when it is reached). A successor joins when it is a region test
 * and all its predecessors are members: the region is entered only at its root. With `cuts`,
 * the values of A are propagated too (the root receives every u32). A member the region already
 * decides (an edge that carries no value: the last `jeq` of a libseccomp leaf) costs nothing
 * once absorbed; `strict` keeps such tests outside as exits instead, for when an exit would
 * otherwise receive no value at all (see findDispatches), and gives undefined when the root is
 * one. `mark` tags this growth's members in `stamp`.
 */
function growRegion(g: Grower, root: number, mark: number, cuts: Cuts | undefined, strict: boolean): Region | undefined {
  const { insns, f, isRegionTest, stamp } = g;
  const members: number[] = [];
  const exits = new Map<number, ValueSet | undefined>();
  const incoming = new Map<number, ValueSet | undefined>([[root, cuts?.full()]]);
  const heap = new PcHeap();
  heap.push(root);
  while (heap.size > 0) {
    const pc = heap.pop();
    const set = incoming.get(pc);
    incoming.delete(pc);
    let join = pc === root || (isRegionTest(pc) && (f.preds[pc] ?? []).every((p) => stamp[p] === mark));
    let edges: [ValueSet, ValueSet] | undefined;
    if (join && cuts !== undefined && set !== undefined) {
      edges = cuts.split(insns[pc] as KnownInsn & { kind: 'jmp' }, set);
      if (strict && (isEmpty(edges[0]) || isEmpty(edges[1]))) join = false;
    }
    if (!join) {
      if (pc === root) return undefined;
      // split() consumed the set: its two sides make it up again.
      exits.set(pc, edges === undefined || cuts === undefined ? set : cuts.unite(edges[0], edges[1]));
      continue;
    }
    stamp[pc] = mark;
    members.push(pc);
    const targets = f.succ[pc] as [number, number];
    for (let side = 0; side < 2; side++) {
      const target = targets[side] as number;
      const values = edges?.[side];
      if (!incoming.has(target)) {
        incoming.set(target, values);
        heap.push(target);
      } else if (values !== undefined && cuts !== undefined) {
        incoming.set(target, cuts.unite(incoming.get(target) as ValueSet, values));
      }
    }
  }
  return { members, exits };
}

/**
 * Turns a region's exit sets into a Dispatch: the exit whose values form the most intervals
 * (then the most keys, then the lowest pc) becomes the fallback, every other interval a range.
 * Returns undefined when the ranges would outnumber what the tests they replace are worth (the
 * exits partition the u32s at the members' 2 x members cut points, so this is a safety net).
 */
function regionDispatch(region: Region, cuts: Cuts): Dispatch | undefined {
  const pieces: KeyRange[] = [];
  let fallback = -1;
  let bestCount = -1;
  let bestKeys = -1;
  for (const [target, set] of region.exits) {
    const list = cuts.intervals(set as ValueSet);
    if (list.length === 0) continue;
    let keys = 0;
    for (const [lo, hi] of list) {
      pieces.push({ lo, hi, target });
      keys += hi - lo + 1;
    }
    const count = list.length;
    if (count > bestCount || (count === bestCount && (keys > bestKeys || (keys === bestKeys && target < fallback)))) {
      fallback = target;
      bestCount = count;
      bestKeys = keys;
    }
  }
  pieces.sort((x, y) => x.lo - y.lo);
  // Every value of A takes exactly one path through the tests: the exits partition the u32s.
  let next = 0;
  for (const p of pieces) {
    if (p.lo !== next) throw new Error(`region at ${region.members[0]}: exit sets do not partition the u32 values`);
    next = p.hi + 1;
  }
  if (next !== U32_MAX + 1) throw new Error(`region at ${region.members[0]}: exit sets do not cover the u32 values`);
  const ranges: KeyRange[] = [];
  for (const p of pieces) {
    if (p.target === fallback) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.target === p.target && last.hi + 1 === p.lo) ranges[ranges.length - 1] = { ...last, hi: p.hi };
    else ranges.push(p);
  }
  if (ranges.length > 4 * region.members.length + 4) return undefined;
  return { ranges, fallback, pcs: region.members };
}

/**
 * Whether an exit of `region` receives no value and is reached only from members: the
 * dispatch would never branch there, leaving a block without predecessors that the
 * structurer cannot place (its dominator computation needs every block reachable).
 */
function deadExit(region: Region, f: RegionInput, stamp: Int32Array, mark: number): boolean {
  for (const [target, set] of region.exits) {
    if (isEmpty(set as ValueSet) && (f.preds[target] ?? []).every((p) => stamp[p] === mark)) return true;
  }
  return false;
}

/**
 * Finds regions of tests on the same unknown A (`jeq`, `jgt`, `jge #k`) entered only at their
 * first test: libseccomp's linear `jeq` chains and the binary trees of `jgt`/`jge` that its
 * SCMP_FLTATR_CTL_OPTIMIZE=2 emits. Each becomes one dispatch over key ranges; regions of
 * fewer than `minSwitch` tests are left alone.
 */
export function findDispatches(
  insns: readonly KnownInsn[],
  f: RegionInput,
  minSwitch: number,
): { dispatches: Map<number, Dispatch>; absorbed: boolean[] } {
  const dispatches = new Map<number, Dispatch>();
  const absorbed = new Array<boolean>(insns.length).fill(false);
  // Members of regions too small to keep: a region grown from one of them is no bigger.
  const tried = new Array<boolean>(insns.length).fill(false);
  const isRegionTest = (pc: number): boolean => {
    const ins = insns[pc] as KnownInsn;
    return (
      f.isTest[pc] === true &&
      ins.kind === 'jmp' &&
      ins.op !== 'jset' &&
      ins.src === 'k' &&
      f.stateIn[pc]?.[SLOT_A] === UNKNOWN
    );
  };
  const g: Grower = { insns, f, isRegionTest, stamp: new Int32Array(insns.length) };
  for (let pc = 0; pc < insns.length; pc++) {
    if (absorbed[pc] || tried[pc] || !isRegionTest(pc)) continue;
    // The members alone first (the cheapest test of size), then the values with their cuts.
    const shape = growRegion(g, pc, 3 * pc + 1, undefined, false) as Region;
    if (shape.members.length < minSwitch) {
      for (const m of shape.members) tried[m] = true;
      continue;
    }
    const cuts = new Cuts(insns, shape.members);
    let region = growRegion(g, pc, 3 * pc + 2, cuts, false);
    // A strict region is a subset of the loose one: the same cuts tell its values apart.
    if (region !== undefined && deadExit(region, f, g.stamp, 3 * pc + 2)) region = growRegion(g, pc, 3 * pc + 3, cuts, true);
    if (region === undefined || region.members.length < minSwitch) continue;
    const sw = regionDispatch(region, cuts);
    if (sw === undefined) continue;
    for (const m of region.members.slice(1)) absorbed[m] = true;
    dispatches.set(pc, sw);
  }
  return { dispatches, absorbed };
}
