import { AUDIT_ARCH_S390X, AUDIT_ARCH_X86_64, SECCOMP_DATA_SIZE } from '@ea/bpf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ARCHES,
  callData,
  readSeccompData,
  SeccompError,
  type SeccompData,
  seccompDataBytes,
  writeSeccompData,
  writeSeccompDataWords,
} from '../src/index.js';

const sample: SeccompData = {
  nr: 0x101,
  arch: AUDIT_ARCH_X86_64,
  instructionPointer: 0x00007fff12345678n,
  args: [0x1122334455667788n, 0xffffffffffffffffn, 0n, 1n, 0x80000000n, 0x100000000n],
};

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const data = fc.record({
  nr: fc.integer({ min: 0, max: 0xffffffff }),
  arch: fc.integer({ min: 0, max: 0xffffffff }),
  instructionPointer: u64,
  args: fc.array(u64, { minLength: 6, maxLength: 6 }),
});

describe('seccomp_data layout', () => {
  it('puts the low word first on little-endian (docs/kernel-facts.md §3.1)', () => {
    const view = new DataView(seccompDataBytes(sample, 'le').buffer);
    expect(view.getUint32(0, true)).toBe(0x101);
    expect(view.getUint32(4, true)).toBe(0xc000003e);
    expect(view.getUint32(8, true)).toBe(0x12345678);
    expect(view.getUint32(12, true)).toBe(0x00007fff);
    expect(view.getUint32(16, true)).toBe(0x55667788);
    expect(view.getUint32(20, true)).toBe(0x11223344);
    expect(view.getUint32(24, true)).toBe(0xffffffff);
    expect(view.getUint32(52, true)).toBe(0);
    expect(view.getUint32(48, true)).toBe(0x80000000);
    expect(view.getUint32(56, true)).toBe(0);
    expect(view.getUint32(60, true)).toBe(1);
  });

  it('puts the high word first on big-endian (s390x)', () => {
    const bytes = seccompDataBytes({ ...sample, arch: AUDIT_ARCH_S390X }, 'be');
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(4, false)).toBe(0x80000016);
    expect(view.getUint32(16, false)).toBe(0x11223344);
    expect(view.getUint32(20, false)).toBe(0x55667788);
    expect(bytes.length).toBe(SECCOMP_DATA_SIZE);
  });

  it('round-trips through read for both byte orders', () => {
    fc.assert(
      fc.property(data, fc.constantFrom('le' as const, 'be' as const), (d, endian) => {
        const view = new DataView(seccompDataBytes(d, endian).buffer);
        expect(readSeccompData(view, endian)).toEqual(d);
      }),
    );
  });

  it('writes the same bytes from words as from bigints', () => {
    fc.assert(
      fc.property(data, fc.constantFrom('le', 'be' as const), (d, endian) => {
        const words: number[] = [];
        for (const a of d.args) words.push(Number(a & 0xffffffffn), Number(a >> 32n));
        const buf = new DataView(new ArrayBuffer(64));
        const ip = d.instructionPointer;
        writeSeccompDataWords(buf, d.nr, d.arch, words, endian, Number(ip & 0xffffffffn), Number(ip >> 32n));
        expect(new Uint8Array(buf.buffer)).toEqual(seccompDataBytes(d, endian));
      }),
    );
  });

  it('stores a negative nr as its u32 pattern', () => {
    const view = new DataView(seccompDataBytes({ ...sample, nr: -1 }, 'le').buffer);
    expect(view.getUint32(0, true)).toBe(0xffffffff);
  });

  it('refuses bad fields with a typed error naming the field', () => {
    const view = new DataView(new ArrayBuffer(64));
    const bad: [Partial<SeccompData>, string][] = [
      [{ nr: 0x100000000 }, 'nr'],
      [{ nr: 1.5 }, 'nr'],
      [{ arch: -1 }, 'arch'],
      [{ instructionPointer: -1n }, 'instructionPointer'],
      [{ args: [0n, 0n, 0n, 0n, 0n] }, 'args'],
      [{ args: [0n, 0n, 0n, 1n << 64n, 0n, 0n] }, 'args[3]'],
      [{ args: [0n, 0n, 0n, 0n, 0n, 5 as unknown as bigint] }, 'args[5]'],
    ];
    for (const [patch, field] of bad) {
      const err = (() => {
        try {
          writeSeccompData(view, { ...sample, ...patch }, 'le');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(SeccompError);
      expect((err as SeccompError).field).toBe(field);
    }
    expect(() => writeSeccompData(new DataView(new ArrayBuffer(63)), sample, 'le')).toThrow(SeccompError);
  });

  it('builds call data from names on each arch', () => {
    const d = callData('aarch64', 'openat', [-100 >>> 0, 0x1000n]);
    expect(d.nr).toBe(56);
    expect(d.arch).toBe(ARCHES.aarch64.auditArch);
    expect(d.args).toEqual([0xffffff9cn, 0x1000n, 0n, 0n, 0n, 0n]);
    expect(callData('x32', 'read').nr).toBe(0x40000000);
    expect(() => callData('x86_64', 'no_such_call')).toThrow(SeccompError);
    expect(() => callData('vax', 'read')).toThrow(/unknown architecture/);
    expect(() => callData('x86_64', 0, [1, 2, 3, 4, 5, 6, 7])).toThrow(SeccompError);
  });
});
