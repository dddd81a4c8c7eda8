import { AUDIT_ARCH_X86_64, BPF_LD, BPF_TAILZ, BPF_W, SECCOMP_RET_ALLOW, codeOf } from '@ea/bpf';
import { interpret } from '@ea/interpreter';
import { verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Assembler, E2BIG, type GuardForm, emitGuard, retErrno,
} from '../src/index.js';
import { contractImage } from './support/image.js';

const RUNS = process.env['EA_FUZZ'] ? 20_000 : 1_000;
/** The mode docs/ea-profile.md documents for the tail-zero load (unused by classic BPF). */
const EA_MODE_0XC0 = 192;

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

describe('tail-zero guard', () => {
  it('encodes ld_tailzero as BPF_LD|BPF_W|BPF_TAILZ (0xc0) and the esize form with plain loads', () => {
    const a = new Assembler();
    emitGuard(a, 'tailzero', 64, 'x');
    a.label('x');
    const [ld] = a.build();
    expect(ld!.code).toBe(BPF_LD | BPF_W | BPF_TAILZ);
    expect(BPF_TAILZ).toBe(EA_MODE_0XC0);
    expect(ld!.code).toBe(codeOf({ kind: 'ld_tailzero' }));
    expect(ld!.k).toBe(64);
    const b = new Assembler();
    emitGuard(b, 'esize', 64, 'x');
    b.label('x');
    const [ldE, jgt] = b.build();
    expect(ldE).toMatchObject({ kind: 'ld_abs', k: 68 });
    expect(jgt).toMatchObject({ kind: 'jmp', op: 'jgt', k: 64, jt: 0, jf: 0 });
  });

  it('fires exactly when the caller set a byte at or past k', () => {
    const k = 64;
    const tz = guardProgram('tailzero', k);
    const es = guardProgram('esize', k);
    const bytes = new Uint8Array(88);
    for (const [at, fires] of [[0, false], [63, false], [64, true], [87, true]] as const) {
      bytes.fill(0);
      bytes[at] = 1;
      const img = contractImage(435, AUDIT_ARCH_X86_64, bytes);
      const want = fires ? retErrno(E2BIG) : SECCOMP_RET_ALLOW;
      expect(interpret(tz, img)).toBe(want);
      expect(interpret(es, img)).toBe(want);
    }
  });

  it('gives the same verdict in both forms for random callers, usizes and k (interpreter)', () => {
    fc.assert(
      fc.property(caller, fc.integer({ min: 0, max: 320 }), (bytes, k) => {
        const img = contractImage(435, AUDIT_ARCH_X86_64, bytes);
        const tz = interpret(guardProgram('tailzero', k), img);
        const es = interpret(guardProgram('esize', k), img);
        expect(tz).toBe(es);
        // And both agree with the definition, computed on the bytes themselves.
        const tailZero = bytes.slice(k).every((b) => b === 0);
        expect(tz).toBe(tailZero ? SECCOMP_RET_ALLOW : retErrno(E2BIG));
      }),
      { numRuns: RUNS },
    );
  });
});
