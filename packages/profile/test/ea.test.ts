/**
 * EA rules: a profile whose clone3/openat2 rules carry `ea` conditions compiles to one `ea`
 * filter; run over images @ea/layout's flattener builds (both strategies), through the
 * interpreter and the JIT, the EA rule's checks and its tail-zero guard decide, args and ea
 * conditions are ANDed, rules ORed, and every other syscall keeps its classic verdict.
 */
import { AddressSpace } from '@ea/layout';
import type { Strategy } from '@ea/policy';
import { compileProfile, type CompiledProfile, ProfileError } from '@ea/profile';
import { ARCHES, callData, writeSeccompData } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import { defaultEngine } from '@ea/workbench';
import { describe, expect, it } from 'vitest';

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const E2BIG = 0x00050007;
const EMASK = 0x7e020000n;
const x86 = ARCHES.x86_64;
const engine = defaultEngine();
const STRUCT = 0x7f0000001000n;

function profile(syscalls: unknown[]): string {
  return JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'], syscalls });
}

const CLONE3_RULE = { names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [{ path: 'flags', op: 'SCMP_CMP_MASKED_EQ', value: Number(EMASK), valueTwo: 0 }] };

/** Runs the compiled filter on an EA call through both engines; they must agree. */
function run(c: CompiledProfile, name: string, args: bigint[], fields: Readonly<Record<number, bigint>>, usize: number): number {
  const target = c.ea.find((t) => t.syscall === name)!;
  const bytes = new DataView(new ArrayBuffer(usize));
  for (const [off, v] of Object.entries(fields)) bytes.setBigUint64(Number(off), v, true);
  const memory = new AddressSpace().map(STRUCT, new Uint8Array(bytes.buffer));
  const regs = { nr: target.version.sys.nr, arch: x86.auditArch, args };
  const image = engine.image({ regs, memory }, target.version.sys, target.strategy, target.needs);
  const ret = engine.interpret(c.program, image.view) >>> 0;
  expect(engine.jit!(c.program, image.view) >>> 0).toBe(ret);
  return ret;
}

const clone3 = (c: CompiledProfile, flags: bigint, usize = 88, tail?: number): number =>
  run(c, 'clone3', [STRUCT, BigInt(usize)], tail === undefined ? { 0: flags, 32: 17n } : { 0: flags, 32: 17n, [tail]: 1n }, usize);

/** A classic (non-EA) call: seccomp_data alone, the rest of the image zero. */
function classic(c: CompiledProfile, name: string): number {
  const view = new DataView(new ArrayBuffer(80));
  writeSeccompData(view, callData('x86_64', name, []), 'le');
  const ret = engine.interpret(c.program, view) >>> 0;
  expect(engine.jit!(c.program, view) >>> 0).toBe(ret);
  return ret;
}

const GLIBC = 0x003d0f00n; // VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
const CLONE_NEWUSER = 0x10000000n;

describe.each(['jump-table', 'fixed-window'] as Strategy[])('EA rules (%s)', (strategy) => {
  const c = compileProfile(profile([{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }, CLONE3_RULE]), { arch: 'x86_64', eaStrategy: strategy });

  it('compiles to one filter the ea profile verifies', () => {
    expect(c.profile).toBe('ea');
    expect(() => verify(c.insns, { profile: 'ea' })).not.toThrow();
    expect(c.ea.map((t) => [t.syscall, t.version.struct.size, t.strategy])).toEqual([['clone3', 88, strategy]]);
  });

  it('allows a glibc thread clone3, refuses CLONE_NEWUSER with the default errno', () => {
    expect(clone3(c, GLIBC)).toBe(ALLOW);
    expect(clone3(c, 0n)).toBe(ALLOW);
    expect(clone3(c, GLIBC | CLONE_NEWUSER)).toBe(EPERM);
  });

  it('decides every single flag bit by the mask (a one-bit error in the mask shows)', () => {
    for (let bit = 0n; bit < 64n; bit++) {
      const flags = 1n << bit;
      expect(clone3(c, flags), `bit ${bit}`).toBe((flags & EMASK) === 0n ? ALLOW : EPERM);
    }
  });

  it('a struct with a non-zero byte past the 88 the filter knows is never allowed (guard: E2BIG)', () => {
    expect(clone3(c, 0n, 96)).toBe(ALLOW); // zero tail: fine
    expect(clone3(c, 0n, 96, 88)).toBe(E2BIG);
    expect(clone3(c, GLIBC, 4096, 4088)).toBe(E2BIG);
    expect(clone3(c, CLONE_NEWUSER, 96, 88)).not.toBe(ALLOW);
  });

  it('keeps the classic verdicts of every other syscall', () => {
    expect(classic(c, 'read')).toBe(ALLOW);
    expect(classic(c, 'write')).toBe(ALLOW);
    expect(classic(c, 'openat')).toBe(EPERM);
  });

  it('ANDs args and ea conditions of one rule, ORs rules', () => {
    const p = compileProfile(
      profile([
        { names: ['clone3'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, op: 'SCMP_CMP_EQ', value: 88 }], ea: [{ path: 'flags', op: 'SCMP_CMP_EQ', value: 0 }] },
        { names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [{ path: 'flags', op: 'SCMP_CMP_MASKED_EQ', value: 0x100, valueTwo: 0x100 }] },
      ]),
      { arch: 'x86_64', eaStrategy: strategy },
    );
    expect(clone3(p, 0n)).toBe(ALLOW); // rule 0: size 88 and flags 0
    expect(run(p, 'clone3', [STRUCT, 64n], { 0: 0n }, 64)).toBe(EPERM); // flags 0 but size 64: neither rule
    expect(clone3(p, 0x100n)).toBe(ALLOW); // rule 1
    expect(clone3(p, 0x1100n)).toBe(ALLOW); // rule 1: CLONE_VM set, others free
    expect(clone3(p, 0x1000n)).toBe(EPERM); // rule 0 fails on flags, rule 1 on the mask
  });

  it('reads openat2 open_how fields', () => {
    const p = compileProfile(
      profile([{ names: ['openat2'], action: 'SCMP_ACT_ALLOW', ea: [{ path: 'resolve', op: 'SCMP_CMP_MASKED_EQ', value: 8, valueTwo: 8 }, { path: 'flags', op: 'SCMP_CMP_MASKED_EQ', value: 0o100, valueTwo: 0 }] }]),
      { arch: 'x86_64', eaStrategy: strategy },
    );
    const open = (flags: bigint, resolve: bigint): number => run(p, 'openat2', [0xffffff9cn, 0x1000n, STRUCT, 24n], { 0: flags, 16: resolve }, 24);
    expect(open(0n, 8n)).toBe(ALLOW);
    expect(open(0n, 0n)).toBe(EPERM);
    expect(open(0o100n, 8n)).toBe(EPERM);
  });
});

describe('EA rules: bad input is a typed error naming the JSON path', () => {
  const fails = (rule: unknown, path: string, code = 'BAD_EA_RULE'): void => {
    let err: unknown;
    try {
      compileProfile(profile([rule]), { arch: 'x86_64' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProfileError);
    expect((err as ProfileError).code).toBe(code);
    expect((err as ProfileError).path).toBe(path);
  };
  const ea = (path: string, op = 'SCMP_CMP_EQ', value = 0, valueTwo = 0): unknown => ({ path, op, value, valueTwo });

  it('an EA rule on a syscall without a struct', () => {
    fails({ names: ['clone3', 'read'], action: 'SCMP_ACT_ALLOW', ea: [ea('flags')] }, 'syscalls[0].names[1]');
  });
  it('a path that names no field, or dereferences a scalar', () => {
    fails({ names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [ea('flags'), ea('flagz')] }, 'syscalls[0].ea[1].path');
    fails({ names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [ea('flags->x')] }, 'syscalls[0].ea[0].path');
    fails({ names: ['openat2'], action: 'SCMP_ACT_ALLOW', ea: [ea('set_tid[0]')] }, 'syscalls[0].ea[0].path');
  });
  it('an unknown operator, valueTwo without MASKED_EQ, a MASKED_EQ that can never hold', () => {
    fails({ names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [ea('flags', 'SCMP_CMP_GT'), ea('flags', 'SCMP_CMP_BETWEEN')] }, 'syscalls[0].ea[1].op', 'UNKNOWN_OPERATOR');
    fails({ names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [ea('flags', 'SCMP_CMP_LT', 5, 1)] }, 'syscalls[0].ea[0].valueTwo', 'VALUE_TWO_WITHOUT_MASKED_EQ');
    fails({ names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [ea('flags', 'SCMP_CMP_MASKED_EQ', 0xf0, 0x1)] }, 'syscalls[0].ea[0].valueTwo');
  });
  it('every operator compiles, MASKED_EQ with any valueTwo inside its mask', () => {
    for (const op of ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE']) {
      expect(compileProfile(profile([{ names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [ea('flags', op, 7)] }]), { arch: 'x86_64' }).profile).toBe('ea');
    }
    expect(compileProfile(profile([{ names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [ea('flags', 'SCMP_CMP_MASKED_EQ', 0xf0, 0x10)] }]), { arch: 'x86_64' }).profile).toBe('ea');
  });
  it('a constant wider than a 16-bit field', () => {
    fails({ names: ['perf_event_open'], action: 'SCMP_ACT_ALLOW', ea: [ea('sample_max_stack', 'SCMP_CMP_LT', 0x10000)] }, 'syscalls[0].ea[0].value', 'BAD_VALUE');
    fails({ names: ['perf_event_open'], action: 'SCMP_ACT_ALLOW', ea: [ea('sample_max_stack', 'SCMP_CMP_MASKED_EQ', 0xff, 0x10000)] }, 'syscalls[0].ea[0].valueTwo', 'BAD_VALUE');
  });
  it('a constant wider than a 32-bit element', () => {
    fails({ names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [{ path: 'set_tid[0]', op: 'SCMP_CMP_EQ', value: 2 ** 40 }] }, 'syscalls[0].ea[0].value', 'BAD_VALUE');
  });
  it('a bad eaStrategy option', () => {
    expect(() => compileProfile(profile([CLONE3_RULE]), { arch: 'x86_64', eaStrategy: 'x' as Strategy })).toThrow(ProfileError);
  });
});
