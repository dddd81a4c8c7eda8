/**
 * The if-converted form on its own (ifconvert.ts), without the ordinary code behind it: on
 * random programs of plain packet loads, ALU, scratch memory and jumps, over packets long
 * enough for it, its result must be the interpreter's whenever it does not ask to escape, and
 * it may only escape for a negative indirect offset. runBatch's own differential test
 * (batch.test.ts) covers the whole loop, where short packets and escapes take the ordinary code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInsn, type KnownInsn } from '@ea/bpf';
import { packetContext, prepare } from '@ea/interpreter';
import { Scope, print } from '@ea/codegen';
import { ifConvert, ifConvertMinLength } from '../src/ifconvert.js';
import { EDGES, Rng, genProgram } from '@ea/testkit';
import { verified } from './support/verified.js';

const SCALE = process.env['EA_FUZZ'] ? 20 : 1;

type Predicated = (view: DataView, base: number, len: number, wire: number, imul: typeof Math.imul) => [number, number];

/** Compiles the predicated statements into `(view, base, len, wire, imul) => [result, escape]`. */
function build(insns: readonly KnownInsn[]): Predicated {
  const scope = new Scope();
  for (const n of ['view', 'base', 'len', 'wire', 'imul']) scope.declare(n);
  const id = (n: string) => scope.id(n);
  const p = ifConvert(insns, scope, { view: id('view'), base: id('base'), len: id('len'), wire: () => id('wire'), imul: () => id('imul') });
  const body = p.stmts.map((s) => print(s)).join('\n');
  const result = print(p.result);
  const esc = p.escape === null ? '0' : print(p.escape);
  return new Function('view', 'base', 'len', 'wire', 'imul', `${body}\nreturn [${result} >>> 0, ${esc}];`) as Predicated;
}

describe('if-converted programs == interpreter', () => {
  it(`${1500 * SCALE} random plain-load programs x 64 packets`, () => {
    let predicated = 0;
    let decided = 0;
    let escaped = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const r = new Rng(seed);
        const insns = genProgram(r, 'socket', 40, EDGES, { plain: true });
        const program = verified(insns, 'socket');
        const known = program.insns as readonly KnownInsn[];
        const min = ifConvertMinLength(known);
        if (min === null) return;
        predicated++;
        const run = build(known);
        const interp = prepare(program);
        for (let n = 0; n < 64; n++) {
          const len = min + r.int(r.chance(0.5) ? 8 : 200);
          const before = r.int(16);
          const buffer = new Uint8Array(before + len + r.int(16)).map(() => r.pick([0, 0x45, 0x50, 6, 17, 0xff, r.int(256)]));
          const wire = r.chance(0.8) ? len : r.u32();
          const view = new DataView(buffer.buffer);
          const [got, escaped1] = run(view, before, len, wire, Math.imul);
          const bytes = buffer.subarray(before, before + len);
          const want = interp.run({ ...packetContext(bytes), wireLength: wire });
          if (escaped1 !== 0) {
            escaped++;
            // Only a negative X + k may escape; every such program reads through ld [x + k].
            expect(known.some((i) => i.kind === 'ld_ind'), `seed ${seed}`).toBe(true);
            continue;
          }
          decided++;
          if (got !== want) {
            const listing = known.map((x, pc) => `${pc}: ${formatInsn(x, pc)}`).join('\n');
            throw new Error(`seed ${seed} len ${len}: predicated ${got} != interpreter ${want}\n${listing}`);
          }
        }
      }),
      { numRuns: 1500 * SCALE },
    );
    // Most random plain programs convert, and nearly every packet is decided without escaping.
    expect(predicated).toBeGreaterThan(700 * SCALE);
    expect(decided).toBeGreaterThan(escaped * 10);
  });

  it('refuses ancillary and negative absolute loads, long programs, and programs without a test', () => {
    const ld = (k: number): KnownInsn => ({ code: 0x28, jt: 0, jf: 0, k, kind: 'ld_abs', size: 'h' }) as KnownInsn;
    const jeq: KnownInsn = { code: 0x15, jt: 0, jf: 1, k: 0x800, kind: 'jmp', op: 'jeq', src: 'k' } as KnownInsn;
    const ret = (k: number): KnownInsn => ({ code: 0x06, jt: 0, jf: 0, k, kind: 'ret_k' }) as KnownInsn;
    expect(ifConvertMinLength([ld(12), jeq, ret(1), ret(0)])).toBe(14);
    expect(ifConvertMinLength([ld(0xfffff000), jeq, ret(1), ret(0)])).toBeNull();
    expect(ifConvertMinLength([ld(0xfff00000), jeq, ret(1), ret(0)])).toBeNull();
    expect(ifConvertMinLength([ld(12), ret(0)])).toBeNull();
    expect(ifConvertMinLength([ld(12), jeq, ret(1), ret(0)], 3)).toBeNull();
  });
});
