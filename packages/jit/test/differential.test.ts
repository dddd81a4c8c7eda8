/**
 * The proof of the JIT: on random valid programs and random inputs, the compiled function and
 * the interpreter return the same u32, over at least 1,000,000 program x input cases per run
 * (more under EA_FUZZ). Each program is compiled once and run over many inputs, so the count is
 * cheap; every compile must really be accelerated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInsn, type SockFilter } from '@ea/bpf';
import { prepare, type PacketContext } from '@ea/interpreter';
import type { Profile } from '@ea/verifier';
import { compile } from '@ea/jit';
import { EDGES, Rng, genEaInput, genPacket, genProgram, genSeccompInput } from './support/gen.js';
import { verified } from './support/verified.js';

const SCALE = process.env['EA_FUZZ'] ? 20 : 1;
const INPUTS = 256;

interface Tally {
  cases: number;
  programs: number;
}

/** Inputs shared by a few consecutive programs (generating inputs costs more than running them). */
interface Corpus {
  readonly pool: readonly number[];
  readonly little: boolean;
  readonly inputs: readonly (DataView | PacketContext)[];
}

function makeCorpus(seed: number, profile: Profile): Corpus {
  const r = new Rng(seed ^ 0x5eed);
  const pool = [...EDGES.slice(0, 6), r.u32(), r.u32(), r.int(100), r.int(100)];
  const little = r.chance(0.8);
  const inputs = Array.from({ length: 2 * INPUTS }, () =>
    profile === 'socket'
      ? genPacket(r, pool)
      : profile === 'seccomp'
        ? genSeccompInput(r, pool, little)
        : genEaInput(r, pool, little),
  );
  return { pool, little, inputs };
}

function runProgram(seed: number, profile: Profile, maxLen: number, corpus: Corpus, tally: Tally): void {
  const r = new Rng(seed);
  const insns: SockFilter[] = genProgram(r, profile, maxLen, corpus.pool);
  const program = verified(insns, profile);
  const endian = corpus.little ? 'le' : 'be';
  const compiled = compile(program, { endian, minSwitch: 2 + r.int(3) });
  if (!compiled.accelerated) throw new Error(`not accelerated: ${compiled.reason ?? '?'}`);
  const interp = prepare(program, { endian });
  const first = r.int(INPUTS);
  for (let i = first; i < first + INPUTS; i++) {
    const input = corpus.inputs[i] as DataView | PacketContext;
    const want = interp.run(input);
    const got = compiled.run(input);
    if (got !== want) {
      const listing = insns.map((x, pc) => `${pc}: ${formatInsn(x, pc)}`).join('\n');
      throw new Error(
        `seed ${seed} input ${i}: jit ${got} != interpreter ${want}\n${listing}\n--- source\n${compiled.source}`,
      );
    }
  }
  tally.cases += INPUTS;
  tally.programs += 1;
}

const PLAN: readonly { profile: Profile; programs: number; maxLen: number }[] = [
  { profile: 'socket', programs: 1800, maxLen: 40 },
  { profile: 'seccomp', programs: 1200, maxLen: 40 },
  { profile: 'ea', programs: 700, maxLen: 40 },
  { profile: 'socket', programs: 150, maxLen: 300 },
  { profile: 'seccomp', programs: 150, maxLen: 300 },
];

describe('jit == interpreter on random programs and inputs', () => {
  const total: Tally = { cases: 0, programs: 0 };
  for (const { profile, programs, maxLen } of PLAN) {
    it(`${profile}: ${programs * SCALE} programs of up to ${maxLen} instructions x ${INPUTS} inputs`, () => {
      const tally: Tally = { cases: 0, programs: 0 };
      let corpus = makeCorpus(maxLen, profile);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
          if (tally.programs % 16 === 15) corpus = makeCorpus(seed, profile);
          runProgram(seed, profile, maxLen, corpus, tally);
        }),
        { numRuns: programs * SCALE },
      );
      expect(tally.programs).toBe(programs * SCALE);
      total.cases += tally.cases;
      total.programs += tally.programs;
    });
  }
  it('ran at least 1,000,000 cases', () => {
    expect(total.cases).toBeGreaterThanOrEqual(1_000_000 * SCALE);
  });
});
