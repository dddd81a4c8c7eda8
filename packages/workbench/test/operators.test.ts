/**
 * libseccomp's seven operators (EQ, NE, LT, LE, GT, GE, MASKED_EQ) on struct fields of every
 * width (8, 16, 32, 64 bits) and every position a field can have inside its aligned 32-bit word,
 * in both byte orders: the filter @ea/policy builds, run by the interpreter and the JIT, gives
 * the verdict @ea/policy's judge gives on the caller's bytes, for values at and around each
 * constant, with the neighbouring fields filled with noise (a sub-word field must be cut out of
 * its word exactly). Planted one-bit errors (in a constant, in a shift) are caught.
 */
import { EA_FLAG_PRESENT, EA_META_ESIZE, EA_META_FLAGS, EA_META_ROOT, EA_META_USIZE, EA_REGION_OFFSET, type Endian, type Insn, SECCOMP_RET_ALLOW, insn } from '@ea/bpf';
import { struct, u16, u32, u64, u8 } from '@ea/layout';
import { type Check, EPERM, type Placement, type Test, buildFilter, effectiveSize, holds, readField, resolvePath, retErrno } from '@ea/policy';
import { ARCHES, type ArchInfo } from '@ea/seccomp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultEngine } from '../src/index.js';

const RUNS = process.env['EA_FUZZ'] ? 3_000 : 150;

/** A struct with a field of each width at each position it can take in its word. */
const OPS = struct('ea_ops_test', [
  ['a', u8], // byte 0 of word 0
  ['b', u8], // byte 1
  ['c', u16], // bytes 2-3
  ['d', u32],
  ['e', u16], // bytes 0-1 of word 2
  ['f', u8], // byte 2
  ['g', u8], // byte 3
  ['h', u64],
]);
const FIELDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const;
const NR = 435;

const rootOnly: Placement = {
  strategy: 'fixed-window',
  root: EA_REGION_OFFSET,
  window: () => {
    throw new Error('root-only');
  },
};

/** The image the contract describes for a root-only struct: seccomp_data, ea_meta, the caller's bytes. */
function image(arch: ArchInfo, caller: Uint8Array): DataView {
  const buf = new Uint8Array(EA_REGION_OFFSET + caller.length);
  const view = new DataView(buf.buffer);
  const le = arch.endian === 'le';
  view.setUint32(0, NR, le);
  view.setUint32(4, arch.auditArch, le);
  view.setUint32(EA_META_USIZE, caller.length, le);
  view.setUint32(EA_META_ESIZE, effectiveSize(caller), le);
  view.setUint32(EA_META_ROOT, EA_REGION_OFFSET, le);
  view.setUint32(EA_META_FLAGS, EA_FLAG_PRESENT, le);
  buf.set(caller, EA_REGION_OFFSET);
  return view;
}

/** Writes `v` into a field of `caller` in the arch's byte order. */
function put(caller: Uint8Array, name: string, v: bigint, order: Endian): void {
  const f = resolvePath(OPS, name).field;
  for (let i = 0; i < f.size; i += 1) {
    const shift = order === 'le' ? 8 * i : 8 * (f.size - 1 - i);
    caller[f.offset + i] = Number((BigInt.asUintN(8 * f.size, v) >> BigInt(shift)) & 0xffn);
  }
}

type Op = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'maskedEq';
const OP_NAMES: readonly Op[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'maskedEq'];

function testOf(op: Op, value: bigint, mask: bigint): Test {
  return op === 'maskedEq' ? { op, mask, value: value & mask } : { op, value };
}

/** Values at and around a test's constant, at the field's width. */
function around(test: Test, bits: number, noise: bigint, bit: number): bigint[] {
  const max = (1n << BigInt(bits)) - 1n;
  const cut = (v: bigint): bigint => BigInt.asUintN(bits, v);
  const c = 'value' in test ? test.value : 0n;
  const out = [c, cut(c - 1n), cut(c + 1n), 0n, max, cut(c ^ (1n << BigInt(bit % bits))), cut(noise)];
  if (test.op === 'maskedEq') {
    const hit = (cut(noise) & ~test.mask) | test.value;
    out.push(hit, hit ^ (1n << BigInt(bit % bits)), cut(hit ^ test.mask));
  }
  return out;
}

const engines = { le: defaultEngine('le'), be: defaultEngine('be') };

/** Runs insns on one caller through both engines of the arch's byte order. */
function verdicts(insns: readonly Insn[], arch: ArchInfo, caller: Uint8Array): [number, number] {
  const engine = engines[arch.endian];
  const prog = engine.verify(insns);
  const img = image(arch, caller);
  return [engine.interpret(prog, img) >>> 0, engine.jit!(prog, img) >>> 0];
}

const u64Arb = fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));

describe.each([['little-endian', ARCHES.x86_64], ['big-endian', ARCHES.s390x]] as const)('operators on 8/16/32/64-bit fields (%s)', (_, arch) => {
  it('the filter gives the judge’s verdict at and around every constant, interpreter and JIT', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIELDS),
        fc.constantFrom(...OP_NAMES),
        u64Arb,
        u64Arb,
        u64Arb,
        fc.nat(63),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        (name, op, rawValue, rawMask, noise, bit, fill) => {
          const bits = 8 * resolvePath(OPS, name).field.size;
          const test = testOf(op, BigInt.asUintN(bits, rawValue), BigInt.asUintN(bits, rawMask));
          const check: Check = { path: name, test };
          const insns = buildFilter({ arch, nr: NR, struct: OPS, placement: rootOnly, checks: [check] }).insns;
          for (const v of around(test, bits, noise, bit)) {
            // Noise everywhere else: the comparison must see exactly this field's bits.
            const caller = Uint8Array.from(fill);
            put(caller, name, v, arch.endian);
            const f = resolvePath(OPS, name).field;
            const want = holds(test, readField(caller, f.offset, f.size, arch.endian)) ? SECCOMP_RET_ALLOW : retErrno(EPERM);
            expect(verdicts(insns, arch, caller), `${name} ${op} ${JSON.stringify(test, (_k, x) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x))} v=0x${v.toString(16)}`).toEqual([want, want]);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('operators: planted one-bit errors are caught', () => {
  const arch = ARCHES.x86_64;
  /** How many of the values around the constant get a different verdict from a mutant. */
  function caught(check: Check, mutate: (i: Insn) => Insn | undefined): number {
    const insns = buildFilter({ arch, nr: NR, struct: OPS, placement: rootOnly, checks: [check] }).insns;
    let done = false;
    const mutant = insns.map((i) => {
      if (done) return i;
      const m = mutate(i);
      if (m === undefined) return i;
      done = true;
      return m;
    });
    expect(done).toBe(true);
    const f = resolvePath(OPS, check.path).field;
    let differs = 0;
    for (const v of around(check.test, 8 * f.size, 0x5a5a5a5a5a5a5a5an, 3)) {
      const caller = new Uint8Array(24).fill(0xa5);
      put(caller, check.path, v, 'le');
      const want = holds(check.test, readField(caller, f.offset, f.size, 'le')) ? SECCOMP_RET_ALLOW : retErrno(EPERM);
      const got = verdicts(mutant, arch, caller);
      if (got[0] !== want || got[1] !== want) differs += 1;
    }
    return differs;
  }
  const isJmp = (i: Insn, k: number): boolean => i.kind === 'jmp' && i.k === k;

  it('a constant off by one bit', () => {
    expect(caught({ path: 'f', test: { op: 'lt', value: 0x80n } }, (i) => (isJmp(i, 0x80) ? insn(i.code, i.jt, i.jf, 0x81) : undefined))).toBeGreaterThan(0);
    expect(caught({ path: 'h', test: { op: 'ge', value: 0x1_0000_0005n } }, (i) => (isJmp(i, 5) ? insn(i.code, i.jt, i.jf, 4) : undefined))).toBeGreaterThan(0);
    expect(caught({ path: 'h', test: { op: 'ne', value: 0x2_0000_0000n } }, (i) => (isJmp(i, 2) ? insn(i.code, i.jt, i.jf, 3) : undefined))).toBeGreaterThan(0);
  });

  it('a sub-word field shifted by one bit too many', () => {
    expect(caught({ path: 'c', test: { op: 'eq', value: 0x1234n } }, (i) => (i.kind === 'alu' && i.k === 16 ? insn(i.code, i.jt, i.jf, 17) : undefined))).toBeGreaterThan(0);
  });
});
