/**
 * Checks an explanation by running: for every arch value and nr range, inputs drawn from the
 * range's ends and from the constants of its decision list (each value, its neighbours, values
 * with the mask's bits set and cleared, random bits) are decided by the list and run by the
 * interpreter; the two must agree. Returns how many inputs were checked; throws on the first
 * disagreement with the input that shows it.
 */
import { type Endian, SECCOMP_DATA_SIZE } from '@ea/bpf';
import { decide, type Explanation, type NrRange } from '@ea/explain';
import { prepare } from '@ea/interpreter';
import { writeSeccompData } from '@ea/seccomp';
import type { VerifiedProgram } from '@ea/verifier';

/** A small deterministic generator (xorshift32), so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const M64 = (1n << 64n) - 1n;

function candidates(range: NrRange, next: () => number): bigint[][] {
  const pool = new Set<bigint>([0n, 1n, M64, 0xffffffffn, 0x100000000n]);
  for (const c of range.cases) {
    for (const p of c.when) {
      const wide = !p.field.endsWith('.lo') && !p.field.endsWith('.hi');
      const v = p.value;
      for (const x of [v, v - 1n, v + 1n]) if (x >= 0n && x <= M64) pool.add(x);
      if (p.mask !== undefined) {
        pool.add(v | (~p.mask & M64));
        pool.add(v | (BigInt(next()) & ~p.mask));
        pool.add(p.mask);
      }
      if (!wide) {
        // A half: put the value in either half with random other half.
        pool.add((BigInt(next()) << 32n) | (v & 0xffffffffn));
        pool.add(((v & 0xffffffffn) << 32n) | BigInt(next()));
      }
    }
  }
  const values = [...pool];
  const pick = () => values[next() % values.length]!;
  const out: bigint[][] = [];
  const n = Math.min(64, 8 + values.length * 4);
  for (let i = 0; i < n; i++) out.push([0, 1, 2, 3, 4, 5, 6].map(() => (next() % 8 === 0 ? (BigInt(next()) << 32n) | BigInt(next()) : pick())));
  return out;
}

/** Runs the check described above over every range of every arch value; returns the inputs checked. */
export function checkByRunning(program: VerifiedProgram, e: Explanation, seed = 1, maxPerArch = Infinity): number {
  const next = rng(seed);
  let checked = 0;
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  const groups: { audit: number; endian: Endian; ranges: readonly NrRange[] }[] = [
    ...e.arches.map((a) => ({ audit: a.auditArch, endian: a.endian, ranges: a.ranges })),
    ...e.otherArches.flatMap((o) => [o.first, o.last].map((audit) => ({ audit, endian: 'le' as Endian, ranges: o.ranges }))),
  ];
  for (const g of groups) {
    const run = prepare(program, { endian: g.endian });
    let n = 0;
    for (const range of g.ranges) {
      if (n++ > maxPerArch) break;
      const span = range.last - range.first;
      const nrs = [range.first, range.last, range.first + (next() % (span + 1))];
      for (const [ip, ...args] of candidates(range, next)) {
        for (const nr of nrs) {
          writeSeccompData(view, { nr, arch: g.audit, instructionPointer: ip!, args }, g.endian);
          const want = run.runSeccomp(view);
          const got = decide(range.cases, ip!, args);
          if (want !== got) {
            throw new Error(`arch 0x${g.audit.toString(16)} nr ${nr} ip ${ip} args ${args.join(',')}: filter returns 0x${want.toString(16)}, explanation says 0x${got.toString(16)}`);
          }
          checked++;
        }
      }
    }
  }
  return checked;
}
