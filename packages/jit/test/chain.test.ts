/**
 * compileChain against runChain (@ea/seccomp) over the interpreter: random chains of libseccomp
 * policies and generated seccomp programs, on inputs at and around every constant the chain
 * compares against (nr, arch, argument words), the x86_64 bypass calls, and short views. Planted
 * bugs in the precedence rules (ties to the oldest, unsigned ranks, no bypass, one filter
 * skipped) must each be caught by the same inputs.
 */
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW,
  SECCOMP_RET_KILL_PROCESS, X86_64_HARDWIRED_ALLOW,
} from '@ea/bpf';
import { InterpreterError, prepare } from '@ea/interpreter';
import { compileChain } from '@ea/jit';
import { type FilterFn, runChain, SeccompError } from '@ea/seccomp';
import { committedPolicies, SECCOMP_POOL } from '@ea/testkit';
import type { VerifiedProgram } from '@ea/verifier';
import { EDGES, Rng, genProgram, genSeccompInput } from '@ea/testkit';
import { verified } from './support/verified.js';

const POLICIES = committedPolicies().map((p) => verified(p.program, 'seccomp'));

type Combine = (filters: readonly FilterFn[], view: DataView) => number;

const call = (view: DataView): { arch: number; nr: number } => ({ arch: view.getUint32(4, true), nr: view.getUint32(0, true) });
const reference: Combine = (filters, view) => runChain(filters, view, call(view));

/** runChain with one planted bug each: the tests must tell every one from the truth. */
const PLANTED: Record<string, Combine> = {
  'ties go to the oldest': (filters, view) => {
    if (filters.length === 0) return SECCOMP_RET_KILL_PROCESS;
    if (call(view).arch === AUDIT_ARCH_X86_64 && X86_64_HARDWIRED_ALLOW.includes(call(view).nr)) return SECCOMP_RET_ALLOW;
    let ret = SECCOMP_RET_ALLOW;
    for (const f of filters) {
      const cur = f(view) >>> 0;
      if ((cur & SECCOMP_RET_ACTION_FULL) < (ret & SECCOMP_RET_ACTION_FULL)) ret = cur;
    }
    return ret;
  },
  'unsigned ranks': (filters, view) => {
    if (call(view).arch === AUDIT_ARCH_X86_64 && X86_64_HARDWIRED_ALLOW.includes(call(view).nr)) return SECCOMP_RET_ALLOW;
    let ret = SECCOMP_RET_ALLOW;
    for (let i = filters.length - 1; i >= 0; i--) {
      const cur = (filters[i] as FilterFn)(view) >>> 0;
      if ((cur & SECCOMP_RET_ACTION_FULL) >>> 0 < (ret & SECCOMP_RET_ACTION_FULL) >>> 0) ret = cur;
    }
    return ret;
  },
  'no bypass': (filters, view) => runChain(filters, view, { arch: 0, nr: 0 }),
  'oldest filter skipped': (filters, view) => runChain(filters.slice(1), view, call(view)),
};

/** Inputs at and around every constant of the chain, the bypass calls, and random ones. */
function inputs(r: Rng, programs: readonly VerifiedProgram[]): DataView[] {
  const ks = new Set<number>(EDGES);
  for (const p of programs) for (const i of p.insns) for (const d of [-1, 0, 1]) ks.add((i.k + d) >>> 0);
  const pool = [...ks];
  const out: DataView[] = [];
  const arches = [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0x40000003];
  for (let n = 0; n < 300; n++) {
    const view = new DataView(new ArrayBuffer(64));
    view.setUint32(0, r.chance(0.1) ? r.pick(X86_64_HARDWIRED_ALLOW) : r.pick(pool), true);
    view.setUint32(4, r.chance(0.7) ? r.pick(arches) : r.pick(pool), true);
    for (let off = 8; off < 64; off += 4) view.setUint32(off, r.chance(0.8) ? r.pick(pool) : r.u32(), true);
    out.push(view);
  }
  for (let n = 0; n < 30; n++) out.push(genSeccompInput(r, SECCOMP_POOL, true));
  return out;
}

/** The outcome of a run: its value, or the typed error's code. */
function outcome(f: () => number): string {
  try {
    return `= ${(f() >>> 0).toString(16)}`;
  } catch (error) {
    if (error instanceof InterpreterError) return `! ${error.code}`;
    throw error;
  }
}

/** A random chain: 1-8 filters, libseccomp policies and generated programs that return anything. */
function randomChain(r: Rng): VerifiedProgram[] {
  const n = 1 + r.int(8);
  const chain: VerifiedProgram[] = [];
  for (let i = 0; i < n; i++) {
    chain.push(r.chance(0.4) ? r.pick(POLICIES) : verified(genProgram(r, 'seccomp', 24, SECCOMP_POOL), 'seccomp'));
  }
  return chain;
}

function interpreted(chain: readonly VerifiedProgram[]): FilterFn[] {
  return chain.map((p) => {
    const it = prepare(p);
    return (view) => it.run(view);
  });
}

describe('compileChain', () => {
  it('agrees with runChain over the interpreter on random chains, and catches planted bugs', () => {
    const caught = new Set<string>();
    let cases = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const r = new Rng(seed);
      const chain = randomChain(r);
      const compiled = compileChain(chain);
      expect(compiled.accelerated).toBe(true);
      const filters = interpreted(chain);
      for (const view of inputs(r, chain)) {
        const got = outcome(() => compiled.run(view));
        const want = outcome(() => (view.byteLength < 64 ? prepare(chain[0] as VerifiedProgram).run(view) : reference(filters, view)));
        if (got !== want) expect.fail(`seed ${seed}, chain of ${chain.length}, input ${[...new Uint8Array(view.buffer)].join(',')}: ${got} vs ${want}`);
        cases++;
        if (view.byteLength < 64) continue;
        for (const [name, planted] of Object.entries(PLANTED)) if (outcome(() => planted(filters, view)) !== want) caught.add(name);
      }
    }
    expect(cases).toBeGreaterThan(30_000);
    expect([...caught].sort()).toEqual(Object.keys(PLANTED).sort());
  });

  it('follows the chosen kernel\'s bypass list (335 from 6.14, 336 from 6.18), like runChain', () => {
    const kernels = ['5.11', '6.13', '6.14', '6.17', '6.18', 'newest'];
    // What the chains modelled before: the newest kernel's list on every kernel. It must
    // disagree somewhere on each older kernel, or this test could not tell the kernels apart.
    const newestOnly = new Set<string>();
    let cases = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const r = new Rng(1000 + seed);
      const chain = randomChain(r);
      const filters = interpreted(chain);
      const views = inputs(r, chain);
      for (const nr of [335, 336]) {
        for (const arch of [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386]) {
          const view = new DataView(new ArrayBuffer(64));
          view.setUint32(0, nr, true);
          view.setUint32(4, arch, true);
          views.push(view);
        }
      }
      for (const kernel of kernels) {
        const compiled = compileChain(chain, { kernel });
        const off = compileChain(chain, { kernel, accelerate: false });
        expect(compiled.accelerated).toBe(true);
        for (const view of views) {
          if (view.byteLength < 64) continue;
          const want = outcome(() => runChain(filters, view, call(view), kernel));
          const got = outcome(() => compiled.run(view));
          if (got !== want) expect.fail(`seed ${seed}, kernel ${kernel}, nr ${call(view).nr}: ${got} vs ${want}`);
          expect(outcome(() => off.run(view))).toBe(want);
          if (outcome(() => runChain(filters, view, call(view))) !== want) newestOnly.add(kernel);
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(25_000);
    expect([...newestOnly].sort()).toEqual(['5.11', '6.13', '6.14', '6.17']);
    expect(() => compileChain(POLICIES.slice(0, 2), { kernel: '4.19' })).toThrow(SeccompError);
    expect(compileChain(POLICIES.slice(0, 2), { kernel: '6.13' }).source).not.toContain('bypass every filter');
    expect(compileChain(POLICIES.slice(0, 2), { kernel: '6.14' }).source).toContain('x86_64 calls 335 bypass every filter');
  });

  it('runs the interpreter chain when code cannot be generated, and says so', () => {
    const chain = [POLICIES[0] as VerifiedProgram, POLICIES[2] as VerifiedProgram];
    const off = compileChain(chain, { accelerate: false });
    expect(off.accelerated).toBe(false);
    expect(off.reason).toBe('accelerate: false');
    const saved = globalThis.Function;
    // A Content-Security-Policy makes `new Function` throw EvalError.
    globalThis.Function = (() => {
      throw new EvalError('Code generation from strings disallowed');
    }) as unknown as FunctionConstructor;
    let csp: ReturnType<typeof compileChain>;
    try {
      csp = compileChain(chain);
    } finally {
      globalThis.Function = saved;
    }
    expect(csp.accelerated).toBe(false);
    expect(csp.reason).toMatch(/EvalError/);
    const fast = compileChain(chain);
    const r = new Rng(7);
    for (const view of inputs(r, chain)) {
      const want = outcome(() => fast.run(view));
      expect(outcome(() => off.run(view))).toBe(want);
      expect(outcome(() => csp.run(view))).toBe(want);
    }
  });

  it('fails closed: an empty chain kills, a short view or a socket program is a typed error', () => {
    expect(compileChain([]).run(new DataView(new ArrayBuffer(64))) >>> 0).toBe(SECCOMP_RET_KILL_PROCESS);
    const chain = compileChain([POLICIES[0] as VerifiedProgram]);
    expect(outcome(() => chain.run(new DataView(new ArrayBuffer(63))))).toBe('! BAD_INPUT');
    expect(outcome(() => chain.run(undefined as unknown as DataView))).toBe('! BAD_INPUT');
    const socket = verified([{ code: 0x06, jt: 0, jf: 0, k: 0 }], 'socket');
    expect(() => compileChain([socket])).toThrow(InterpreterError);
  });

  it('inlines every filter into one function: no call per filter', () => {
    const { source } = compileChain(POLICIES.slice(0, 4));
    expect(source.match(/filter: \{/g)?.length).toBe(4);
    expect(source).not.toMatch(/\bslow\(view\);[\s\S]*\bslow\(view\)/);
  });
});
