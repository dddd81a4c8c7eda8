/**
 * The legacy packet loads (LD_ABS, LD_IND) against the running kernel: random programs around
 * them (support/legacy-programs.ts) run as socket filters through BPF_PROG_TEST_RUN (@ea/oracle's
 * run_ebpf in `socket` mode: the memory is the packet after an Ethernet header, the full 64-bit r0
 * comes back through a map) and through both interpreters; every r0 must agree, including the
 * loads out of the packet, at negative offsets and through SKF_NET_OFF, which end the program
 * with 0. Planted one-bit bugs (a load's size bits flipped) must be caught. EA_FUZZ=1 runs ten
 * times as many cases.
 */
import { check, decodeBytes, encode, type Insn, interpret, interpretReference, readSlots, writeSlots } from '@ea/ebpf';
import { oracleUnavailable, runEbpfOracle } from '@ea/oracle';
import { randomInputs, rng } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { legacyProgram } from './support/legacy-programs.js';

const skip = oracleUnavailable();
const scale = process.env.EA_FUZZ === '1' ? 10 : 1;
const PROGRAMS = 1000 * scale;
const INPUTS = 10;

interface Case {
  readonly program: Uint8Array;
  readonly mem: Uint8Array;
}

function makeCases(seed: number, programs: number): Case[] {
  const next = rng(seed);
  const cases: Case[] = [];
  for (let p = 0; p < programs; p++) {
    const length = next() % 41;
    const program = encode(legacyProgram(next, length));
    for (const mem of randomInputs(next, length, INPUTS)) cases.push({ program, mem });
  }
  return cases;
}

const engines = {
  interpret: (program: Uint8Array, mem: Uint8Array) => interpret(check(decodeBytes(program)), mem.slice()),
  reference: (program: Uint8Array, mem: Uint8Array) => interpretReference(check(decodeBytes(program)), mem.slice()),
};

describe.skipIf(skip !== null)(`legacy packet loads vs the kernel${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it(`agree with a socket filter's test run on ${PROGRAMS * INPUTS} program x input cases`, () => {
    const cases = makeCases(0x1dab5, PROGRAMS);
    const kernel = runEbpfOracle(cases, 'socket');
    let failed = 0;
    cases.forEach((c, i) => {
      const k = kernel[i]!;
      if (k.kind !== 'ok') throw new Error(`case ${i}: the kernel refused a generated program (${JSON.stringify(k)})`);
      if (k.r0 === 0n) failed++;
      for (const [name, run] of Object.entries(engines)) {
        const ours = run(c.program, c.mem);
        if (ours !== k.r0) {
          throw new Error(`case ${i}: ${name} 0x${ours.toString(16)}, kernel 0x${k.r0.toString(16)}; mem ${Buffer.from(c.mem).toString('hex')}`);
        }
      }
    });
    // Both kinds of outcome must be common, or the comparison would say little about one of them.
    expect(failed).toBeGreaterThan(cases.length / 10);
    expect(failed).toBeLessThan(cases.length * 0.9);
  });

  const plants: { name: string; match: (i: Insn) => boolean; bit: number }[] = [
    { name: 'ldabs: size h -> w', match: (i) => i.kind === 'ldabs' && i.size === 'h', bit: 0x08 },
    { name: 'ldind: size b -> w', match: (i) => i.kind === 'ldind' && i.size === 'b', bit: 0x10 },
  ];
  for (const plant of plants) {
    it(`catches a planted bug: ${plant.name}`, () => {
      const cases = makeCases(0x5eed + plant.bit, 60).filter((c) => decodeBytes(c.program).insns.some((i) => i !== undefined && plant.match(i)));
      expect(cases.length).toBeGreaterThan(0);
      const kernel = runEbpfOracle(cases, 'socket');
      const caught = cases.some((c, n) => {
        const decoded = decodeBytes(c.program).insns;
        const mutant = writeSlots(readSlots(c.program).map((s, pc) => (decoded[pc] !== undefined && plant.match(decoded[pc]!) ? { ...s, code: s.code ^ plant.bit } : s)));
        const k = kernel[n]!;
        return k.kind !== 'ok' || engines.interpret(mutant, c.mem) !== k.r0;
      });
      expect(caught).toBe(true);
    });
  }
});
