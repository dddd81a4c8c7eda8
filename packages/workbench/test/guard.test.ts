/**
 * The tail-zero guard over images @ea/layout's flattener builds (both forms, both engines):
 * the guard's own encoding and its definition on contract images are tested in @ea/policy.
 */
import { EA_FLAG_TRUNCATED, EA_META_FLAGS, SECCOMP_RET_ALLOW } from '@ea/bpf';
import { AddressSpace } from '@ea/layout';
import { interpret } from '@ea/interpreter';
import { Assembler, E2BIG, type GuardForm, type Strategy, emitGuard, needsOf, retErrno, version } from '@ea/policy';
import { verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatImage, jitCompile } from '../src/index.js';

const RUNS = process.env['EA_FUZZ'] ? 20_000 : 1_000;

function guardProgram(form: GuardForm, k: number) {
  const a = new Assembler();
  emitGuard(a, form, k, 'tail');
  a.ret(SECCOMP_RET_ALLOW).label('tail').ret(retErrno(E2BIG));
  return verify(a.build(), { profile: 'ea' });
}

/** A caller struct: mostly zero, a few random non-zero bytes anywhere (often near the end). */
const caller = fc
  .record({
    usize: fc.integer({ min: 0, max: 300 }),
    pokes: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
  })
  .map(({ usize, pokes }) => {
    const bytes = new Uint8Array(usize);
    for (const p of pokes) if (usize > 0) bytes[p.at % usize] = p.value;
    return bytes;
  });

describe('tail-zero guard over flattened images', () => {
  it.each([
    ['clone3', 'jump-table'],
    ['clone3', 'fixed-window'],
    ['openat2', 'jump-table'],
  ] as const)('gives the same verdict in both forms on %s images flattened with %s (interpreter and JIT)', (name, strategy) => {
    const v = version(name);
    const needs = needsOf(v.struct, []);
    const cache = new Map<string, ReturnType<typeof guardProgram>>();
    const prog = (form: GuardForm, k: number) => {
      const id = `${form}:${k}`;
      let p = cache.get(id);
      if (p === undefined) {
        p = guardProgram(form, k);
        cache.set(id, p);
      }
      return p;
    };
    // Up to a page: past what the image can hold after the root's table, too.
    const room = 4096;
    const sized = fc.oneof(
      caller.filter((b) => b.length >= v.struct.size),
      fc.integer({ min: v.struct.size, max: room }).chain((usize) =>
        fc.array(fc.integer({ min: 0, max: usize - 1 }), { maxLength: 2 }).map((at) => {
          const b = new Uint8Array(usize);
          for (const i of at) b[i] = 0x5a;
          return b;
        }),
      ),
    );
    fc.assert(
      fc.property(sized, fc.integer({ min: 0, max: 4096 }), (bytes, k) => {
        const call = { regs: { args: argsFor(v, 0x10000, bytes.length) }, memory: new AddressSpace().map(0x10000, bytes) };
        const img = flatImage(call, v.sys, strategy as Strategy, needs).view;
        const exact = bytes.slice(k).every((b) => b === 0) ? SECCOMP_RET_ALLOW : retErrno(E2BIG);
        // A non-zero byte past what the image holds keeps the caller's usize and sets TRUNCATED,
        // so for k < usize the tail-zero load runs past the image and answers 0: that form
        // denies (fail-safe) even when the non-zero byte is below k, while ESIZE was measured in
        // user memory and stays exact (docs/ea-profile.md, section 2).
        const truncated = (img.getUint32(EA_META_FLAGS, true) & EA_FLAG_TRUNCATED) !== 0;
        for (const form of ['tailzero', 'esize'] as const) {
          const want = form === 'tailzero' && truncated && k < bytes.length ? retErrno(E2BIG) : exact;
          const p = prog(form, k);
          expect(interpret(p, img)).toBe(want);
          expect(jitCompile(p).run(img)).toBe(want);
        }
      }),
      { numRuns: RUNS / 2 },
    );
  });
});

describe('tail-zero guard when the struct does not fit in the image', () => {
  it('both forms still answer exactly (layout shrinks usize over a zero tail, keeps a non-zero one fail-safe)', () => {
    // clone3 with jump tables: the root sits after an 88-byte table, so a 4096-byte struct
    // cannot be held whole; the flattener checks the rest in user memory.
    const v = version('clone3');
    for (const [at, want] of [
      [10, SECCOMP_RET_ALLOW],
      [4000, retErrno(E2BIG)],
      [4095, retErrno(E2BIG)],
    ] as const) {
      const bytes = new Uint8Array(4096);
      bytes[at] = 1;
      const call = { regs: { args: argsFor(v, 0x10000, bytes.length) }, memory: new AddressSpace().map(0x10000, bytes) };
      const img = flatImage(call, v.sys, 'jump-table', needsOf(v.struct, [])).view;
      expect(interpret(guardProgram('esize', 88), img)).toBe(want);
      expect(interpret(guardProgram('tailzero', 88), img)).toBe(want);
    }
  });
});

function argsFor(v: ReturnType<typeof version>, address: number, usize: number): number[] {
  const args = [0, 0, 0, 0, 0, 0];
  args[v.sys.ptrArg] = address;
  if (v.sys.size.kind === 'arg') args[v.sys.size.arg] = usize;
  return args;
}
