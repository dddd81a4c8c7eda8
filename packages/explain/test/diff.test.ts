/**
 * diff(): libseccomp's linear and binary-tree builds of one policy are equivalent (and survive
 * random differential runs); planted one-instruction mutations are caught whenever running finds
 * a difference; every counterexample really differs when both filters run.
 */
import { type Insn, insn } from '@ea/bpf';
import { diff, explain, sameEffect } from '@ea/explain';
import { prepare } from '@ea/interpreter';
import { ARCHES, callData, syscallTable, writeSeccompData } from '@ea/seccomp';
import { check, type VerifiedProgram, verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committedPolicies, programArb, SECCOMP_POOL } from '@ea/testkit';
import { rng } from './support/check.js';
import { libseccompFilter, libseccompUnavailable, RULES } from './libseccomp.js';

const seccomp = (insns: readonly Insn[]) => verify(insns, { profile: 'seccomp' });
const committed = (name: string) => seccomp(committedPolicies().find((p) => p.name === name)!.program);

/** Constants both programs compare with, their neighbours, and a few edges. */
function pool(...programs: VerifiedProgram[]): bigint[] {
  const out = new Set<bigint>([0n, 1n, 0xffffffffn, 0x100000000n, (1n << 64n) - 1n]);
  for (const p of programs) for (const i of p.insns) if (i.kind === 'jmp' || i.kind === 'alu') for (const d of [-1, 0, 1]) out.add(BigInt((i.k + d) >>> 0));
  return [...out];
}

/** Runs both filters over calls of every named syscall (and edges) with arguments from the pool; returns a differing call or null. */
function runDiffers(a: VerifiedProgram, b: VerifiedProgram, seed: number, perCall: number): string | null {
  const next = rng(seed);
  const values = pool(a, b);
  const view = new DataView(new ArrayBuffer(64));
  for (const arch of ['x86_64', 'i386', 'x32'] as const) {
    const ra = prepare(a, { endian: ARCHES[arch].endian });
    const rb = prepare(b, { endian: ARCHES[arch].endian });
    const nrs = [...syscallTable(arch).map(([, nr]) => nr), 0x3fffffff, 0xffffffff, 1000];
    for (const nr of nrs) {
      for (let k = 0; k < perCall; k++) {
        const args = [0, 1, 2, 3, 4, 5].map(() => {
          const v = values[next() % values.length]!;
          return next() % 4 === 0 ? ((v << 32n) | v) & ((1n << 64n) - 1n) : v;
        });
        writeSeccompData(view, callData(arch, nr, args), ARCHES[arch].endian);
        const x = ra.runSeccomp(view);
        const y = rb.runSeccomp(view);
        if (!sameEffect(x, y)) return `${arch} nr ${nr} args ${args.join(',')}: 0x${x.toString(16)} vs 0x${y.toString(16)}`;
      }
    }
  }
  return null;
}

/** Checks that every reported counterexample differs when run (diff also checks this itself). */
function expectCounterexamplesDiffer(a: VerifiedProgram, b: VerifiedProgram): number {
  const result = diff(a, b);
  const view = new DataView(new ArrayBuffer(64));
  for (const d of result.differences) {
    const endian = d.arch === null ? 'le' : ARCHES[d.arch].endian;
    writeSeccompData(view, d.data, endian);
    const x = prepare(a, { endian }).runSeccomp(view);
    const y = prepare(b, { endian }).runSeccomp(view);
    expect(sameEffect(x, y)).toBe(false);
    expect([x, y]).toEqual([d.a, d.b]);
  }
  return result.differences.length;
}

describe('diff on committed libseccomp policies', () => {
  it('the linear and binary-tree builds are equivalent, and random runs agree', () => {
    for (const [x, y] of [['allowlist', 'allowlist-tree'], ['args', 'args-tree']] as const) {
      const a = committed(x);
      const b = committed(y);
      expect(diff(a, b)).toEqual({ equivalent: true, differences: [], undecided: 0 });
      expect(runDiffers(a, b, 5, 4)).toBeNull();
    }
  });

  it('different policies differ, with counterexamples that differ when run', () => {
    expect(expectCounterexamplesDiffer(committed('allowlist'), committed('args'))).toBeGreaterThan(5);
    expect(expectCounterexamplesDiffer(committed('allowlist'), committed('denylist'))).toBeGreaterThan(20);
    expect(expectCounterexamplesDiffer(committed('multiarch'), committed('allowlist'))).toBeGreaterThan(100);
  });
});

describe('planted one-instruction mutations', () => {
  /** Mutations of one instruction: a bit of k, the jump targets swapped, a jump target moved by one. */
  function mutations(program: readonly Insn[], seed: number, count: number): Insn[][] {
    const next = rng(seed);
    const out: Insn[][] = [];
    for (let tries = 0; out.length < count && tries < count * 20; tries++) {
      const pc = next() % program.length;
      const i = program[pc]!;
      let m: Insn;
      switch (next() % 3) {
        case 0:
          m = insn(i.code, i.jt, i.jf, (i.k ^ (1 << (next() % 32))) >>> 0);
          break;
        case 1:
          m = insn(i.code, i.jf, i.jt, i.k);
          break;
        default:
          m = insn(i.code, i.jt + 1, i.jf, i.k);
      }
      const mutated = [...program];
      mutated[pc] = m;
      if (check(mutated, { profile: 'seccomp' }).ok) out.push(mutated);
    }
    return out;
  }

  it('diff reports every mutation that running shows to matter, and only verified counterexamples', () => {
    const original = committedPolicies().find((p) => p.name === 'args')!.program;
    const a = seccomp(original);
    let caught = 0;
    let checked = 0;
    for (const mutated of mutations(original, 99, process.env['EA_FUZZ'] ? 300 : 40)) {
      const b = seccomp(mutated);
      const result = diff(a, b);
      const running = runDiffers(a, b, 3, 1);
      if (running !== null) expect(result.equivalent, `missed: ${running}`).toBe(false);
      if (!result.equivalent) {
        caught++;
        expectCounterexamplesDiffer(a, b);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    expect(caught).toBeGreaterThan(10);
  });

  it('a changed errno, a changed syscall number and a changed argument constant are all caught', () => {
    const original = committedPolicies().find((p) => p.name === 'args')!.program;
    const a = seccomp(original);
    const plant = (pick: (i: Insn) => boolean, change: (i: Insn) => Insn) => {
      const pc = original.findIndex(pick);
      expect(pc).toBeGreaterThan(0);
      const mutated = [...original];
      mutated[pc] = change(original[pc]!);
      return diff(a, seccomp(mutated));
    };
    // ERRNO(7) -> ERRNO(6) on write's size rule.
    expect(plant((i) => i.kind === 'ret_k' && i.k === 0x50007, (i) => insn(i.code, 0, 0, 0x50006)).equivalent).toBe(false);
    // The check for ioctl's 0x5412 becomes 0x5413.
    const ioctl = plant((i) => i.kind === 'jmp' && i.k === 0x5412, (i) => insn(i.code, i.jt, i.jf, 0x5413));
    expect(ioctl.differences.map((d) => [d.name, d.data.args[1]])).toEqual(expect.arrayContaining([['ioctl', expect.any(BigInt)]]));
  });
});

describe.skipIf(libseccompUnavailable() !== null)('diff on filters libseccomp generates here', () => {
  it('optimisation levels 1 and 2 are equivalent, for x86_64 alone and with i386 and x32', () => {
    for (const arches of [[], ['X86', 'X32']] as const) {
      const linear = seccomp(libseccompFilter(RULES, { defaultAction: 'ERRNO(1)', arches, optimize: 1 }));
      const tree = seccomp(libseccompFilter(RULES, { defaultAction: 'ERRNO(1)', arches, optimize: 2 }));
      expect(linear.insns).not.toEqual(tree.insns);
      expect(diff(linear, tree).equivalent).toBe(true);
      expect(runDiffers(linear, tree, 17, 3)).toBeNull();
      expect(explain(linear).arches.filter((x) => x.accepted).length).toBe(arches.length === 0 ? 1 : 2);
    }
  });

  it('one rule more is found, with its syscall and a counterexample argument', () => {
    const base = seccomp(libseccompFilter(RULES, { defaultAction: 'ERRNO(1)', optimize: 2 }));
    const edited = seccomp(libseccompFilter([...RULES, { action: 'ALLOW', name: 'socket', args: ['Arg(0, EQ, 38)'] }], { defaultAction: 'ERRNO(1)', optimize: 2 }));
    const result = diff(base, edited);
    expect(result.differences.map((d) => [d.arch, d.name, d.data.args[0]])).toEqual([['x86_64', 'socket', 38n]]);
  });
});

describe.skipIf(libseccompUnavailable() === null)('libseccomp bindings', () => {
  it('are missing here', () => {
    console.warn(`skipping live libseccomp diff tests: ${libseccompUnavailable()}`);
  });
});

describe('diff on random seccomp programs', () => {
  /** Runs both programs over seccomp_data whose 16 words come from the programs' constants and edges. */
  function randomRunsDiffer(a: VerifiedProgram, b: VerifiedProgram, seed: number, runs: number): boolean {
    const next = rng(seed);
    const words = [...new Set([...SECCOMP_POOL, ...pool(a, b).map((v) => Number(v & 0xffffffffn))])];
    const view = new DataView(new ArrayBuffer(64));
    const ra = prepare(a);
    const rb = prepare(b);
    for (let n = 0; n < runs; n++) {
      for (let w = 0; w < 16; w++) view.setUint32(4 * w, next() % 3 === 0 ? next() : words[next() % words.length]!, true);
      if (!sameEffect(ra.runSeccomp(view), rb.runSeccomp(view))) return true;
    }
    return false;
  }

  it('a program and a one-instruction mutation: counterexamples differ when run, equivalent pairs agree on random runs', () => {
    let compared = 0;
    let different = 0;
    fc.assert(
      fc.property(programArb('seccomp', 30), fc.nat(), fc.nat(), (insns, at, seed) => {
        const a = check(insns, { profile: 'seccomp' });
        if (!a.ok) return;
        const pc = at % insns.length;
        const i = insns[pc]!;
        const mutated = [...insns];
        mutated[pc] = insn(i.code, i.jt, i.jf, (i.k ^ (1 << (seed % 32))) >>> 0);
        const b = check(mutated, { profile: 'seccomp' });
        if (!b.ok) return;
        let result: ReturnType<typeof diff>;
        try {
          result = diff(a.program, b.program);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('UNSUPPORTED');
          return;
        }
        compared++;
        if (result.equivalent) expect(randomRunsDiffer(a.program, b.program, seed + 1, 300)).toBe(false);
        else {
          different++;
          expectCounterexamplesDiffer(a.program, b.program);
        }
      }),
      { numRuns: process.env['EA_FUZZ'] ? 3000 : 200 },
    );
    expect(compared).toBeGreaterThan(50);
    expect(different).toBeGreaterThan(0);
  });
});
