/**
 * The classic BPF corpus (corpus/cbpf/*.data, format in corpus/README.md), run by one harness
 * through every engine: the verifier decides every case (a rejection must be the expected
 * `REASON@pc`); each accepted program then runs in the interpreter and in the JIT (which must
 * really have generated code), and each must give the expected result or engine error.
 * Regression cases go here, as new files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interpret, packetContext } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { REASONS, type VerifiedProgram, verify } from '@ea/verifier';
import { describe, expect, it } from 'vitest';
import { CBPF_CORPUS_DIR, type CbpfCase, parseCase } from '../src/index.js';

const dir = CBPF_CORPUS_DIR;
const files = readdirSync(dir).filter((f) => f.endsWith('.data')).sort();
const cases = files.map((f) => [f, parseCase(readFileSync(join(dir, f), 'utf8'), f)] as const);

/** What an engine answered, in the corpus's words: `0x…` for a result, else the error's code. */
function outcome(run: () => number): string {
  try {
    return `0x${(run() >>> 0).toString(16)}`;
  } catch (error) {
    const e = error as { reason?: unknown; code?: unknown; pc?: unknown };
    const code = typeof e.reason === 'string' ? e.reason : typeof e.code === 'string' ? e.code : null;
    if (code === null) throw error;
    return typeof e.pc === 'number' ? `${code}@${e.pc}` : code;
  }
}

const expected = (c: CbpfCase): string => (c.result !== undefined ? `0x${c.result.toString(16)}` : c.error!);

/** Tells whether a case expects the verifier to reject it (its error names a verifier reason). */
const rejected = (c: CbpfCase): boolean => c.error !== undefined && Object.hasOwn(REASONS, c.error.split('@')[0]!);

function input(c: CbpfCase): DataView | ReturnType<typeof packetContext> {
  return c.profile === 'socket' ? packetContext(c.input) : new DataView(c.input.buffer, c.input.byteOffset, c.input.byteLength);
}

/** The engines an accepted program runs through. */
const ENGINES: Readonly<Record<string, (p: VerifiedProgram, c: CbpfCase) => number>> = {
  interpreter: (p, c) => interpret(p, input(c)),
  jit: (p, c) => {
    const compiled = compile(p);
    if (!compiled.accelerated) throw new Error(`the JIT generated no code: ${compiled.reason ?? '?'}`);
    return compiled.run(input(c));
  },
};

describe('classic BPF corpus', () => {
  it('has cases of every kind', () => {
    const by = (p: string) => cases.filter(([, c]) => c.profile === p).length;
    expect(by('seccomp')).toBeGreaterThanOrEqual(10);
    expect(by('socket')).toBeGreaterThanOrEqual(8);
    expect(by('ea')).toBeGreaterThanOrEqual(5);
    expect(cases.filter(([, c]) => rejected(c)).length).toBeGreaterThanOrEqual(8);
  });

  it('names the file and line of a malformed case', () => {
    expect(() => parseCase('-- asm\nret #1\n-- result\nxyz\n', 'bad.data')).toThrow('bad.data:4: "xyz" is not a number');
    expect(() => parseCase('-- asm\nret #1\n', 'none.data')).toThrow(/exactly one of -- result and -- error/);
    expect(() => parseCase('-- asm\nret #1\n-- seccomp\nnr=1 rip=2\n-- result\n0\n', 'key.data')).toThrow(/key.data:4/);
  });

  describe('verifier', () => {
    for (const [file, c] of cases) {
      it(file, () => {
        const got = outcome(() => {
          verify(c.insns, { profile: c.profile });
          return 0;
        });
        // An accepted program is the verifier's "0x0" here; the engines judge its result.
        expect(got).toBe(rejected(c) ? c.error : '0x0');
      });
    }
  });

  for (const [name, run] of Object.entries(ENGINES)) {
    describe(name, () => {
      for (const [file, c] of cases.filter(([, x]) => !rejected(x))) {
        it(file, () => {
          const program = verify(c.insns, { profile: c.profile });
          expect(outcome(() => run(program, c))).toBe(expected(c));
        });
      }
    });
  }
});
