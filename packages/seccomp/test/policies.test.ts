/**
 * The libseccomp-generated policies (@ea/testkit's libseccomp/gen.c): they decode, they are
 * what gen.c produces, and known calls get the expected action. The evaluation uses a tiny
 * evaluator for the handful of instructions libseccomp emits (@ea/testkit's evaluateLibseccomp);
 * packages/oracle/test/chain.test.ts checks that evaluator against the kernel on these policies.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_ARCH_ARM,
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF_JEQ,
  BPF_JGT,
  BPF_JMP,
  BPF_K,
  BPF_RET,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  type SockFilter,
} from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import {
  COMMITTED_DIR,
  COMMITTED_LIBSECCOMP,
  committedPolicies,
  evaluateLibseccomp,
  generatePolicies,
  type Policy,
  type PolicyName,
  policiesUnavailable,
} from '@ea/testkit';
import { verify } from '@ea/verifier';
import { describe, expect, it } from 'vitest';
import { callData, decodeAction, seccompDataBytes, syscallMix, syscallNumber, writeMixCall, writeSeccompDataWords } from '../src/index.js';

const evaluate = evaluateLibseccomp;

const EPERM = (SECCOMP_RET_ERRNO | 1) >>> 0;
const E2BIG = (SECCOMP_RET_ERRNO | 7) >>> 0;
const EACCES = (SECCOMP_RET_ERRNO | 13) >>> 0;

function run(policy: Policy, arch: string, name: string | number, args: (number | bigint)[] = []): number {
  const view = new DataView(seccompDataBytes(callData(arch, name, args), 'le').buffer);
  return evaluate(policy.program, view);
}

const unavailable = policiesUnavailable();

describe('committed libseccomp policies', () => {
  const policies = new Map<PolicyName, Policy>(committedPolicies().map((p) => [p.name, p]));
  const p = (name: PolicyName) => policies.get(name)!;

  it('decode into known instructions ending in RET', () => {
    expect(policies.size).toBe(6);
    for (const policy of policies.values()) {
      expect(policy.program.length).toBeGreaterThan(10);
      expect(policy.program.length).toBeLessThanOrEqual(4096);
      expect(policy.program.every((i) => i.kind !== 'unknown')).toBe(true);
      expect(policy.program.at(-1)!.code).toBe(BPF_RET | BPF_K);
    }
    // ~300 allowed x86_64 calls: one JEQ each in the linear allow-list.
    const jeqs = p('allowlist').program.filter((i) => i.code === (BPF_JMP | BPF_JEQ | BPF_K)).length;
    expect(jeqs).toBeGreaterThan(280);
    // The binary tree adds JGT/JGE range splits the linear one does not have.
    const splits = (name: PolicyName) => p(name).program.filter((i) => i.code === (BPF_JMP | BPF_JGT | BPF_K)).length;
    expect(splits('allowlist-tree')).toBeGreaterThan(splits('allowlist') + 30);
  });

  it('allow-list: common calls allowed, dangerous and unknown ones ERRNO(EPERM), foreign arches killed', () => {
    for (const name of ['read', 'write', 'futex', 'openat', 'clone3', 'epoll_wait', 'mmap']) {
      expect(run(p('allowlist'), 'x86_64', name), name).toBe(SECCOMP_RET_ALLOW);
    }
    for (const name of ['ptrace', 'mount', 'kexec_load', 'bpf', 'init_module']) {
      expect(run(p('allowlist'), 'x86_64', name), name).toBe(EPERM);
    }
    expect(run(p('allowlist'), 'x86_64', 1000)).toBe(EPERM);
    expect(decodeAction(run(p('allowlist'), 'i386', 'read')).action).toMatch(/^kill_/);
    expect(decodeAction(run(p('allowlist'), 'x32', 'read')).action).toMatch(/^kill_/);
  });

  it('the binary tree decides exactly like the linear list', () => {
    const view = new DataView(new ArrayBuffer(64));
    const words = new Uint32Array(12);
    for (const [linear, tree] of [
      ['allowlist', 'allowlist-tree'],
      ['args', 'args-tree'],
    ] as const) {
      const differ: string[] = [];
      for (let nr = 0; nr < 1100; nr++) {
        writeSeccompDataWords(view, nr, AUDIT_ARCH_X86_64, words, 'le');
        if (evaluate(p(tree).program, view) !== evaluate(p(linear).program, view)) differ.push(`${tree} nr ${nr}`);
      }
      const mix = syscallMix({ count: 20_000, seed: 3 });
      for (let i = 0; i < mix.count; i++) {
        writeMixCall(view, mix, i);
        if (evaluate(p(tree).program, view) !== evaluate(p(linear).program, view)) differ.push(`${tree} mix call ${i}`);
      }
      expect(differ.slice(0, 5)).toEqual([]);
    }
  });

  it('deny-list: ERRNO(EPERM) only for the listed calls', () => {
    expect(run(p('denylist'), 'x86_64', 'read')).toBe(SECCOMP_RET_ALLOW);
    expect(run(p('denylist'), 'x86_64', 1000)).toBe(SECCOMP_RET_ALLOW);
    for (const name of ['mount', 'ptrace', 'unshare', 'personality']) expect(run(p('denylist'), 'x86_64', name)).toBe(EPERM);
  });

  it('argument policy: 32- and 64-bit comparisons', () => {
    const args = p('args');
    expect(run(args, 'x86_64', 'socket', [2, 1, 0])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'socket', [17, 3, 0])).toBe(EPERM);
    expect(run(args, 'x86_64', 'write', [1, 0x7fff0000n, 5])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'write', [1, 0, 0x100000000n])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'write', [1, 0, 0x100000001n])).toBe(E2BIG);
    expect(run(args, 'x86_64', 'write', [1, 0, 0xffffffffffffffffn])).toBe(E2BIG);
    expect(run(args, 'x86_64', 'personality', [0xffffffff])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'personality', [0xffffffffffffffffn])).toBe(EPERM); // high word must be 0
    expect(run(args, 'x86_64', 'mprotect', [0, 4096, 7])).toBe(EACCES);
    expect(run(args, 'x86_64', 'mprotect', [0, 4096, 5])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'clone', [0x11])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'clone', [0x20000 | 0x11])).toBe(EPERM);
    expect(run(args, 'x86_64', 'pread64', [3, 0, 10, 1n << 39n])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'pread64', [3, 0, 10, 1n << 41n])).toBe(EPERM);
    expect(run(args, 'x86_64', 'pread64', [4096, 0, 10, 0])).toBe(EPERM);
    expect(run(args, 'x86_64', 'ioctl', [0, 0x5412])).toBe(EPERM);
    expect(run(args, 'x86_64', 'ioctl', [0, 0x5401])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'prctl', [38])).toBe(SECCOMP_RET_ALLOW);
    expect(run(args, 'x86_64', 'prctl', [22])).toBe(EPERM);
  });

  it('multi-arch policy: x86_64, i386 and x32 each by their own numbers', () => {
    const multi = p('multiarch');
    for (const arch of ['x86_64', 'i386', 'x32']) {
      expect(run(multi, arch, 'read'), arch).toBe(SECCOMP_RET_ALLOW);
      expect(run(multi, arch, 'openat'), arch).toBe(SECCOMP_RET_ALLOW);
      expect(run(multi, arch, 'ptrace'), arch).toBe(EPERM);
    }
    expect(syscallNumber('i386', 'ptrace')).toBe(26);
    expect(run(multi, 'i386', 'socketcall')).toBe(SECCOMP_RET_ALLOW);
    const view = new DataView(new ArrayBuffer(64));
    writeSeccompDataWords(view, 3, AUDIT_ARCH_ARM, new Uint32Array(12), 'le');
    expect(decodeAction(evaluate(multi.program, view)).action).toMatch(/^kill_/);
    writeSeccompDataWords(view, 3, AUDIT_ARCH_I386, new Uint32Array(12), 'le');
    expect(evaluate(multi.program, view)).toBe(SECCOMP_RET_ALLOW);
  });

  it('over the syscall mix: mostly allowed, the denied share refused', () => {
    const view = new DataView(new ArrayBuffer(64));
    const mix = syscallMix({ count: 20_000 });
    let allowed = 0;
    for (let i = 0; i < mix.count; i++) {
      writeMixCall(view, mix, i);
      if (evaluate(p('allowlist').program, view) === SECCOMP_RET_ALLOW) allowed++;
    }
    expect(allowed / mix.count).toBeGreaterThan(0.85);
    expect(allowed / mix.count).toBeLessThan(0.98);
  });
});

/** @ea/interpreter over a policy: verified with the seccomp profile, little-endian. */
function engine(program: readonly SockFilter[]): (view: DataView) => number {
  const interpreter = prepare(verify(program, { profile: 'seccomp' }), { endian: 'le' });
  return (view) => interpreter.runSeccomp(view);
}

describe('@ea/interpreter on the policies', () => {
  it('decides like the evaluator over the syscall mix', () => {
    const view = new DataView(new ArrayBuffer(64));
    const mix = syscallMix({ count: 5_000, seed: 5 });
    const differ: string[] = [];
    for (const policy of committedPolicies()) {
      const run = engine(policy.program);
      for (let i = 0; i < mix.count; i++) {
        writeMixCall(view, mix, i);
        if (run(view) !== evaluate(policy.program, view)) differ.push(`${policy.name} call ${i}`);
      }
    }
    expect(differ.slice(0, 5)).toEqual([]);
  });
});

describe.skipIf(unavailable !== null)(`gen.c with libseccomp${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('reproduces the committed policies (when the libseccomp version matches)', (ctx) => {
    const out = mkdtempSync(join(tmpdir(), 'ea-policies-'));
    try {
      const generated = generatePolicies(out);
      expect(generated.policies.map((x) => x.name)).toEqual(['allowlist', 'allowlist-tree', 'denylist', 'args', 'args-tree', 'multiarch']);
      for (const policy of generated.policies) expect(policy.program.length).toBeGreaterThan(10);
      if (generated.libseccomp !== COMMITTED_LIBSECCOMP) {
        ctx.skip(`libseccomp ${generated.libseccomp} differs from ${COMMITTED_LIBSECCOMP}, which made the committed files`);
      }
      for (const policy of generated.policies) {
        expect(readFileSync(policy.file), policy.name).toEqual(readFileSync(join(COMMITTED_DIR, `${policy.name}.bpf`)));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
