/**
 * The three eBPF programs of issue 15's speed table, as assembly for @ea/ebpf's assembler:
 * ret1 (`r0 = 1; exit`), alu50 (50 ALU instructions with 12 multiplies) and packet (a
 * 46-slot Ethernet/IPv4/TCP parser that checks its reads against r2, the input's length, as XDP
 * code does), with the 64-byte TCP packet the parser accepts. Shared by `pnpm bench`
 * (benchmarks/workloads/ebpf.ts) and packages/ebpf-jit/bench/speed.ts, so it lives here.
 */

/** `r0 = 1; exit`. */
export const RET1 = 'mov %r0, 1\nexit';

/** Returns alu50: 49 ALU instructions (12 multiplies, a third of them 32-bit) and exit. */
export function alu50(): string {
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

/** The packet parser: Ethernet, IPv4 (IHL), TCP; r0 = 1 for TCP to port 80 or 443, else 0; bounds checked like XDP code. */
export const PACKET = `
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

/** Returns a 64-byte Ethernet/IPv4/TCP packet to port 80 from port 0xc001 (the parser's r0: 2). */
export function packet(): Uint8Array {
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

