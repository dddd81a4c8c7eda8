/**
 * Byte order: the same policy on a little-endian (x86_64) and a big-endian (s390x) arch, over
 * images flattened in that order, gives the verdict the reference judgement gives on the
 * caller's bytes: 64-bit halves are swapped and table words read natively.
 */
import { type Endian, SECCOMP_RET_ALLOW } from '@ea/bpf';
import { AddressSpace } from '@ea/layout';
import { ARCHES } from '@ea/seccomp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Check, EPERM, buildFilter, checksHold, needsOf, retErrno, version, writeField } from '@ea/policy';
import { defaultEngine } from '../src/index.js';

const RUNS = process.env['EA_FUZZ'] ? 2000 : 100;
const openat2 = version('openat2');
const clone3 = version('clone3');
const ORDERS = [
  ['x86_64', 'le'],
  ['s390x', 'be'],
] as const;

const CHECKS: readonly Check[] = [
  { path: 'resolve', test: { op: 'allSet', mask: (1n << 36n) | 0x0cn } },
  { path: 'flags', test: { op: 'noneSet', mask: 0x40n | (1n << 40n) } },
  { path: 'mode', test: { op: 'oneOf', values: [0n, 0o644n, 1n << 33n] } },
];

describe.each(ORDERS)('byte order on %s', (archName, order: Endian) => {
  const arch = ARCHES[archName];
  const engine = defaultEngine(order);

  it.each(['jump-table', 'fixed-window'] as const)('open_how checks on 64-bit halves (%s)', (strategy) => {
    const needs = needsOf(openat2.struct, CHECKS);
    const built = buildFilter({
      arch, nr: openat2.sys.nr, struct: openat2.struct, checks: CHECKS, placement: engine.placement(openat2.sys, strategy, needs),
    });
    const verified = engine.verify(built.insns);
    // Values made of the bits the checks look at, in either half, so every check is reached.
    const BITS = [0x40n, 1n << 40n, 0x0cn, 0x04n, 1n << 36n, 1n << 4n, 0o644n, 1n << 33n];
    const word = fc.oneof(
      { weight: 4, arbitrary: fc.subarray(BITS).map((bits) => bits.reduce((a, b) => a | b, 0n)) },
      { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
    );
    fc.assert(
      fc.property(word, word, word, (flags, mode, resolve) => {
        const bytes = new Uint8Array(24);
        writeField(bytes, 0, 8, order, flags);
        writeField(bytes, 8, 8, order, mode);
        writeField(bytes, 16, 8, order, resolve);
        const call = { regs: { nr: 437, arch: arch.auditArch, args: [0, 0, 0x1000, 24] }, memory: new AddressSpace().map(0x1000, bytes) };
        const img = engine.image(call, openat2.sys, strategy, needs).view;
        const want = checksHold(openat2.struct, CHECKS, bytes, order) ? SECCOMP_RET_ALLOW : retErrno(EPERM);
        expect(engine.interpret(verified, img)).toBe(want);
        expect(engine.jit!(verified, img)).toBe(want);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(['jump-table', 'fixed-window'] as const)('set_tid[0] == 34 through a native-order pointer (%s)', (strategy) => {
    const checks: Check[] = [{ path: 'set_tid[0]', test: { op: 'eq', value: 34n } }];
    const needs = needsOf(clone3.struct, checks);
    const built = buildFilter({
      arch, nr: clone3.sys.nr, struct: clone3.struct, checks, placement: engine.placement(clone3.sys, strategy, needs),
    });
    const verified = engine.verify(built.insns);
    for (const [tid, want] of [
      [34, SECCOMP_RET_ALLOW],
      [35, retErrno(EPERM)],
      [34 << 24, retErrno(EPERM)],
    ] as const) {
      const args = new Uint8Array(88);
      writeField(args, 64, 8, order, 0x2000n);
      writeField(args, 72, 8, order, 1n);
      const tids = new Uint8Array(4);
      writeField(tids, 0, 4, order, BigInt(tid));
      const memory = new AddressSpace().map(0x1000, args).map(0x2000, tids);
      const img = engine.image({ regs: { nr: 435, arch: arch.auditArch, args: [0x1000, 88] }, memory }, clone3.sys, strategy, needs).view;
      expect(engine.interpret(verified, img)).toBe(want);
      expect(engine.jit!(verified, img)).toBe(want);
    }
  });
});
