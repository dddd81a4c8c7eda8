/**
 * The kernel as the oracle: random programs (valid by construction, see @ea/testkit's ebpf-programs.ts) run
 * on the running kernel through @ea/oracle's run_ebpf (XDP wrapper, BPF_PROG_TEST_RUN, full
 * 64-bit r0 through an array map) and through the interpreter; every r0 must agree. At least
 * 10,000 program x input cases per run (EA_FUZZ=1 multiplies them by 10). Planted one-bit engine
 * bugs (the interpreter run on a program with one opcode bit flipped) must be caught.
 */
import { check, decodeBytes, encode, type Insn, interpret, writeSlots, readSlots } from '@ea/ebpf';
import { oracleUnavailable, runEbpfOracle } from '@ea/oracle';
import { describe, expect, it } from 'vitest';
import { generateProgram, randomInputs, rng } from '@ea/testkit';

const skip = oracleUnavailable();
const scale = process.env.EA_FUZZ === '1' ? 10 : 1;
const PROGRAMS = 1250 * scale;
const INPUTS = 8;

interface Case {
  readonly program: Uint8Array;
  readonly mem: Uint8Array;
}

function makeCases(seed: number, programs: number): Case[] {
  const next = rng(seed);
  const cases: Case[] = [];
  for (let p = 0; p < programs; p++) {
    const length = 8 + (next() % 57);
    const { insns } = generateProgram(next, length, 24 + (next() % 24));
    const program = encode(insns);
    for (const mem of randomInputs(next, length, INPUTS)) cases.push({ program, mem });
  }
  return cases;
}

const run = (program: Uint8Array, mem: Uint8Array): bigint => interpret(check(decodeBytes(program)), mem.slice());

describe.skipIf(skip !== null)(`kernel differential${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it(`agrees with the kernel on ${PROGRAMS * INPUTS} program x input cases`, () => {
    const cases = makeCases(0xeb9f, PROGRAMS);
    const kernel = runEbpfOracle(cases);
    let compared = 0;
    cases.forEach((c, i) => {
      const k = kernel[i]!;
      if (k.kind !== 'ok') throw new Error(`case ${i}: the kernel refused a generated program (${JSON.stringify(k)}):\n${c.program.length}`);
      const ours = run(c.program, c.mem);
      if (ours !== k.r0) {
        throw new Error(`case ${i}: interpreter 0x${ours.toString(16)}, kernel 0x${k.r0.toString(16)}; mem ${Buffer.from(c.mem).toString('hex')}`);
      }
      compared++;
    });
    expect(compared).toBeGreaterThanOrEqual(10_000);
  });

  // A planted bug: the engine runs the program with one bit of one opcode flipped (a different,
  // still valid instruction), as an engine that decoded or implemented that bit wrongly would.
  const plants: { name: string; match: (i: Insn) => boolean; bit: number }[] = [
    { name: 'alu: add <-> sub (bit 4)', match: (i) => i.kind === 'alu' && i.op === 'add', bit: 0x10 },
    { name: 'alu: rsh <-> arsh-ish (bit 7 on rsh)', match: (i) => i.kind === 'alu' && i.op === 'rsh', bit: 0x80 },
    { name: 'alu64 -> alu32 (bit 0 on class 7)', match: (i) => i.kind === 'alu' && i.width === 64 && i.op === 'mul', bit: 0x03 },
    { name: 'jmp: jgt <-> jge? (bit 4 on jgt)', match: (i) => i.kind === 'jmp' && i.op === 'jgt', bit: 0x10 },
    { name: 'jmp64 -> jmp32', match: (i) => i.kind === 'jmp' && i.width === 64 && i.op === 'jsgt', bit: 0x03 },
    { name: 'ldx: size w <-> h', match: (i) => i.kind === 'ldx' && i.size === 'w' && !i.signed, bit: 0x08 },
    { name: 'end: le <-> be', match: (i) => i.kind === 'end' && i.order === 'le' && i.bits !== 64, bit: 0x08 },
  ];
  for (const plant of plants) {
    it(`catches a planted bug: ${plant.name}`, () => {
      const cases = makeCases(0x5eed + plant.bit, 120).filter((c) => decodeBytes(c.program).insns.some((i) => i !== undefined && plant.match(i)));
      expect(cases.length).toBeGreaterThan(0);
      const kernel = runEbpfOracle(cases);
      const caught = cases.some((c, n) => {
        const slots = readSlots(c.program);
        const decoded = decodeBytes(c.program).insns;
        const mutant = writeSlots(slots.map((s, pc) => (decoded[pc] !== undefined && plant.match(decoded[pc]!) ? { ...s, code: s.code ^ plant.bit } : s)));
        let ours: bigint | string;
        try {
          ours = run(mutant, c.mem);
        } catch (error) {
          ours = String(error);
        }
        const k = kernel[n]!;
        return k.kind !== 'ok' || ours !== k.r0;
      });
      expect(caught).toBe(true);
    });
  }
});
