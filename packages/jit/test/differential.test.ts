/**
 * The proof of the JIT: on random valid programs and random inputs, the compiled function and
 * the interpreter return the same u32, over at least 1,000,000 program x input cases per run
 * (more under EA_FUZZ). Each program is compiled once and run over many inputs, so the count is
 * cheap; every compile must really be accelerated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ARCH_X86_64, BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, formatInsn, type SockFilter,
} from '@ea/bpf';
import { InterpreterError, prepare, type PacketContext } from '@ea/interpreter';
import type { Profile } from '@ea/verifier';
import { compile } from '@ea/jit';
import { EDGES, Rng, genEaInput, genPacket, genProgram, genSeccompInput } from '@ea/testkit';
import { outcome } from './support/outcome.js';
import { verified } from './support/verified.js';

const SCALE = process.env['EA_FUZZ'] ? 20 : 1;
/** compile()'s ifConvert: the default (by size), always, never. */
const IF_CONVERT = [undefined, true, false] as const;
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
  // The seed picks the socket programs' branch-free form (by default: up to 8 instructions), always or never.
  const compiled = compile(program, { endian, minSwitch: 2 + r.int(3), ifConvert: IF_CONVERT[seed % 3] });
  if (!compiled.accelerated) throw new Error(`not accelerated: ${compiled.reason ?? '?'}`);
  const interp = prepare(program, { endian });
  const first = r.int(INPUTS);
  for (let i = first; i < first + INPUTS; i++) {
    const input = corpus.inputs[i] as DataView | PacketContext;
    // A short seccomp view or EA image is an error in both engines (the same code), never a verdict.
    const want = outcome(() => interp.run(input));
    const got = outcome(() => compiled.run(input));
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

/**
 * A libseccomp-shaped policy: arch check, then a chain of `jeq #nr` (keys drawn from a small
 * range so runs of consecutive keys share targets), some of them followed by an argument test.
 */
function dispatchProgram(r: Rng): SockFilter[] {
  const n = 4 + r.int(60);
  // Mostly small keys (a table dispatch), some far ones (the range search above the table).
  const keys = [...new Set(Array.from({ length: n }, () => (r.chance(0.8) ? r.int(72) : r.pick([4090, 4095, 4096, 5000, 0x40000000]) + r.int(4))))];
  if (r.chance(0.5)) keys.sort((a, b) => a - b);
  const actions = [0x7fff0000, 0x50001, 0x30000, 0];
  const body: { key: number; target: number }[] = keys.map((key) => ({ key, target: r.int(actions.length) }));
  // Layout: 0 ld [4]; 1 jeq arch; 2 ld [0]; 3.. chain; then ret default; then the action rets.
  const out: SockFilter[] = [];
  const chainStart = 3;
  const retDefault = chainStart + body.length;
  const retBase = retDefault + 1;
  out.push({ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 4 });
  out.push({ code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: retDefault - 2, k: AUDIT_ARCH_X86_64 });
  out.push({ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 0 });
  body.forEach(({ key, target }, i) => {
    const pc = chainStart + i;
    out.push({ code: BPF_JMP | BPF_JEQ | BPF_K, jt: retBase + target - pc - 1, jf: 0, k: key });
  });
  out.push({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: r.pick(actions) });
  for (const a of actions) out.push({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: a });
  return out;
}

/**
 * The allow-list shape of long generated filters: `ld [0]`, then `jne #key, +1; ret #action`
 * pairs, every test with its own return (identical returns merge in flow.ts), keys in a band
 * that may start anywhere up to past 65536 with gaps of 1 to 40, so the table dispatch grows
 * beyond 4096 keys when the band is dense (dispatch.ts) and stops at its 64 KiB bound; some
 * return a value of their own after every test (more than 255 targets: 16-bit slots).
 */
function pairedProgram(r: Rng): { insns: SockFilter[]; keys: number[] } {
  // Now and then every test returns its own ERRNO: over 255 targets take a 16-bit table.
  const own = r.chance(0.2);
  const n = own ? 250 + r.int(450) : 4 + r.int(r.chance(0.3) ? 700 : 120);
  const start = own ? r.pick([0, 3000, 4096]) : r.pick([0, 3000, 4000, 4096, 20000, 65000, 65530, 0x40000000]) + r.int(50);
  const gap = 1 + r.int(r.chance(0.5) ? 3 : 40);
  const actions = r.chance(0.5) ? [0x7fff0000] : [0x7fff0000, 0x50001, 0x30000, 0, 0x50000 + r.int(4096)];
  const insns: SockFilter[] = [{ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 0 }];
  const keys: number[] = [];
  let key = start;
  for (let i = 0; i < n; i++) {
    keys.push(key);
    insns.push({ code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: 1, k: key });
    insns.push({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: own ? 0x50000 + i : r.pick(actions) });
    key += r.chance(0.9) ? gap : 1 + r.int(500);
  }
  insns.push({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: r.pick(actions) });
  return { insns, keys };
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
  it('seccomp dispatch shapes: jeq chains on nr with shared targets (decision trees with ranges)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const r = new Rng(seed);
        const insns = dispatchProgram(r);
        const program = verified(insns, 'seccomp');
        const compiled = compile(program, { minSwitch: 2 + r.int(4) });
        expect(compiled.accelerated).toBe(true);
        const interp = prepare(program);
        const bytes = new Uint8Array(64);
        const view = new DataView(bytes.buffer);
        for (let i = 0; i < INPUTS; i++) {
          view.setUint32(0, r.chance(0.8) ? r.int(80) : r.chance(0.5) ? r.pick([4089, 4090, 4095, 4096, 4097, 5000, 5003, 0x40000000]) + r.int(5) : r.pick(EDGES), true);
          view.setUint32(4, r.chance(0.8) ? AUDIT_ARCH_X86_64 : r.u32(), true);
          view.setUint32(16, r.int(4), true);
          const want = interp.run(view);
          const got = compiled.run(view);
          if (got !== want) throw new Error(`seed ${seed}: ${got} != ${want}\n${compiled.source}`);
        }
        total.cases += INPUTS;
      }),
      { numRuns: 200 * SCALE },
    );
  });

  it('seccomp allow-list shapes: jne/ret pairs with repeated returns, key bands past 4096 and 65536', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const r = new Rng(seed);
        const { insns, keys } = pairedProgram(r);
        const program = verified(insns, 'seccomp');
        const compiled = compile(program, { minSwitch: 2 + r.int(4) });
        expect(compiled.accelerated).toBe(true);
        const interp = prepare(program);
        const view = new DataView(new ArrayBuffer(64));
        const probe = (nr: number): void => {
          view.setUint32(0, nr >>> 0, true);
          const want = interp.run(view);
          const got = compiled.run(view);
          if (got !== want) throw new Error(`seed ${seed} nr ${nr}: ${got} != ${want}\n${compiled.source}`);
          total.cases += 1;
        };
        // Every key and its neighbours, the table's possible ends, then random numbers.
        for (const k of keys) for (const d of [-1, 0, 1]) probe(k + d);
        for (const k of [0, 4095, 4096, 65535, 65536]) probe(k);
        for (let i = 0; i < 64; i++) probe(r.chance(0.5) ? r.int(70000) : r.u32());
      }),
      { numRuns: 150 * SCALE },
    );
  });

  it('socket: contexts whose offset/length leave the view throw BAD_INPUT from both engines', () => {
    const data = new DataView(new Uint8Array(16).fill(0x45).buffer);
    const bad: Omit<PacketContext, 'data'>[] = [
      { offset: -1 }, { offset: 17 }, { offset: 0.5 }, { offset: Number.NaN }, { length: -1 }, { length: 17 },
      { length: 1.5 }, { offset: 8, length: 9 }, { offset: 16, length: 1 }, { length: Number.POSITIVE_INFINITY },
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const r = new Rng(seed);
        const program = verified(genProgram(r, 'socket', 30, EDGES), 'socket');
        const compiled = compile(program);
        expect(compiled.accelerated).toBe(true);
        const interp = prepare(program);
        for (const fields of bad) {
          for (const run of [(c: PacketContext) => interp.run(c), compiled.run]) {
            let error: unknown;
            try {
              run({ ...fields, data });
            } catch (e) {
              error = e;
            }
            expect(error).toBeInstanceOf(InterpreterError);
            expect((error as InterpreterError).code).toBe('BAD_INPUT');
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  it('ran at least 1,000,000 cases', () => {
    expect(total.cases).toBeGreaterThanOrEqual(1_000_000 * SCALE);
  });
});
