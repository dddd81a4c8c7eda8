/**
 * Differential: the example filters (and random policies over the same structs) on random EA
 * images, interpreter against JIT. Images come from two sources: calls flattened by @ea/layout
 * (realistic: tables, windows, faults) and raw random bytes (hostile: any meta words, any slot
 * values, any length), where LD IND must fail safe identically in both engines, and an image
 * shorter than what the filter reads is the same typed error in both.
 */
import { type Insn, insn } from '@ea/bpf';
import { InterpreterError, interpret } from '@ea/interpreter';
import { AddressSpace } from '@ea/layout';
import { ARCHES } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Check, type Strategy, type Test, type Version, buildFilter, layoutPlacement, needsOf, pathFields, version,
} from '@ea/policy';
import { flatImage, jitCompile } from '../src/index.js';

const FUZZ = process.env['EA_FUZZ'] !== undefined;
const x86 = ARCHES.x86_64;
const STRATEGIES: readonly Strategy[] = ['jump-table', 'fixed-window'];

const nested = version('openat2_nested');
const clone3 = version('clone3');
const openat2 = version('openat2');

const EXAMPLES: readonly { name: string; v: Version; checks: readonly Check[] }[] = [
  { name: 'clone3 set_tid[0] == 34', v: clone3, checks: [{ path: 'set_tid[0]', test: { op: 'eq', value: 34n } }] },
  {
    name: 'openat2 BENEATH|NO_SYMLINKS, no O_CREAT',
    v: openat2,
    checks: [
      { path: 'resolve', test: { op: 'allSet', mask: 0x0cn } },
      { path: 'flags', test: { op: 'noneSet', mask: 0o100n } },
    ],
  },
  {
    name: 'nested open_how',
    v: nested,
    checks: [
      { path: 'foo->foo', test: { op: 'eq', value: 1n } },
      { path: 'bar->bar', test: { op: 'eq', value: 2n } },
      { path: 'bar->barbaz->barbaz', test: { op: 'eq', value: 3n } },
      { path: 'baz->baz', test: { op: 'eq', value: 4n } },
    ],
  },
];

function compileBoth(v: Version, checks: readonly Check[], strategy: Strategy) {
  const needs = needsOf(v.struct, checks);
  const placement = layoutPlacement(v.sys, strategy, needs);
  const built = buildFilter({ arch: x86, nr: v.sys.nr, struct: v.struct, placement, checks });
  const verified = verify(built.insns, { profile: 'ea' });
  return { verified, jit: jitCompile(verified), needs, insns: built.insns };
}

const u64 = fc.oneof(fc.constantFrom(0n, 1n, 2n, 3n, 4n, 34n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const small = fc.constantFrom(0, 4, 8, 16, 24, 1000);
const addr = fc.constantFrom(0, 0x10000, 0x20000, 0x30000, 0x40000, 0x50000, 0xdead0000);

/** A random call of the syscall whose struct is `v`: random fields, pointers into random buffers. */
function randomCall(v: Version) {
  return fc
    .record({
      fields: fc.array(u64, { minLength: 12, maxLength: 12 }),
      ptrs: fc.array(addr, { minLength: 4, maxLength: 4 }),
      sizes: fc.array(small, { minLength: 4, maxLength: 4 }),
      buffers: fc.array(fc.array(u64, { minLength: 0, maxLength: 4 }), { minLength: 5, maxLength: 5 }),
      extra: fc.constantFrom(0, 0, 8, 16),
      tailByte: fc.integer({ min: 0, max: 1 }),
    })
    .map((r) => {
      const usize = v.struct.size + r.extra;
      const s = new DataView(new ArrayBuffer(usize));
      let p = 0;
      let z = 0;
      for (const f of pathFields(v.struct)) {
        if (f.size !== 8) continue;
        const value = f.pointer !== undefined ? BigInt(r.ptrs[p++ % 4]!) : /_size$/.test(f.name) ? BigInt(r.sizes[z++ % 4]!) : r.fields[(f.offset / 8) % 12]!;
        s.setBigUint64(f.offset, value, true);
      }
      if (r.extra > 0) s.setUint8(usize - 1, r.tailByte);
      const memory = new AddressSpace().map(0x1000, new Uint8Array(s.buffer));
      r.buffers.forEach((words, i) => {
        const b = new DataView(new ArrayBuffer(8 * Math.max(words.length, 3)));
        // Each buffer may itself hold a pointer (bar -> barbaz) and a size.
        b.setBigUint64(8, BigInt(r.ptrs[(i + 1) % 4]!), true);
        b.setBigUint64(16, BigInt(r.sizes[(i + 1) % 4]!), true);
        for (const [j, w] of words.entries()) if (j !== 1 && j !== 2) b.setBigUint64(8 * j, w, true);
        memory.map(0x10000 * (i + 1), new Uint8Array(b.buffer));
      });
      const args = [0, 0, 0, 0, 0, 0];
      args[v.sys.ptrArg] = 0x1000;
      if (v.sys.size.kind === 'arg') args[v.sys.size.arg] = usize;
      return { regs: { nr: v.sys.nr, arch: x86.auditArch, args }, memory };
    });
}

/** A hostile image: random bytes, with a valid seccomp_data head most of the time. */
function randomImage(v: Version) {
  return fc.record({ bytes: fc.uint8Array({ minLength: 0, maxLength: 700 }), head: fc.boolean() }).map(({ bytes, head }) => {
    const view = new DataView(bytes.buffer);
    if (head && bytes.length >= 8) {
      view.setUint32(0, v.sys.nr, true);
      view.setUint32(4, x86.auditArch, true);
    }
    return view;
  });
}

const RUNS = FUZZ ? 3000 : 150;

/** The verdict, or the code of the typed error both engines give an image shorter than the filter reads. */
function outcome(run: () => number): number | string {
  try {
    return run();
  } catch (error) {
    if (error instanceof InterpreterError) return error.code;
    throw error;
  }
}

describe.each(EXAMPLES)('differential: $name', ({ v, checks }) => {
  it.each(STRATEGIES)('interpreter = JIT on flattened random calls and raw random images (%s)', (strategy) => {
    const { verified, jit, needs } = compileBoth(v, checks, strategy);
    fc.assert(
      fc.property(fc.oneof(randomCall(v).map((call) => flatImage(call, v.sys, strategy, needs).view), randomImage(v)), (img) => {
        expect(outcome(() => jit.run(img))).toBe(outcome(() => interpret(verified, img)));
      }),
      { numRuns: RUNS },
    );
  });
});

const PATHS = ['flags', 'mode', 'resolve', 'foo->foo', 'bar->bar', 'bar->barbaz->barbaz', 'baz->baz', 'bar_size'];
const test: fc.Arbitrary<Test> = fc.oneof(
  u64.map((value) => ({ op: 'eq' as const, value })),
  u64.map((mask) => ({ op: 'allSet' as const, mask })),
  u64.map((mask) => ({ op: 'noneSet' as const, mask })),
  fc.array(u64, { minLength: 1, maxLength: 3 }).map((values) => ({ op: 'oneOf' as const, values })),
);

describe('differential: random policies over the nested open_how', () => {
  it('interpreter = JIT for random checks, strategies and images', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ path: fc.constantFrom(...PATHS), test }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...STRATEGIES),
        fc.array(fc.oneof(randomCall(nested), randomImage(nested).map((view) => ({ view }))), { minLength: 1, maxLength: 6 }),
        (checks, strategy, inputs) => {
          const { verified, jit, needs } = compileBoth(nested, checks, strategy);
          for (const input of inputs) {
            const img = 'view' in input ? input.view : flatImage(input, nested.sys, strategy, needs).view;
            expect(outcome(() => jit.run(img))).toBe(outcome(() => interpret(verified, img)));
          }
        },
      ),
      { numRuns: FUZZ ? 1000 : 60 },
    );
  });
});

describe('differential sanity', () => {
  it('the generated images reach the compare: a one-bit change of the constant is noticed', () => {
    const { verified, needs, insns } = compileBoth(clone3, EXAMPLES[0]!.checks, 'jump-table');
    const at = insns.findIndex((i) => i.kind === 'jmp' && i.k === 34);
    const mutant: Insn[] = insns.map((i, pc) => (pc === at ? insn(i.code, i.jt, i.jf, 35) : i));
    const mutantJit = jitCompile(verify(mutant, { profile: 'ea' }));
    let differs = 0;
    for (const tid of [34, 35, 36]) {
      const s = new DataView(new ArrayBuffer(88));
      s.setBigUint64(64, 0x10000n, true);
      s.setBigUint64(72, 1n, true);
      const t = new DataView(new ArrayBuffer(4));
      t.setInt32(0, tid, true);
      const memory = new AddressSpace().map(0x1000, new Uint8Array(s.buffer)).map(0x10000, new Uint8Array(t.buffer));
      const img = flatImage({ regs: { args: [0x1000, 88] }, memory }, clone3.sys, 'jump-table', needs).view;
      if (mutantJit.run(img) !== interpret(verified, img)) differs += 1;
    }
    expect(differs).toBe(2);
  });
});
