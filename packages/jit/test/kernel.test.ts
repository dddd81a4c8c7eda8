/**
 * A sample of the JIT checked against the running kernel: random seccomp programs (valid by
 * construction) installed as real filters by @ea/oracle's run_seccomp helper, and the compiled
 * function's result must classify the same way as what the kernel did. Skips where the oracle
 * cannot run (not Linux, not root, no gcc).
 */
import {
  BPF_ABS, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_LOG, SECCOMP_RET_TRAP, type SockFilter,
} from '@ea/bpf';
import { classifySeccomp, expectedSeccomp, oracleUnavailable, runSeccompOracle, type SeccompCall } from '@ea/oracle';
import { describe, expect, it } from 'vitest';
import { compile } from '@ea/jit';
import { EDGES, Rng, genProgram } from '@ea/testkit';
import { verified } from './support/verified.js';

const unavailable = oracleUnavailable();
const PROGRAMS = process.env['EA_FUZZ'] ? 1000 : 60;
const CALLS = 8;
/** Return values whose action and data the oracle can observe. */
const RETS = [SECCOMP_RET_ERRNO | 7, SECCOMP_RET_ERRNO | 5000, SECCOMP_RET_TRAP | 3, SECCOMP_RET_ALLOW, SECCOMP_RET_LOG, SECCOMP_RET_KILL_PROCESS, 0];
/** Harmless syscalls: getpid/getppid/gettid and numbers no kernel implements. */
const NRS = [39, 110, 186, 1000, 1001, 0xffffffff, 0x400003e8];

/** Makes a generated program observable: no instruction-pointer loads, returns from RETS. */
function observable(r: Rng, insns: SockFilter[]): SockFilter[] {
  return insns.map((i) => {
    if (i.code === (BPF_LD | BPF_W | BPF_ABS) && (i.k === 8 || i.k === 12)) return { ...i, k: i.k - 8 };
    if (i.code === (BPF_RET | BPF_K)) return { ...i, k: r.pick(RETS) };
    return i;
  });
}

function data(call: SeccompCall): DataView {
  const view = new DataView(new ArrayBuffer(64));
  view.setUint32(0, call.nr >>> 0, true);
  view.setUint32(4, 0xc000003e, true);
  call.args.forEach((a, i) => {
    view.setBigUint64(16 + 8 * i, a, true);
  });
  return view;
}

describe.skipIf(unavailable !== null)(`jit against the kernel (${unavailable ?? 'oracle available'})`, () => {
  it(`${PROGRAMS} seccomp programs x ${CALLS} calls agree with the kernel`, () => {
    const r = new Rng(0x4b45524e);
    const cases = Array.from({ length: PROGRAMS }, () => {
      const program = observable(r, genProgram(r, 'seccomp', 30, EDGES));
      const calls: SeccompCall[] = Array.from({ length: CALLS }, () => ({
        nr: r.pick(NRS),
        args: Array.from({ length: 6 }, () => (BigInt(r.pick(EDGES)) << 32n) | BigInt(r.chance(0.5) ? r.pick(EDGES) : r.u32())),
      }));
      return { program, calls };
    });
    const observed = runSeccompOracle(cases);
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const compiled = compile(verified(c.program, 'seccomp'));
      expect(compiled.accelerated).toBe(true);
      c.calls.forEach((call, j) => {
        const want = classifySeccomp(observed[i]?.[j] as never, call.nr);
        const got = expectedSeccomp(compiled.run(data(call)), call.nr);
        if (want !== got) bad.push(`program ${i} call ${j}: kernel ${want}, jit ${got}`);
      });
    });
    expect(bad).toEqual([]);
  });
});
