import { AUDIT_ARCH_X86_64, EA_REGION_OFFSET, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS } from '@ea/bpf';
import { interpret } from '@ea/interpreter';
import { ARCHES } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Check, type Placement, PathError, buildFilter, checksHold, retErrno, EPERM, E2BIG, layoutPlacement,
  chainOf, needsOf, resolvePath, version, writeField,
} from '../src/index.js';
import { contractImage } from './support/image.js';

const RUNS = process.env['EA_FUZZ'] ? 5_000 : 300;
const x86 = ARCHES.x86_64;
const rootOnly: Placement = {
  strategy: 'fixed-window',
  root: EA_REGION_OFFSET,
  window: () => {
    throw new Error('root-only');
  },
};
const cloneArgs = (v: string) => version('clone3', v).struct;

const tests = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value) => ({ op: 'eq' as const, value })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((mask) => ({ op: 'allSet' as const, mask })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((mask) => ({ op: 'noneSet' as const, mask })),
  fc.array(fc.bigInt({ min: 0n, max: 7n }), { minLength: 1, maxLength: 3 }).map((values) => ({ op: 'oneOf' as const, values })),
);

describe('buildFilter', () => {
  it('checks the arch, rejects x32 numbers and passes other syscalls through', () => {
    const built = buildFilter({ arch: x86, nr: 435, struct: cloneArgs('VER0'), placement: rootOnly, checks: [] });
    const prog = verify(built.insns, { profile: 'ea' });
    const caller = new Uint8Array(64);
    expect(interpret(prog, contractImage(435, AUDIT_ARCH_X86_64, caller))).toBe(SECCOMP_RET_ALLOW);
    expect(interpret(prog, contractImage(435, 0x40000003, caller))).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(interpret(prog, contractImage(0x40000000 | 435, AUDIT_ARCH_X86_64, caller))).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(interpret(prog, contractImage(39, AUDIT_ARCH_X86_64, caller))).toBe(SECCOMP_RET_ALLOW);
    expect(interpret(prog, contractImage(435, AUDIT_ARCH_X86_64, new Uint8Array(72).fill(1, 70)))).toBe(retErrno(E2BIG));
  });

  it('compares 64-bit fields as two 32-bit halves exactly like the reference judgement', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ field: fc.constantFrom('flags', 'exit_signal', 'tls'), test: tests }), { maxLength: 3 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.bigInt({ min: 0n, max: 7n }),
        fc.boolean(),
        (specs, wide, small, useSmall) => {
          const checks: Check[] = specs.map((s) => ({ path: s.field, test: s.test }));
          const struct = cloneArgs('VER0');
          const built = buildFilter({ arch: x86, nr: 435, struct, placement: rootOnly, checks });
          const prog = verify(built.insns, { profile: 'ea' });
          const caller = new Uint8Array(64);
          for (const [i, f] of (['flags', 'exit_signal', 'tls'] as const).entries()) {
            const v = useSmall && i === 0 ? small : wide >> BigInt(i);
            writeField(caller, struct.fields.get(f)!.offset, 8, 'le', v);
          }
          const want = checksHold(struct, checks, caller, 'le') ? SECCOMP_RET_ALLOW : retErrno(EPERM);
          expect(interpret(prog, contractImage(435, AUDIT_ARCH_X86_64, caller))).toBe(want);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('counts instructions per check for both strategies', () => {
    const nested = version('openat2_nested');
    const eq = (path: string, value = 34n): Check => ({ path, test: { op: 'eq', value } });
    const count = (strategy: 'jump-table' | 'fixed-window', v: typeof nested, check: Check) => {
      const placement = layoutPlacement(v.sys, strategy, needsOf(v.struct, [check]));
      return buildFilter({ arch: x86, nr: v.sys.nr, struct: v.struct, placement, checks: [check] }).perCheck[0];
    };
    // root u64 == c: 2 x (ld + jeq); jump tables first fetch ea_meta.root into X (ld + tax)
    expect(count('fixed-window', nested, eq('flags'))).toBe(4);
    expect(count('jump-table', nested, eq('flags'))).toBe(6);
    // one level: window status test (ld + jeq) vs table slot (ld + jeq #0 + tax)
    expect(count('fixed-window', nested, eq('bar->bar'))).toBe(6);
    expect(count('jump-table', nested, eq('bar->bar'))).toBe(7);
    // two levels: windows stay flat, jump tables add ld [x+k] + jeq #0 + tax per level
    expect(count('fixed-window', nested, eq('bar->barbaz->barbaz'))).toBe(6);
    expect(count('jump-table', nested, eq('bar->barbaz->barbaz'))).toBe(10);
    // clone3 set_tid[0] == 34 (a 32-bit element)
    const clone = version('clone3');
    expect(count('fixed-window', clone, eq('set_tid[0]'))).toBe(4);
    expect(count('jump-table', clone, eq('set_tid[0]'))).toBe(5);
  });

  it('names a bad path', () => {
    expect(() =>
      buildFilter({ arch: x86, nr: 435, struct: cloneArgs('VER0'), placement: rootOnly, checks: [{ path: 'cgroup', test: { op: 'eq', value: 0n } }] }),
    ).toThrow(PathError);
    expect(() =>
      buildFilter({ arch: x86, nr: 435, struct: cloneArgs('VER0'), placement: rootOnly, checks: [{ path: 'flags->x', test: { op: 'eq', value: 0n } }] }),
    ).toThrow(/not a pointer/);
  });

  it('resolves paths against @ea/layout\'s structs: pointers, counted arrays, and what a check cannot read', () => {
    const clone = version('clone3').struct;
    expect(resolvePath(clone, 'set_tid[31]')).toMatchObject({ hops: [{ field: { name: 'set_tid', offset: 64 } }], field: { offset: 124, size: 4 } });
    expect(() => resolvePath(clone, 'set_tid[32]')).toThrow(/set_tid has no field \[32\]/);
    const nested = version('openat2_nested').struct;
    expect(chainOf(resolvePath(nested, 'bar->barbaz->barbaz'))).toBe('bar->barbaz');
    // setxattrat's value points to bytes: its root fields can be checked, its pointee cannot.
    const xattr = version('setxattrat').struct;
    expect(resolvePath(xattr, 'flags').field.size).toBe(4);
    expect(() => resolvePath(xattr, 'value[0]')).toThrow(PathError);
  });
});
