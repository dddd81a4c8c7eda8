/**
 * Times the three eBPF programs of issue 15 (ret1, alu50: 50 ALU instructions with 12 multiplies,
 * packet: a ~50-instruction Ethernet/IPv4/TCP parser) through the JIT and the interpreter, in
 * ns per run. `npx tsx packages/ebpf-jit/bench/speed.ts` (numbers move with machine load).
 */
import { assemble, encode, interpret, load } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
// The programs are @ea/testkit's, shared with `pnpm bench` (which times them beside DPDK and uBPF).
import { alu50, PACKET, RET1, speedPacket as packet } from '@ea/testkit';

let serial = 0;

/**
 * Times `run(input)` in a loop compiled from its own text, with `run` and `input` as arguments: V8
 * keeps call feedback per call site (and closures of one literal share it), so a loop or a
 * wrapping arrow shared by every measurement turns polymorphic and times V8's generic call.
 */
function time(run: (input: Uint8Array) => unknown, input: Uint8Array, iterations: number): number {
  serial += 1;
  const loop = new Function('run', 'input', 'n', `// loop ${serial}\nlet h = 0;\nfor (let i = 0; i < n; i++) if (run(input) !== undefined) h++;\nreturn h;`) as (
    run: (input: Uint8Array) => unknown,
    input: Uint8Array,
    n: number,
  ) => number;
  loop(run, input, iterations / 10);
  const best: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    loop(run, input, iterations);
    best.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return Math.min(...best);
}

for (const [name, text, input] of [['ret1', RET1, new Uint8Array(0)], ['alu50', alu50(), new Uint8Array(0)], ['packet', PACKET, packet()]] as const) {
  const program = load(encode(assemble(text)));
  const jit = compile(program);
  const want = interpret(program, input);
  if (jit.run(input) !== want) throw new Error(`${name}: the JIT and the interpreter disagree`);
  if (jit.run32(input) !== Number(want & 0xffffffffn)) throw new Error(`${name}: run32 and the interpreter disagree`);
  const j32 = time(jit.run32, input, 2_000_000);
  const j = time(jit.run, input, 1_000_000);
  const i = time((bytes) => interpret(program, bytes), input, 20_000);
  console.log(
    `${name.padEnd(7)} ${String(program.insns.length).padStart(3)} slots  r0=0x${want.toString(16).padEnd(10)} jit run32 ${j32.toFixed(1).padStart(6)}  run (BigInt) ${j.toFixed(1).padStart(6)} ns/run   interpreter ${i.toFixed(0).padStart(7)} ns/run`,
  );
}
