/**
 * The fast interpreter (interpret.ts, int32 pairs) against the BigInt reference (reference.ts) on
 * at least 10^5 program x input cases per run: kernel-valid random programs and wild ones
 * (@ea/testkit's generators: pointers off their regions, loops stopped by the budget, recursion
 * past the depth limit, helpers known and unknown, an extra region). Both must return the same r0
 * or fail with the same reason at the same pc, and leave the same bytes in every region. Planted
 * one-bit bugs (one bit of one pre-decoded op number flipped, as a wrong case label or a wrong
 * predecode would do) must each be caught. EA_FUZZ=1 runs ten times as many cases.
 */
import {
  type CheckedProgram, check, conformanceHelpers, decodeBytes, EbpfLoadError, EbpfRunError, encode, type Insn, interpret, interpretReference,
} from '@ea/ebpf';
import { generateProgram, randomInputs, rng, wildProgram } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { aluOp, jmpOp, OP, predecode } from '../src/predecode.js';
import { execute } from '../src/run.js';
import { State } from '../src/state.js';

const scale = process.env.EA_FUZZ === '1' ? 10 : 1;
const BUDGET = 100;
const helpers = conformanceHelpers();

interface Case {
  readonly program: CheckedProgram;
  readonly mem: Uint8Array;
  readonly region: Uint8Array | null;
}

function outcome(run: () => bigint): string {
  try {
    return `0x${run().toString(16)}`;
  } catch (error) {
    if (error instanceof EbpfRunError) return `${error.reason}@${error.pc}`;
    throw error;
  }
}

/** Builds the cases: `programs` of each generator, `inputs` inputs each. */
function makeCases(seed: number, programs: number, inputs: number): Case[] {
  const next = rng(seed);
  const cases: Case[] = [];
  for (let p = 0; p < 2 * programs; p++) {
    const made: { insns: Insn[]; memLength: number } =
      p % 2 === 0 ? generateProgram(next, 8 + (next() % 33), 6 + (next() % 14)) : { insns: wildProgram(next, 4 + (next() % 18)), memLength: next() % 72 };
    let program: CheckedProgram;
    try {
      program = check(decodeBytes(encode(made.insns)));
    } catch (error) {
      if (error instanceof EbpfLoadError) continue; // a wild program the load-time checks refuse
      throw error;
    }
    const region = next() % 4 === 0 ? Uint8Array.from({ length: 16 }, () => next() & 0xff) : null;
    for (const mem of randomInputs(next, made.memLength, inputs)) cases.push({ program, mem, region });
  }
  return cases;
}

type Engine = (c: Case, mem: Uint8Array, region: Uint8Array[]) => bigint;

/** Runs one case through an engine on copies of its memory; returns the outcome and the bytes left. */
function runCase(engine: Engine, c: Case): string {
  const mem = c.mem.slice();
  const regions = c.region === null ? [] : [c.region.slice()];
  const result = outcome(() => engine(c, mem, regions));
  return `${result} ${Buffer.from(mem).toString('hex')} ${regions.map((r) => Buffer.from(r).toString('hex')).join('')}`;
}

const reference: Engine = (c, mem, regions) => interpretReference(c.program, mem, { helpers, budget: BUDGET, regions });
const fast: Engine = (c, mem, regions) => interpret(c.program, mem, { helpers, budget: BUDGET, regions });

describe('fast interpreter vs the BigInt reference', () => {
  it(`agree on at least ${100_000 * scale} program x input cases, errors and memory included`, () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // most wild cases end in a typed error; stack traces cost more than the runs
    try {
      const cases = makeCases(0xfa57, 1000 * scale, 55);
      for (const [n, c] of cases.entries()) {
        const want = runCase(reference, c);
        const got = runCase(fast, c);
        if (got !== want) throw new Error(`case ${n}: fast ${got}, reference ${want}; mem ${Buffer.from(c.mem).toString('hex')}`);
      }
      expect(cases.length).toBeGreaterThanOrEqual(100_000 * scale);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  // A planted bug runs the fast engine's loop on pre-decoded code with one bit of one op flipped.
  const plants: { name: string; op: number; bit: number }[] = [
    { name: 'add64 imm -> sub64 imm', op: aluOp('add', 64, false), bit: 4 },
    { name: 'mul64 -> mul32 (the width bit)', op: aluOp('mul', 64, true), bit: 2 },
    { name: 'lsh64 imm -> lsh64 reg (the source bit)', op: aluOp('lsh', 64, false), bit: 1 },
    { name: 'jeq64 imm -> jne64 imm', op: jmpOp('jeq', 64, false), bit: 4 },
    { name: 'jsgt64 -> jsgt32', op: jmpOp('jsgt', 64, true), bit: 2 },
    { name: 'ldxw -> ldxh', op: OP.LDXW, bit: 1 },
    { name: 'be32 -> be16', op: OP.SWAP32, bit: 1 },
  ];
  for (const plant of plants) {
    it(`catches a planted bug: ${plant.name}`, () => {
      const cases = makeCases(0x5eed + plant.op, 150, 8).filter((c) => hasOp(predecode(c.program), plant.op));
      expect(cases.length).toBeGreaterThan(0);
      const caught = cases.some((c) => {
        const mutant = predecode(c.program).map((w, i) => (i % 4 === 0 && (w & 255) === plant.op ? w ^ plant.bit : w));
        const planted: Engine = (_, mem, regions) => {
          const s = new State();
          s.enter(mem, regions, true);
          const lo = execute(mutant, s, helpers, BUDGET);
          return (BigInt(s.H[0]! >>> 0) << 32n) | BigInt(lo >>> 0);
        };
        return runCase(planted, c) !== runCase(reference, c);
      });
      expect(caught).toBe(true);
    });
  }
});

function hasOp(code: Int32Array, op: number): boolean {
  for (let i = 0; i < code.length; i += 4) if ((code[i]! & 255) === op) return true;
  return false;
}
