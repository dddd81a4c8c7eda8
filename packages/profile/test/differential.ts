/**
 * Runs our filter and libseccomp's, built from the same resolved profile, over every syscall
 * number of each architecture (plus numbers past the tables, the x32 boundary and -1, and other
 * architectures) with argument values at and around every constant the rules mention, through
 * our interpreter. Numbers whose name only one side knows are exceptions, reported by name.
 */
import type { Insn } from '@ea/bpf';
import { Interpreter } from '@ea/interpreter';
import type { CompiledProfile } from '@ea/profile';
import { ARCHES, type ArchName, SYSCALL_ARCHES, syscallTable, writeSeccompData } from '@ea/seccomp';
import { seededFloats } from '@ea/testkit';
import { verify } from '@ea/verifier';
import { type LibseccompFilter, libseccompFilter } from './libseccomp.js';

const U64_MAX = (1n << 64n) - 1n;
const BIT32 = 1n << 32n;

/** One disagreement. */
export interface Difference {
  readonly arch: string;
  readonly nr: number;
  readonly args: readonly bigint[];
  readonly ours: number;
  readonly theirs: number;
}

/** What a comparison found. */
export interface Comparison {
  readonly ours: number;
  readonly theirs: number;
  readonly cases: number;
  /** Cases both filters allowed: a run where everything hit the bad-arch action would be vacuous. */
  readonly allowed: number;
  readonly differences: readonly Difference[];
  /** Differences at numbers whose name one side does not know: `arch:name`. */
  readonly excepted: readonly string[];
  readonly refused: readonly string[];
}

/** Returns argument values at and around the given constants (and the u64 edges). */
export function around(values: Iterable<bigint>): bigint[] {
  const out = new Set<bigint>([0n, 1n, U64_MAX, 0xffffffffn, BIT32]);
  for (const v of values) {
    for (const d of [v - 1n, v, v + 1n, v | BIT32, v & 0xffffffffn, v ^ BIT32, v ^ 1n, ~v & U64_MAX]) {
      if (d >= 0n && d <= U64_MAX) out.add(d);
    }
  }
  return [...out];
}

/** Returns a small deterministic PRNG (@ea/testkit's seeded stream) for sampled argument vectors. */
export const random: (seed: number) => () => number = seededFloats;

/** Returns argument vectors for a syscall whose rules test the given indexes with the given constants. */
export function vectors(byIndex: ReadonlyMap<number, bigint[]>, rnd: () => number, cap = 3000): bigint[][] {
  const idx = [...byIndex.keys()].sort();
  const sets = idx.map((i) => around(byIndex.get(i)!));
  const out: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
  const total = sets.reduce((n, s) => n * s.length, 1);
  const pick = (choose: (s: bigint[], k: number) => bigint): void => {
    const v = [0n, 0n, 0n, 0n, 0n, 0n];
    idx.forEach((i, k) => {
      v[i] = choose(sets[k]!, k);
    });
    out.push(v);
  };
  if (total <= cap) {
    const counters = idx.map(() => 0);
    for (let n = 0; n < total; n++) {
      pick((s, k) => s[counters[k]!]!);
      for (let k = 0; k < counters.length; k++) {
        counters[k]!++;
        if (counters[k]! < sets[k]!.length) break;
        counters[k] = 0;
      }
    }
  } else {
    for (let n = 0; n < cap; n++) pick((s) => s[Math.floor(rnd() * s.length)]!);
  }
  return out;
}

/**
 * Compares our compiled profile with libseccomp's filter for the same resolved rules (or with
 * what `wrap` makes of it, such as runc's ENOSYS stub in front).
 */
export function compareWithLibseccomp(
  compiled: CompiledProfile,
  badArch = 0,
  wrap?: (lib: LibseccompFilter) => Insn[],
): Comparison & { readonly lib: LibseccompFilter; readonly libInsns: readonly Insn[] } {
  const built = libseccompFilter(compiled.resolved, badArch);
  const lib = wrap === undefined ? built : { ...built, insns: wrap(built) };
  // The kernel fills seccomp_data in its own byte order, which every arch of one filter shares.
  const order = ARCHES[compiled.resolved.arches[0]!].endian;
  const ours = new Interpreter(compiled.program, { endian: order });
  const theirs = new Interpreter(verify(lib.insns, { profile: 'seccomp' }), { endian: order });
  const view = new DataView(new ArrayBuffer(64));
  const differences: Difference[] = [];
  const excepted = new Set<string>();
  const rnd = random(13);
  let cases = 0;
  let allowed = 0;
  const run = (arch: ArchName | undefined, auditArch: number, nr: number, args: bigint[]): void => {
    writeSeccompData(view, { nr, arch: auditArch, instructionPointer: 0n, args }, order);
    const a = ours.runSeccomp(view);
    const b = theirs.runSeccomp(view);
    cases++;
    if (a === b && a === 0x7fff0000) allowed++;
    if (a !== b) differences.push({ arch: arch ?? `0x${auditArch.toString(16)}`, nr, args, ours: a, theirs: b });
  };
  for (const arch of compiled.resolved.arches) {
    const info = ARCHES[arch];
    const table = syscallTable(arch);
    const ourNumbers = new Map(table);
    // Exceptions: names of the profile that only one side can place on this arch.
    const except = new Map<number, string>();
    for (const [name, theirNr] of Object.entries(lib.numbers[arch] ?? {})) {
      const ourNr = ourNumbers.get(name);
      if (ourNr !== theirNr) {
        if (ourNr !== undefined) except.set(ourNr, name);
        if (theirNr !== undefined) except.set(theirNr >>> 0, name);
      }
    }
    const numbers = new Set<number>(table.map(([, nr]) => nr));
    const max = Math.max(...numbers);
    for (let n = 1; n <= 16; n++) numbers.add(max + n);
    for (const n of [0x3fffffff, 0x40000000, 0x40000001, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 4095, 4096]) numbers.add(n);
    if (info.nrBit !== 0) for (let n = 0; n < 16; n++) numbers.add(n);
    for (const t of Object.values(lib.numbers[arch] ?? {})) if (t !== undefined) numbers.add(t >>> 0);
    // Constants per syscall number, from the rules that name it (socketcall/ipc get every socket/IPC rule's).
    const consts = new Map<number, Map<number, bigint[]>>();
    const plan = compiled.plans.find((p) => p.arch === arch)!;
    for (const sc of plan.syscalls) {
      for (const br of sc.branches) {
        for (const c of br.conds) {
          const m = consts.get(sc.nr) ?? new Map<number, bigint[]>();
          consts.set(sc.nr, m);
          const list = m.get(c.index) ?? [];
          m.set(c.index, list);
          list.push(c.value, c.valueTwo);
        }
      }
    }
    for (const r of compiled.resolved.rules) {
      for (const name of r.names) {
        const nr = ourNumbers.get(name) ?? lib.numbers[arch]?.[name];
        if (nr === undefined) continue;
        const m = consts.get(nr) ?? new Map<number, bigint[]>();
        consts.set(nr, m);
        for (const a of r.args) {
          const list = m.get(a.index) ?? [];
          m.set(a.index, list);
          list.push(a.value, a.valueTwo);
        }
      }
    }
    for (const nr of numbers) {
      const before = differences.length;
      const byIndex = consts.get(nr);
      const list = byIndex === undefined ? [[0n, 0n, 0n, 0n, 0n, 0n]] : vectors(byIndex, rnd);
      const r = (): bigint => (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
      list.push([r(), r(), r(), r(), r(), r()]);
      for (const args of list) run(arch, info.auditArch, nr, args);
      if (differences.length > before && except.has(nr)) {
        differences.length = before;
        excepted.add(`${arch}:${except.get(nr)}`);
      }
    }
  }
  // Architectures outside the filter get the bad-arch action on both sides.
  for (const other of SYSCALL_ARCHES) {
    const audit = ARCHES[other].auditArch;
    if (compiled.resolved.arches.some((a) => ARCHES[a].auditArch === audit)) continue;
    for (const nr of [0, 1, 59, 0x40000000]) run(undefined, audit, nr, [0n, 0n, 0n, 0n, 0n, 0n]);
  }
  run(undefined, 0, 0, [0n, 0n, 0n, 0n, 0n, 0n]);
  return {
    ours: compiled.insns.length,
    theirs: lib.insns.length,
    cases,
    allowed,
    differences,
    excepted: [...excepted].sort(),
    refused: lib.refused,
    lib,
    libInsns: lib.insns,
  };
}
