/**
 * Dispatch on the syscall number. The number space of one AUDIT_ARCH value is cut into segments
 * with one outcome each (a return value, or the argument checks of one syscall); consecutive
 * numbers with the same return value share a segment. A subtree over some segments is either a
 * balanced `jge` split or an ascending chain that tests only the segments that differ from the
 * most common outcome (`jeq` for single numbers, one or two jumps for ranges), whichever takes
 * fewer instructions. libseccomp tests every syscall with its own `jeq`; ranges and splits are
 * what keeps this filter shorter and its paths logarithmic.
 */
import type { Assembler, Label } from './asm.js';
import type { SyscallPlan } from './plan.js';

/** What one segment of numbers does. */
export type Outcome =
  | { readonly kind: 'ret'; readonly ret: number }
  /** Argument checks; `fallback` is returned when no branch matches. */
  | { readonly kind: 'args'; readonly plan: SyscallPlan; readonly fallback: number };

/** A run of syscall numbers [lo, hi] with one outcome. */
export interface Segment {
  readonly lo: number;
  readonly hi: number;
  readonly outcome: Outcome;
}

function sameRet(a: Outcome, b: Outcome): boolean {
  return a.kind === 'ret' && b.kind === 'ret' && a.ret === b.ret;
}

/** Merges neighbouring segments that return the same value. */
export function mergeSegments(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last !== undefined && last.hi + 1 === s.lo && sameRet(last.outcome, s.outcome)) out[out.length - 1] = { ...last, hi: s.hi };
    else out.push(s);
  }
  return out;
}

/** Returns `segments` with the numbers in `ranges` (sorted, disjoint) given `outcome` instead. */
export function overlaySegments(segments: readonly Segment[], ranges: readonly { readonly lo: number; readonly hi: number }[], outcome: Outcome): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    let at = s.lo;
    for (const r of ranges) {
      if (at > s.hi) break;
      if (r.hi < at || r.lo > s.hi) continue;
      if (r.lo > at) out.push({ lo: at, hi: r.lo - 1, outcome: s.outcome });
      const hi = Math.min(r.hi, s.hi);
      out.push({ lo: Math.max(r.lo, at), hi, outcome });
      at = hi + 1;
    }
    if (at <= s.hi) out.push({ lo: at, hi: s.hi, outcome: s.outcome });
  }
  return mergeSegments(out);
}

/** Returns the label of one syscall's argument checks (emitted later by the caller, after every dispatch). */
export type ArgsLabel = (outcome: Extract<Outcome, { kind: 'args' }>) => Label;

interface Plan {
  readonly cost: number;
  readonly emit: () => Label;
}

/** Builds the dispatch over `segments` (covering [lo, hi] with no gaps); returns its entry label. */
export function emitDispatch(asm: Assembler, segments: readonly Segment[], retLabel: (ret: number) => Label, argsLabel: ArgsLabel): Label {
  const outcomeLabel = (s: Segment): Label => (s.outcome.kind === 'ret' ? retLabel(s.outcome.ret) : argsLabel(s.outcome));

  /** An ascending chain over segments i..j; returns its cost and emitter. */
  const chain = (i: number, j: number): Plan => {
    // The background: the return value most segments of the range have.
    const counts = new Map<number, number>();
    for (let x = i; x <= j; x++) {
      const o = segments[x]!.outcome;
      if (o.kind === 'ret') counts.set(o.ret, (counts.get(o.ret) ?? 0) + 1);
    }
    let background: number | undefined;
    let best = -1;
    for (const [ret, n] of counts) if (n > best) [background, best] = [ret, n];
    const lower = segments[i]!.lo;
    const upper = segments[j]!.hi;
    const tests: Segment[] = [];
    for (let x = i; x <= j; x++) {
      const s = segments[x]!;
      if (!(s.outcome.kind === 'ret' && s.outcome.ret === background)) tests.push(s);
    }
    let cost = 0;
    tests.forEach((s, n) => {
      const last = n === tests.length - 1;
      if (s.lo === s.hi) cost += 1;
      else if (s.lo === lower || (last && s.hi === upper)) cost += 1;
      else cost += 2;
    });
    // Without a return value to fall back on the chain cannot be built (only split ranges of argument checks).
    if (background === undefined) cost = Number.POSITIVE_INFINITY;
    else if (tests.length === 0) cost += 1; // a lone `ja` to the outcome
    return {
      cost,
      emit: () => {
        const entry = asm.label();
        asm.place(entry);
        const bg = retLabel(background!);
        if (tests.length === 0) {
          asm.emit({ op: 'ja', target: bg });
          return entry;
        }
        tests.forEach((s, n) => {
          const last = n === tests.length - 1;
          const next = last ? bg : asm.label();
          const hit = outcomeLabel(s);
          if (s.lo === s.hi) {
            asm.emit({ op: 'jmp', cmp: 'jeq', k: s.lo, t: hit, f: next });
          } else if (s.lo === lower) {
            // Nothing below s.lo reaches here: only the upper end needs a test.
            asm.emit({ op: 'jmp', cmp: 'jgt', k: s.hi, t: next, f: hit });
          } else if (last && s.hi === upper) {
            asm.emit({ op: 'jmp', cmp: 'jge', k: s.lo, t: hit, f: bg });
          } else {
            const inside = asm.label();
            asm.emit({ op: 'jmp', cmp: 'jgt', k: s.hi, t: next, f: inside });
            asm.place(inside);
            // Below s.lo: no later (larger) segment can match either.
            asm.emit({ op: 'jmp', cmp: 'jge', k: s.lo, t: hit, f: bg });
          }
          if (!last) asm.place(next);
        });
        return entry;
      },
    };
  };

  const plan = (i: number, j: number): Plan => {
    if (i === j) {
      const s = segments[i]!;
      return { cost: 0, emit: () => outcomeLabel(s) };
    }
    const linear = chain(i, j);
    const m = (i + j + 1) >> 1;
    const left = plan(i, m - 1);
    const right = plan(m, j);
    const split = 1 + left.cost + right.cost;
    if (linear.cost < split) return linear;
    return {
      cost: split,
      emit: () => {
        const entry = asm.label();
        asm.place(entry);
        const node = { op: 'jmp' as const, cmp: 'jge' as const, k: segments[m]!.lo, t: entry, f: entry };
        asm.emit(node);
        node.f = left.emit();
        node.t = right.emit();
        return entry;
      },
    };
  };

  return plan(0, segments.length - 1).emit();
}
