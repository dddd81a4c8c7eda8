/**
 * Times the three eBPF programs of issue 15 (ret1, alu50: 50 ALU instructions with 12 multiplies,
 * packet: a ~50-instruction Ethernet/IPv4/TCP parser) through the JIT and the interpreter, in
 * ns per run. `npx tsx packages/ebpf-jit/bench/speed.ts` (numbers move with machine load).
 */
import { assemble, encode, interpret, load } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';

const RET1 = 'mov %r0, 1\nexit';

function alu50(): string {
  const ops = ['add', 'xor', 'mul', 'sub', 'or', 'lsh', 'mul', 'rsh', 'and', 'mul', 'add', 'arsh'];
  const lines = ['mov %r0, 1', 'mov %r3, 3', 'mov %r4, 77', 'mov %r5, 12345'];
  let muls = 0;
  for (let i = 0; lines.length < 49; i++) {
    let op = ops[i % ops.length]!;
    if (op === 'mul' && muls === 12) op = 'add';
    if (op === 'mul') muls++;
    const width = i % 3 === 0 ? '32' : '';
    const src = op === 'lsh' || op === 'rsh' || op === 'arsh' ? `${(i % 7) + 1}` : `%r${3 + (i % 3)}`;
    lines.push(`${op}${width} %r${[0, 3, 4, 5][i % 4]}, ${src}`);
  }
  lines.push('exit');
  return lines.join('\n');
}

// Ethernet, IPv4 (IHL), TCP: r0 = 1 for TCP to port 80 or 443, else 0; bounds checked like XDP code.
const PACKET = `
  mov %r0, 0
  jlt %r2, 34, out
  ldxh %r3, [%r1+12]
  be16 %r3
  jne %r3, 0x800, out
  ldxb %r4, [%r1+14]
  mov %r5, %r4
  rsh %r5, 4
  jne %r5, 4, out
  and %r4, 15
  lsh %r4, 2
  jlt %r4, 20, out
  ldxb %r5, [%r1+23]
  jne %r5, 6, out
  ldxh %r6, [%r1+20]
  be16 %r6
  and %r6, 0x1fff
  jne %r6, 0, out
  mov %r7, %r4
  add %r7, 14
  mov %r8, %r7
  add %r8, 20
  jgt %r8, %r2, out
  mov %r9, %r1
  add %r9, %r7
  ldxh %r3, [%r9+2]
  be16 %r3
  jeq %r3, 80, yes
  jeq %r3, 443, yes
  ldxb %r5, [%r9+13]
  and %r5, 2
  jne %r5, 0, out
  ldxw %r6, [%r1+26]
  be32 %r6
  ldxw %r7, [%r1+30]
  be32 %r7
  xor %r6, %r7
  mov %r0, %r6
  and %r0, 0
  ja out
yes:
  mov %r0, 1
  ldxh %r6, [%r9]
  be16 %r6
  jlt %r6, 1024, out
  mov %r0, 2
out:
  exit
`;

function packet(): Uint8Array {
  const p = new Uint8Array(64);
  p[12] = 0x08;
  p[14] = 0x45;
  p[23] = 6;
  p[34] = 0xc0;
  p[35] = 0x01;
  p[36] = 0;
  p[37] = 80;
  return p;
}

function time(run: () => unknown, iterations: number): number {
  for (let i = 0; i < iterations / 10; i++) run();
  const best: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    best.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return Math.min(...best);
}

for (const [name, text, input] of [['ret1', RET1, new Uint8Array(0)], ['alu50', alu50(), new Uint8Array(0)], ['packet', PACKET, packet()]] as const) {
  const program = load(encode(assemble(text)));
  const jit = compile(program);
  const want = interpret(program, input);
  if (jit.run(input) !== want) throw new Error(`${name}: the JIT and the interpreter disagree`);
  const j = time(() => jit.run(input), 1_000_000);
  const i = time(() => interpret(program, input), 20_000);
  console.log(`${name.padEnd(7)} ${String(program.insns.length).padStart(3)} slots  r0=0x${want.toString(16).padEnd(10)} jit ${j.toFixed(1).padStart(7)} ns/run   interpreter ${i.toFixed(0).padStart(7)} ns/run`);
}
