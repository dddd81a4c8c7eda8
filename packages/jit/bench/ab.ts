/**
 * A/B of the if-conversion (predicate.ts) in runBatch: each tcpdump expression compiled with
 * `ifConvert` on and off, both run over the same 100,000 generated packets, alternating passes
 * (median ns/packet of 31 passes each, after 30 warm-up passes). Needs tcpdump.
 *
 *   npx tsx packages/jit/bench/ab.ts ['tcp port 80' ...]
 */
import { execFileSync } from 'node:child_process';
import { readProgram } from '@ea/bpf';
import { captureBatch, generateCapture } from '@ea/pcap';
import { verify } from '@ea/verifier';
import { compile } from '../src/index.js';

const DEFAULT = ['arp', 'ip', 'tcp port 80', 'udp port 53', 'host 10.0.0.1', 'vlan and tcp port 80'];
const batch = captureBatch(generateCapture({ count: 100_000, seed: 1 }));

/** Returns ns per packet of one call. */
function time(run: () => number): number {
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0) / batch.count;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

for (const expression of process.argv.length > 2 ? process.argv.slice(2) : DEFAULT) {
  const text = execFileSync('tcpdump', ['-ddd', '-y', 'EN10MB', expression]);
  const program = verify(readProgram(text, { format: 'ddd' }).insns, { profile: 'socket', skipSocketLimits: true });
  const on = compile(program);
  const off = compile(program, { ifConvert: false });
  const a = (): number => on.runBatch(batch);
  const b = (): number => off.runBatch(batch);
  if (a() !== b()) throw new Error(`${expression}: the two forms disagree`);
  for (let i = 0; i < 30; i++) {
    a();
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < 31; i++) {
    ta.push(time(a));
    tb.push(time(b));
  }
  const converted = on.batchSource.includes('const v0') ? '' : ' (not if-converted)';
  process.stdout.write(`${expression.padEnd(40)} if-converted ${median(ta).toFixed(2)}  branching ${median(tb).toFixed(2)} ns/packet${converted}\n`);
}
