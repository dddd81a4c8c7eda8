/**
 * explain(): for every value of seccomp_data.arch and every one of the 2^32 syscall numbers, the
 * filter's exact decision as one action or an ordered decision list over the other fields. The
 * paths of explore() carry nr and arch as interval sets, so a sweep over their boundaries splits
 * each arch's numbers into ranges on which the same paths apply; each range gets one list.
 */
import type { Endian } from '@ea/bpf';
import { ARCHES, type ArchName, decodeAction, SYSCALL_ARCHES } from '@ea/seccomp';
import { namedPieces } from './names.js';
import type { VerifiedProgram } from '@ea/verifier';
import { ARCH_WORD, type Exploration, explore, type ExploreLimits, type Leaf, NR_WORD } from './explore.js';
import { type IntervalSet, U32_MAX } from './interval.js';
import { type Case, decisionList } from './predicate.js';

/** Options of explain(): the bounds of the path walk. */
export type ExplainOptions = ExploreLimits;

/** A range of syscall numbers on which the filter decides the same way. */
export interface NrRange {
  readonly first: number;
  readonly last: number;
  /** The decision list; a single case with an empty `when` is an unconditional action. */
  readonly cases: readonly Case[];
  /** Indexes into `leaves` of the paths that apply, in walk order. */
  readonly paths: readonly number[];
}

/** The decisions for one value of seccomp_data.arch. */
export interface ArchExplanation {
  /** The AUDIT_ARCH value. */
  readonly auditArch: number;
  /** The architectures that use it (x86_64 and x32 share one), empty for an unknown value. */
  readonly names: readonly ArchName[];
  readonly endian: Endian;
  /** Covers 0 .. 2^32-1 in order. */
  readonly ranges: readonly NrRange[];
  /** Some number gets an action that lets the call run or returns to the caller (not kill or trap). */
  readonly accepted: boolean;
}

/** The arch values outside our tables that decide alike: [first, last] minus the known ones. */
export interface OtherArches {
  readonly first: number;
  readonly last: number;
  readonly ranges: readonly NrRange[];
}

/** The exact decision of a seccomp filter. */
export interface Explanation {
  /** One entry per known AUDIT_ARCH value (x86_64/x32 share one), in SYSCALL_ARCHES order. */
  readonly arches: readonly ArchExplanation[];
  /** Arch values we have no table for, grouped into ranges that decide alike. */
  readonly otherArches: readonly OtherArches[];
  readonly exploration: Exploration;
}

/** One syscall number (or a run of unnamed numbers) with its decision, as the CLI prints it. */
export interface SyscallDecision {
  readonly arch: ArchName;
  readonly nr: number;
  /** The last number of a run of unnamed numbers (absent for a single number). */
  readonly to?: number;
  readonly name?: string;
  readonly cases: readonly Case[];
}

/** Lists the AUDIT_ARCH values we know, each with the arch names that share it. */
export function knownAuditArches(): { auditArch: number; names: ArchName[]; endian: Endian }[] {
  const out: { auditArch: number; names: ArchName[]; endian: Endian }[] = [];
  for (const name of SYSCALL_ARCHES) {
    const info = ARCHES[name];
    const seen = out.find((o) => o.auditArch === info.auditArch);
    if (seen) seen.names.push(name);
    else out.push({ auditArch: info.auditArch, names: [name], endian: info.endian });
  }
  return out;
}

/** Computes the exact decision of a verified seccomp filter for every arch value and syscall number. */
export function explain(program: VerifiedProgram, options: ExplainOptions = {}): Explanation {
  const exploration = explore(program, options);
  return explainExploration(exploration);
}

/** Groups an exploration's paths by arch value and syscall number. */
export function explainExploration(exploration: Exploration): Explanation {
  const leaves = exploration.leaves;
  const known = knownAuditArches();
  const cache = new Map<string, NrRange[]>();
  const rangesFor = (active: readonly number[], endian: Endian): NrRange[] => {
    const key = `${endian}:${active.join(',')}`;
    let r = cache.get(key);
    if (r === undefined) {
      r = nrRanges(leaves, active, endian);
      cache.set(key, r);
    }
    return r;
  };
  const arches: ArchExplanation[] = known.map((k) => {
    const active = activeAt(leaves, ARCH_WORD, k.auditArch);
    const ranges = rangesFor(active, k.endian);
    return { auditArch: k.auditArch, names: k.names, endian: k.endian, ranges, accepted: ranges.some((r) => r.cases.some((c) => lets(c.ret))) };
  });
  const otherArches: OtherArches[] = [];
  for (const seg of sweep(leaves, ARCH_WORD, leaves.map((_, i) => i))) {
    for (const [first, last] of withoutKnown(seg.first, seg.last, known.map((k) => k.auditArch))) {
      otherArches.push({ first, last, ranges: rangesFor(seg.active, 'le') });
    }
  }
  return { arches, otherArches, exploration };
}

/** Tells whether an action lets the program go on (allow, log, errno, trace, user_notif: not a kill or a trap). */
export function lets(ret: number): boolean {
  const action = decodeAction(ret).action;
  return action === 'allow' || action === 'log' || action === 'errno' || action === 'trace' || action === 'user_notif';
}

function withoutKnown(first: number, last: number, known: readonly number[]): [number, number][] {
  const inside = known.filter((k) => k >= first && k <= last).sort((a, b) => a - b);
  const out: [number, number][] = [];
  let next = first;
  for (const k of inside) {
    if (k > next) out.push([next, k - 1]);
    next = k + 1;
  }
  if (next <= last) out.push([next, last]);
  return out;
}

/** Returns the leaves whose constraint on `word` admits `value`, in walk order. */
export function activeAt(leaves: readonly Leaf[], word: number, value: number): number[] {
  const out: number[] = [];
  leaves.forEach((l, i) => {
    if (inSet(l.words[word]!.ranges, value)) out.push(i);
  });
  return out;
}

function inSet(set: IntervalSet, v: number): boolean {
  for (let i = 0; i < set.length; i += 2) if (v >= set[i]! && v <= set[i + 1]!) return true;
  return false;
}

/** A maximal run of values of one word on which the same leaves apply. */
export interface Segment {
  readonly first: number;
  readonly last: number;
  readonly active: readonly number[];
}

/** Splits 0..2^32-1 at every boundary of the leaves' interval sets on `word`. */
export function sweep(leaves: readonly Leaf[], word: number, subset: readonly number[]): Segment[] {
  const events: [number, number, 1 | -1][] = [];
  for (const i of subset) {
    const set = leaves[i]!.words[word]!.ranges;
    for (let j = 0; j < set.length; j += 2) {
      events.push([set[j]!, i, 1]);
      if (set[j + 1]! < U32_MAX) events.push([set[j + 1]! + 1, i, -1]);
    }
  }
  events.sort((a, b) => a[0] - b[0]);
  const active = new Set<number>();
  const out: Segment[] = [];
  let e = 0;
  let start = 0;
  while (start <= U32_MAX) {
    while (e < events.length && events[e]![0] === start) {
      const [, i, d] = events[e]!;
      if (d === 1) active.add(i);
      else active.delete(i);
      e++;
    }
    const end = e < events.length ? events[e]![0] - 1 : U32_MAX;
    const list = [...active].sort((a, b) => a - b);
    const prev = out[out.length - 1];
    if (prev !== undefined && sameList(prev.active, list)) out[out.length - 1] = { first: prev.first, last: end, active: list };
    else out.push({ first: start, last: end, active: list });
    start = end + 1;
  }
  return out;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function nrRanges(leaves: readonly Leaf[], active: readonly number[], endian: Endian): NrRange[] {
  const lists = new Map<string, Case[]>();
  return sweep(leaves, NR_WORD, active).map((seg) => {
    const key = seg.active.join(',');
    let cases = lists.get(key);
    if (cases === undefined) {
      cases = decisionList(seg.active.map((i) => leaves[i]!), endian);
      lists.set(key, cases);
    }
    return { first: seg.first, last: seg.last, cases, paths: seg.active };
  });
}

/** Lists one entry per named syscall number and one per run of unnamed numbers, for one arch value. */
export function syscallDecisions(arch: ArchExplanation): SyscallDecision[] {
  const out: SyscallDecision[] = [];
  for (const r of arch.ranges) {
    for (const p of namedPieces(arch.auditArch, r.first, r.last)) {
      out.push({
        arch: p.arch ?? arch.names[0]!,
        nr: p.nr,
        ...(p.to !== undefined && { to: p.to }),
        ...(p.name !== undefined && { name: p.name }),
        cases: r.cases,
      });
    }
  }
  return out;
}

/** Returns the decision of the range holding `nr` for one arch value. */
export function rangeOf(arch: ArchExplanation | OtherArches, nr: number): NrRange {
  const u = nr >>> 0;
  const found = arch.ranges.find((r) => u >= r.first && u <= r.last);
  if (found === undefined) throw new Error(`no range holds ${u}`);
  return found;
}
