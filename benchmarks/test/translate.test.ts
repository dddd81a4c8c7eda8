import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ALU_OPS,
  type AluOp,
  codeOf,
  disassemble,
  type Insn,
  insn,
  JMP_OPS,
  type JmpOp,
  type LoadSize,
  type OpShape,
} from '@ea/bpf';
import { captureFromPackets, writePcap } from '@ea/pcap';
import { check } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildNativeHarness, CACHE_DIR, nativeUnavailable, runHarness } from '../native/build.js';
import { loadEngines } from '../engines.js';
import { packetHash, packetSet } from '../workloads/packets.js';

const PROGRAMS = process.env['EA_FUZZ'] ? 2000 : 150;
const SIZES: LoadSize[] = ['b', 'h', 'w'];
const ALU = Object.keys(ALU_OPS) as AluOp[];
const JMP = Object.keys(JMP_OPS) as JmpOp[];

const op = (shape: OpShape, k = 0, jt = 0, jf = 0): Insn => insn(codeOf(shape), jt, jf, k >>> 0);

/** Random socket filters that use every instruction class; M[0..3] are written first so reads are valid. */
function programArb(): fc.Arbitrary<Insn[]> {
  const k = fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 31, 32, 0x80000000));
  const body = fc.oneof(
    fc.tuple(fc.constantFrom(...SIZES), fc.integer({ min: 0, max: 70 })).map(([size, off]) => op({ kind: 'ld_abs', size }, off)),
    fc.tuple(fc.constantFrom(...SIZES), fc.integer({ min: 0, max: 40 })).map(([size, off]) => op({ kind: 'ld_ind', size }, off)),
    fc.integer({ min: 0, max: 70 }).map((off) => op({ kind: 'ldx_msh' }, off)),
    k.map((v) => op({ kind: 'ld_imm' }, v)),
    fc.integer({ min: 0, max: 40 }).map((v) => op({ kind: 'ldx_imm' }, v)),
    fc.constant(op({ kind: 'ld_len' })),
    fc.constant(op({ kind: 'ldx_len' })),
    fc.integer({ min: 0, max: 3 }).map((m) => op({ kind: 'ld_mem' }, m)),
    fc.integer({ min: 0, max: 3 }).map((m) => op({ kind: 'ldx_mem' }, m)),
    fc.integer({ min: 0, max: 3 }).map((m) => op({ kind: 'st' }, m)),
    fc.integer({ min: 0, max: 3 }).map((m) => op({ kind: 'stx' }, m)),
    // ALU instructions weigh more: their results must reach the return value to be checked.
    {
      weight: 6,
      arbitrary: fc.tuple(fc.constantFrom(...ALU), k).map(([o, v]) => {
        const kk = o === 'div' || o === 'mod' ? v || 7 : o === 'lsh' || o === 'rsh' ? v & 31 : v;
        return op({ kind: 'alu', op: o, src: 'k' }, kk);
      }),
    },
    { weight: 4, arbitrary: fc.constantFrom(...ALU).map((o) => op({ kind: 'alu', op: o, src: 'x' })) },
    fc.constant(op({ kind: 'neg' })),
    fc.constant(op({ kind: 'tax' })),
    fc.constant(op({ kind: 'txa' })),
    fc.tuple(fc.constantFrom(...JMP), fc.constantFrom<'k' | 'x'>('k', 'x'), k, fc.nat(3), fc.nat(3)).map(([o, src, v, jt, jf]) =>
      op({ kind: 'jmp', op: o, src }, v, jt, jf),
    ),
    fc.nat(2).map((d) => op({ kind: 'ja' }, d)),
  );
  return fc.array(body, { minLength: 1, maxLength: 40 }).chain((insns) =>
    fc.constantFrom<Insn>(op({ kind: 'ret_a' }), op({ kind: 'ret_a' }), op({ kind: 'ret_a' }), op({ kind: 'ret_k' }, 0xffff)).map((ret) => {
      const prologue = [0, 1, 2, 3].map((m) => op({ kind: 'st' }, m));
      // Jumps may not leave the program: clamp their offsets to what remains before the final return.
      const all = [...prologue, ...insns];
      const fixed = all.map((ins, pc) => {
        const room = all.length - pc - 1;
        if (ins.kind === 'jmp') return insn(ins.code, Math.min(ins.jt, room), Math.min(ins.jf, room), ins.k);
        if (ins.kind === 'ja') return insn(ins.code, 0, 0, Math.min(ins.k, room));
        return ins;
      });
      return [...fixed, ret];
    }),
  );
}

/** Edge cases each rule of the translation must get right, run before the random programs. */
function edgeCases(): Insn[][] {
  const imm = (v: number): Insn => op({ kind: 'ld_imm' }, v);
  const ldx = (v: number): Insn => op({ kind: 'ldx_imm' }, v);
  const retA = op({ kind: 'ret_a' });
  const alux = (o: AluOp): Insn => op({ kind: 'alu', op: o, src: 'x' });
  return [
    ...[1, 15, 16, 20, 31, 32, 33, 63].flatMap((x) => [
      [ldx(x), imm(0x12345679), alux('lsh'), retA],
      [ldx(x), imm(0x87654321), alux('rsh'), retA],
    ]),
    [ldx(0), imm(5), alux('div'), retA],
    [ldx(0), imm(5), alux('mod'), retA],
    [ldx(7), imm(0xfffffff0), alux('mod'), retA],
    [imm(5), op({ kind: 'neg' }), retA],
    [imm(0), op({ kind: 'neg' }), retA],
    ...SIZES.flatMap((size) => [0, 1, 59, 60, 61, 62, 63, 86, 89].map((k) => [op({ kind: 'ld_abs', size }, k), retA])),
    ...SIZES.map((size) => [ldx(0xffffffff), op({ kind: 'ld_ind', size }, 9), retA]),
    [op({ kind: 'ldx_msh' }, 14), op({ kind: 'txa' }), retA],
    [op({ kind: 'ld_len' }), retA],
    [imm(0x80000000), op({ kind: 'jmp', op: 'jge', src: 'k' }, 0x7fffffff, 0, 1), op({ kind: 'ret_k' }, 1), op({ kind: 'ret_k' }, 2)],
    [imm(6), ldx(3), op({ kind: 'jmp', op: 'jset', src: 'x' }, 0, 0, 1), op({ kind: 'ret_k' }, 1), op({ kind: 'ret_k' }, 2)],
  ];
}

describe.skipIf(nativeUnavailable())('the gcc -O2 C translation', () => {
  it(`computes what the interpreter computes on edge cases and ${PROGRAMS} random socket filters`, async () => {
    const seed = Number(process.env['EA_SEED'] ?? Date.now() % 1_000_000);
    const candidates = [...edgeCases(), ...fc.sample(programArb(), { numRuns: PROGRAMS * 2, seed })];
    const programs = candidates
      .map((insns) => ({ insns, result: check(insns, { profile: 'socket', skipSocketLimits: true }) }))
      .filter((p) => p.result.ok)
      .slice(0, PROGRAMS + edgeCases().length);
    expect(programs.length).toBeGreaterThan(PROGRAMS / 2);
    const packets = fc
      .sample(fc.uint8Array({ minLength: 0, maxLength: 90 }), { numRuns: 64, seed: seed + 1 })
      .map((data, i) => ({ data, wireLength: data.length + (i % 3) * 50 }));
    const capture = captureFromPackets(packets);
    const dir = join(CACHE_DIR, 'translate-test');
    mkdirSync(dir, { recursive: true });
    const pcap = join(dir, `packets-${seed}.pcap`);
    writeFileSync(pcap, writePcap(capture));
    const native = runHarness(buildNativeHarness(programs.map((p) => p.insns), 'packet'), pcap, 1);
    const interpreter = (await loadEngines()).find((e) => e.name === 'interpreter')!;
    const set = packetSet(capture);
    for (const [i, p] of programs.entries()) {
      if (!p.result.ok) continue;
      const expected = packetHash(set, interpreter.packet(p.result.program));
      if (native[i]!.hash !== expected) {
        throw new Error(`seed ${seed}: program ${i} disagrees (C ${native[i]!.hash}, interpreter ${expected}):\n${disassemble(p.insns)}`);
      }
    }
  });
});
