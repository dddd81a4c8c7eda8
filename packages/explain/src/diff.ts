/**
 * diff(): are two seccomp filters equivalent on every input? Both are explored; a sweep over the
 * union of their arch and nr boundaries gives ranges where each filter's applicable paths are
 * fixed; for each pair of paths (one per filter) with different effects, the conjunction of
 * their word constraints is solved word by word. A solution is a counterexample, and it is run
 * through both filters by the interpreter before it is reported: a counterexample that does not
 * differ is a bug (INTERNAL), never output.
 */
import { type Endian, SECCOMP_DATA_SIZE } from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { type ArchName, decodeAction, type SeccompData, writeSeccompData } from '@ea/seccomp';
import type { VerifiedProgram } from '@ea/verifier';
import { ExplainError } from './errors.js';
import { knownAuditArches, sweep } from './explain.js';
import { ARCH_WORD, type Exploration, explore, type ExploreLimits, type Leaf, NR_WORD, WORDS } from './explore.js';
import { fieldWords } from './predicate.js';
import { conjoin, witness } from './word.js';
import { namedPieces, syscallNumbersIn } from './names.js';

/** One input on which the two filters differ. */
export interface Difference {
  /** The arch name (x32 for x86_64's AUDIT_ARCH with X32_SYSCALL_BIT), or null for an arch value we have no table for. */
  readonly arch: ArchName | null;
  readonly data: SeccompData;
  /** The syscall name when nr has one on this arch. */
  readonly name?: string;
  /** The last number of a run of unnamed numbers on which the same counterexample arguments differ. */
  readonly to?: number;
  /** What each filter returned for `data` (as run by the interpreter). */
  readonly a: number;
  readonly b: number;
}

/** The outcome of diff(). */
export interface DiffResult {
  readonly equivalent: boolean;
  readonly differences: readonly Difference[];
  /** Ranges where a pair of paths could neither be solved nor ruled out by the bounded search (normally 0). */
  readonly undecided: number;
}

/** Options of diff(): the walk bounds, and a cap on the differences listed (default 100,000). */
export interface DiffOptions extends ExploreLimits {
  readonly maxDifferences?: number;
}

/**
 * Tells whether two results have the same effect: the action, and the data where the kernel
 * uses it (errno, trap, trace). Undefined actions behave as KILL_PROCESS (__seccomp_filter).
 */
export function sameEffect(x: number, y: number): boolean {
  const a = decodeAction(x);
  const b = decodeAction(y);
  const name = (n: string) => (n === 'unknown' ? 'kill_process' : n);
  if (name(a.action) !== name(b.action)) return false;
  return a.action === 'errno' || a.action === 'trap' || a.action === 'trace' ? a.data === b.data : true;
}

/** Compares two verified seccomp filters over every input. */
export function diff(a: VerifiedProgram, b: VerifiedProgram, options: DiffOptions = {}): DiffResult {
  return diffExplorations(a, b, explore(a, options), explore(b, options), options);
}

/** Compares two explorations (of `a` and `b`), verifying every counterexample by running both programs. */
export function diffExplorations(a: VerifiedProgram, b: VerifiedProgram, ea: Exploration, eb: Exploration, options: DiffOptions = {}): DiffResult {
  const max = options.maxDifferences ?? 100_000;
  const la = ea.leaves;
  const lb = eb.leaves;
  const all: Leaf[] = [...la, ...lb];
  const split = la.length;
  const differences: Difference[] = [];
  let undecided = 0;
  const known = knownAuditArches();
  const runners = new Map<Endian, [ReturnType<typeof prepare>, ReturnType<typeof prepare>]>();
  const runnersFor = (endian: Endian) => {
    let r = runners.get(endian);
    if (r === undefined) {
      r = [prepare(a, { endian }), prepare(b, { endian })];
      runners.set(endian, r);
    }
    return r;
  };
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  for (const seg of sweep(all, ARCH_WORD, all.map((_, i) => i))) {
    // One arch value per known AUDIT_ARCH inside the segment, plus one for the unknown values.
    const values = known.filter((k) => k.auditArch >= seg.first && k.auditArch <= seg.last);
    const reps: { audit: number; endian: Endian }[] = values.map((k) => ({ audit: k.auditArch, endian: k.endian }));
    const other = firstUnknown(seg.first, seg.last, values.map((v) => v.auditArch));
    if (other !== undefined) reps.push({ audit: other, endian: 'le' });
    for (const rep of reps) {
      const [ra, rb] = runnersFor(rep.endian);
      for (const nrSeg of sweep(all, NR_WORD, seg.active)) {
        if (differences.length >= max) break;
        const pa = nrSeg.active.filter((i) => i < split);
        const pb = nrSeg.active.filter((i) => i >= split);
        const found = solvePairs(all, pa, pb);
        if (found === 'undecided') {
          undecided++;
          continue;
        }
        if (found === null) continue;
        const data = concrete(found, rep.audit, preferNamed(rep.audit, nrSeg.first, nrSeg.last), rep.endian);
        // Every reported input is run through both filters first.
        for (const piece of namedPieces(rep.audit, nrSeg.first, nrSeg.last)) {
          const input = { ...data, nr: piece.nr };
          writeSeccompData(view, input, rep.endian);
          const ra0 = ra.runSeccomp(view);
          const rb0 = rb.runSeccomp(view);
          if (sameEffect(ra0, rb0)) {
            throw new ExplainError('INTERNAL', `a counterexample (arch 0x${rep.audit.toString(16)}, nr ${piece.nr}) that does not differ when run`);
          }
          differences.push({
            arch: piece.arch,
            data: input,
            ...(piece.name !== undefined && { name: piece.name }),
            ...(piece.to !== undefined && { to: piece.to }),
            a: ra0,
            b: rb0,
          });
          if (differences.length >= max) break;
        }
      }
    }
  }
  return { equivalent: differences.length === 0 && undecided === 0, differences, undecided };
}

function firstUnknown(first: number, last: number, known: readonly number[]): number | undefined {
  const sorted = [...known].sort((x, y) => x - y);
  let v = first;
  for (const k of sorted) {
    if (k === v) v++;
    else if (k > v) break;
  }
  return v <= last ? v : undefined;
}

/** Finds words satisfying one A path and one B path with different effects, or null. */
function solvePairs(all: readonly Leaf[], pa: readonly number[], pb: readonly number[]): number[] | null | 'undecided' {
  let gaveUp = false;
  for (const i of pa) {
    for (const j of pb) {
      const x = all[i]!;
      const y = all[j]!;
      if (sameEffect(x.ret, y.ret)) continue;
      const words: number[] = [];
      let ok = true;
      for (let w = 2; w < WORDS && ok; w++) {
        const v = witness(conjoin(x.words[w]!, y.words[w]!));
        if (v === undefined) gaveUp = true;
        if (v === null || v === undefined) ok = false;
        else words[w] = v;
      }
      if (ok) return words;
    }
  }
  return gaveUp ? 'undecided' : null;
}

function preferNamed(audit: number, first: number, last: number): number {
  return syscallNumbersIn(audit, first, last)[0] ?? first;
}

function concrete(words: readonly number[], audit: number, nr: number, endian: Endian): SeccompData {
  const wide = (f: number): bigint => {
    const [lo, hi] = fieldWords(f, endian);
    return (BigInt(words[hi] ?? 0) << 32n) | BigInt(words[lo] ?? 0);
  };
  return { nr, arch: audit, instructionPointer: wide(0), args: [1, 2, 3, 4, 5, 6].map(wide) };
}

