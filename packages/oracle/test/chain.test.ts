/**
 * Differential test of @ea/seccomp's runChain against seccomp_run_filters on the running kernel:
 * random stacks of constant and nr-dependent filters, with undefined actions, ERRNO data ties,
 * TRAP vs ERRNO, USER_NOTIF with and without a listener on the matching filter, and the x86_64
 * uprobe bypass. Probes are getpid, getppid, undefined numbers and uprobe (see c/chain.c).
 */
import { AUDIT_ARCH_X86_64, decodeProgram, type Insn, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_ALLOW } from '@ea/bpf';
import { actionEffect, callData, type FilterFn, runChainDetailed, syscallMix, syscallNumber, writeSeccompData } from '@ea/seccomp';
import { committedPolicies, evaluateLibseccomp } from '@ea/testkit';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHAIN_NOTIF_VALUE,
  type ChainCase,
  chainCaseLine,
  type ChainFilterSpec,
  type ChainObservation,
  oracleUnavailable,
  runKernelChains,
} from '../src/index.js';

const SIGSYS = 31;
const ENOSYS = 38;
/** getpid, getppid, two numbers no kernel defines, uprobe (bypasses filters), nr -1 as a u32. */
const PROBE_NRS = [39, 110, 1000, 1001, 336, 0xffffffff];

const programs = new Map<string, Insn[]>();

function filterFn(spec: ChainFilterSpec): FilterFn {
  switch (spec.kind) {
    case 'const':
      return () => spec.ret;
    case 'nr':
      return (view) => {
        const nr = view.getUint32(0, true);
        return nr === spec.eq ? spec.eqRet : nr >= spec.ge ? spec.geRet : spec.elseRet;
      };
    case 'file': {
      let program = programs.get(spec.path);
      if (program === undefined) {
        program = decodeProgram(readFileSync(spec.path));
        programs.set(spec.path, program);
      }
      const insns = program;
      return (view) => evaluateLibseccomp(insns, view);
    }
  }
}

/** What the kernel should do, from runChain's answer and the probe's unfiltered result. */
function expected(c: ChainCase, baseline: number): ChainObservation {
  const view = new DataView(new ArrayBuffer(64));
  const data = callData('x86_64', c.nr, c.args ?? []);
  writeSeccompData(view, data, 'le');
  const { ret, match } = runChainDetailed(c.filters.map(filterFn), view, { arch: AUDIT_ARCH_X86_64, nr: c.nr });
  const effect = actionEffect(ret);
  switch (effect.kind) {
    case 'kill_process':
      return { kind: 'signal', signal: SIGSYS };
    case 'kill_thread':
      return { kind: 'thread_killed' };
    case 'trap':
      return { kind: 'trap', code: 1, data: effect.siErrno };
    case 'return':
      return { kind: 'returned', value: effect.value, baseline };
    case 'user_notif':
      // Delivered only to the listener of the filter whose value won; ENOSYS without one.
      return { kind: 'returned', value: match === c.listener ? CHAIN_NOTIF_VALUE : -ENOSYS, baseline };
    case 'trace':
      // With a tracer: a seccomp stop carrying the data, then (filters re-run, TRACE now allows)
      // the call runs. Without one: ENOSYS.
      return c.trace === true
        ? { kind: 'traced', message: effect.message, value: baseline, baseline }
        : { kind: 'returned', value: -ENOSYS, baseline };
    case 'run':
      return { kind: 'returned', value: baseline, baseline };
  }
}

const baselineOf = (o: ChainObservation): number => (o.kind === 'returned' || o.kind === 'traced' ? o.baseline : 0);

const actions = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO, SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW) },
  { weight: 1, arbitrary: fc.constantFrom(0x00010000, 0x00020000, 0x00040000, 0x7fd00000, 0x7ff80000, 0x7ffe0000, 0x80010000, 0xffff0000) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((a) => a * 0x10000) },
);
const data = fc.oneof(fc.constantFrom(0, 1, 2, 3, 38, 4095, 4096, 5000, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const ret = fc.tuple(actions, data).map(([a, d]) => ((a & SECCOMP_RET_ACTION_FULL) | (d & SECCOMP_RET_DATA)) >>> 0);
const nr = fc.constantFrom(...PROBE_NRS);
const spec: fc.Arbitrary<ChainFilterSpec> = fc.oneof(
  { weight: 3, arbitrary: ret.map((r) => ({ kind: 'const' as const, ret: r })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ eq: nr, eqRet: ret, ge: fc.constantFrom(0, 100, 337, 1000, 1001, 0xffffffff), geRet: ret, elseRet: ret })
      .map((r) => ({ kind: 'nr' as const, ...r })),
  },
);
const chainCase: fc.Arbitrary<ChainCase> = fc
  .tuple(nr, fc.array(spec, { minLength: 1, maxLength: 6 }), fc.integer({ min: -1, max: 5 }), fc.boolean())
  .map(([n, filters, l, trace]) => ({ nr: n, filters, listener: l < filters.length ? l : -1, trace }));

const unavailable = oracleUnavailable();
const CASES = process.env['EA_FUZZ'] ? 20_000 : 600;
/** Fuzz runs fork tens of thousands of children: give them time (the default stays for CI). */
const FUZZ_TIMEOUT = process.env['EA_FUZZ'] ? 3_600_000 : undefined;

describe.skipIf(unavailable !== null)(`seccomp filter chains vs the kernel${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('reproduces hand-picked orderings', () => {
    const k = (r: number): ChainFilterSpec => ({ kind: 'const', ret: r >>> 0 });
    const cases: ChainCase[] = [
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_ERRNO | 1), k(SECCOMP_RET_ERRNO | 2)] },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_ERRNO | 2), k(SECCOMP_RET_ERRNO | 1)] },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_ERRNO | 1), k(SECCOMP_RET_TRAP | 0xbeef)] },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_TRAP), k(0x00010000)] },
      { nr: 39, listener: -1, filters: [k(0x7ffe0000), k(SECCOMP_RET_ERRNO | 4)] },
      { nr: 39, listener: 0, filters: [k(SECCOMP_RET_USER_NOTIF), k(SECCOMP_RET_USER_NOTIF | 1)] },
      { nr: 39, listener: 1, filters: [k(SECCOMP_RET_USER_NOTIF), k(SECCOMP_RET_USER_NOTIF | 1)] },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_ERRNO | 5000)] },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_ERRNO)] },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_KILL_THREAD), k(SECCOMP_RET_TRAP)] },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_ALLOW | 0x1234), k(SECCOMP_RET_LOG)] },
      { nr: 336, listener: -1, filters: [k(SECCOMP_RET_KILL_PROCESS)] },
      { nr: 0xffffffff, listener: -1, filters: [k(SECCOMP_RET_ERRNO | 9)] },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_TRACE | 7), k(SECCOMP_RET_TRACE | 9)], trace: true },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_TRACE | 7), k(SECCOMP_RET_ERRNO | 38)], trace: true },
      { nr: 39, listener: -1, filters: [k(SECCOMP_RET_TRACE | 7), k(SECCOMP_RET_LOG)], trace: false },
    ];
    const observed = runKernelChains(cases);
    expect(observed.map((o) => o.kind)).toEqual([
      'returned',
      'returned',
      'trap',
      'signal',
      'returned',
      'returned',
      'returned',
      'returned',
      'returned',
      'thread_killed',
      'returned',
      'returned',
      'returned',
      'traced',
      'returned',
      'returned',
    ]);
    cases.forEach((c, i) => {
      expect(observed[i], chainCaseLine(c)).toEqual(expected(c, baselineOf(observed[i]!)));
    });
    expect(observed[0]).toMatchObject({ value: -2 }); // ties go to the newest filter
    expect(observed[5]).toMatchObject({ value: -ENOSYS }); // the newest USER_NOTIF won: no listener there
    expect(observed[6]).toMatchObject({ value: CHAIN_NOTIF_VALUE });
    expect(observed[11]).toMatchObject({ value: -6 }); // uprobe ran (ENXIO) despite KILL_PROCESS
    expect(observed[13]).toMatchObject({ message: 9 }); // TRACE ties go to the newest filter too
    expect(observed[14]).toMatchObject({ value: -ENOSYS }); // ERRNO beats TRACE
    expect(observed[15]).toMatchObject({ value: -ENOSYS }); // TRACE without a tracer
  });

  it(`agrees with runChain on ${CASES} random chains`, () => {
    const cases = fc.sample(chainCase, { numRuns: CASES, seed: 20261129 });
    const observed = runKernelChains(cases);
    let notified = 0;
    const failures: string[] = [];
    cases.forEach((c, i) => {
      const o = observed[i]!;
      const e = expected(c, baselineOf(o));
      if (JSON.stringify(o) !== JSON.stringify(e)) failures.push(`${chainCaseLine(c)}: kernel ${JSON.stringify(o)}, runChain ${JSON.stringify(e)}`);
      if (o.kind === 'returned' && o.value === CHAIN_NOTIF_VALUE) notified++;
    });
    expect(failures.slice(0, 10)).toEqual([]);
    // The generator must reach every observable outcome, or the test could not catch much.
    const kinds = new Set(observed.map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['returned', 'signal', 'thread_killed', 'traced', 'trap']);
    expect(notified).toBeGreaterThan(0);
  }, FUZZ_TIMEOUT);
});

/**
 * The libseccomp policies of @ea/testkit on the kernel, each stacked over an older filter
 * that returns ERRNO(4000) for the probe: the kernel applies the stricter of the two, so ALLOW
 * shows up as errno 4000 and no probed call ever runs (docs/kernel-facts.md, observed 15). This checks the
 * seccomp_data layout @ea/seccomp writes (64-bit args as low/high words, x32 numbers) and the
 * evaluator the policy tests rely on.
 */
describe.skipIf(unavailable !== null)(`libseccomp policies vs the kernel${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('decides every probe as runChain over the evaluator predicts', () => {
    const guard: ChainFilterSpec = { kind: 'const', ret: (SECCOMP_RET_ERRNO | 4000) >>> 0 };
    const fuzz = Boolean(process.env['EA_FUZZ']);
    const zero = [0n, 0n, 0n, 0n, 0n, 0n];
    const nr = (name: string) => syscallNumber('x86_64', name)!;
    const calls: { nr: number; args: bigint[] }[] = [
      { nr: nr('socket'), args: [2n, 1n, 0n, 0n, 0n, 0n] },
      { nr: nr('socket'), args: [17n, 3n, 0n, 0n, 0n, 0n] },
      { nr: nr('write'), args: [1n, 0n, 0x100000000n, 0n, 0n, 0n] },
      { nr: nr('write'), args: [1n, 0n, 0x100000001n, 0n, 0n, 0n] },
      { nr: nr('personality'), args: [0xffffffffn, 0n, 0n, 0n, 0n, 0n] },
      { nr: nr('personality'), args: [0xffffffffffffffffn, 0n, 0n, 0n, 0n, 0n] },
      { nr: nr('mprotect'), args: [0n, 4096n, 7n, 0n, 0n, 0n] },
      { nr: nr('clone'), args: [0x20011n, 0n, 0n, 0n, 0n, 0n] },
      { nr: nr('pread64'), args: [3n, 0n, 10n, 1n << 41n, 0n, 0n] },
      { nr: nr('ioctl'), args: [0n, 0x5412n, 0n, 0n, 0n, 0n] },
      { nr: 0x40000000, args: zero }, // x32 read
      { nr: syscallNumber('x32', 'ptrace')!, args: zero },
      { nr: 0xffffffff, args: zero },
    ];
    for (let n = 0; n < 470; n += fuzz ? 1 : 9) if (n !== 335 && n !== 336) calls.push({ nr: n, args: zero });
    const mix = syscallMix({ count: fuzz ? 2000 : 40, seed: 11 });
    for (let i = 0; i < mix.count; i++) {
      const n = mix.nr[i]!;
      if (n === 335 || n === 336) continue;
      const w = mix.argWords;
      const args = [0, 1, 2, 3, 4, 5].map((a) => BigInt(w[i * 12 + 2 * a]!) | (BigInt(w[i * 12 + 2 * a + 1]!) << 32n));
      calls.push({ nr: n, args });
    }
    const cases: ChainCase[] = committedPolicies().flatMap((policy) =>
      calls.map((call) => ({ ...call, listener: -1, filters: [guard, { kind: 'file' as const, path: policy.file }] })),
    );
    const observed = runKernelChains(cases);
    const failures: string[] = [];
    const seen = new Set<string>();
    cases.forEach((c, i) => {
      const o = observed[i]!;
      const e = expected(c, baselineOf(o));
      seen.add(JSON.stringify(o));
      if (JSON.stringify(o) !== JSON.stringify(e)) failures.push(`${chainCaseLine(c)}: kernel ${JSON.stringify(o)}, expected ${JSON.stringify(e)}`);
    });
    expect(failures.slice(0, 10)).toEqual([]);
    // Allowed (errno 4000), EPERM, E2BIG, EACCES and the bad-arch kill all occurred.
    for (const outcome of [-4000, -1, -7, -13]) expect(seen.has(JSON.stringify({ kind: 'returned', value: outcome, baseline: 0 })), String(outcome)).toBe(true);
    expect(seen.has(JSON.stringify({ kind: 'thread_killed' }))).toBe(true);
  }, FUZZ_TIMEOUT);
});
