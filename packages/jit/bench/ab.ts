/**
 * A/B of the branch-free form (ifconvert.ts) in runBatch: each tcpdump expression compiled with
 * `ifConvert` true and false, over three shapes of the same generated traffic, alternating the
 * forms (median ns/packet of 15 timed runs each, after warm-up); the default is the form the
 * program's size picks (compiling it a third time would time a copy of one of the two):
 * - `capture`: one pass over all 100,000 packets (not cache-resident);
 * - `replay`: the first 2,000 packets x 50 passes in the same order (the resident workload:
 *   cache-resident, and the branch predictor can learn each packet's outcome over the passes);
 * - `shuffled`: the same 2,000 packets x 50 passes, each pass in its own fixed random order
 *   (cache-resident, but the outcomes stay as unpredictable as the traffic).
 * First the JS floor (each packet's EtherType read and nothing else) on each shape. Needs tcpdump.
 *
 *   npx tsx packages/jit/bench/ab.ts ['tcp port 80' ...]
 */
import { execFileSync } from 'node:child_process';
import { readProgram } from '@ea/bpf';
import type { PacketBatch } from '@ea/interpreter';
import { captureBatch, generateCapture } from '@ea/pcap';
import { Rng } from '@ea/testkit';
import { verify } from '@ea/verifier';
import { compile } from '../src/index.js';

const DEFAULT = ['arp', 'ip', 'icmp', 'ether broadcast', 'host 10.0.0.1', 'tcp port 80', 'udp port 53', 'vlan and tcp port 80'];
const HEAD = 2000;
const PASSES = 50;
const full = captureBatch(generateCapture({ count: 100_000, seed: 1 }));

/** The first HEAD packets of the capture, in the order `order` gives (same bytes, same view). */
function headBatch(order: readonly number[]): PacketBatch {
  const offsets = new Int32Array(HEAD);
  const lengths = new Int32Array(HEAD);
  const wireLengths = new Uint32Array(HEAD);
  order.forEach((k, i) => {
    offsets[i] = full.offsets[k] as number;
    lengths[i] = full.lengths[k] as number;
    wireLengths[i] = full.wireLengths[k] as number;
  });
  return { data: full.data, offsets, lengths, wireLengths };
}

const identity = Array.from({ length: HEAD }, (_, i) => i);
const replay = headBatch(identity);
const rng = new Rng(7);
const shuffled = Array.from({ length: PASSES }, () => {
  const order = identity.slice();
  for (let i = HEAD - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return headBatch(order);
});

type Run = (batch: PacketBatch) => number;
const shapes: Record<string, { readonly packets: number; readonly pass: (run: Run) => number }> = {
  capture: { packets: full.count, pass: (run) => run(full) },
  replay: {
    packets: HEAD * PASSES,
    pass: (run) => {
      let m = 0;
      for (let p = 0; p < PASSES; p++) m += run(replay);
      return m;
    },
  },
  shuffled: {
    packets: HEAD * PASSES,
    pass: (run) => {
      let m = 0;
      for (const b of shuffled) m += run(b);
      return m;
    },
  },
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const FORMS = { 'branch-free': true, branches: false } as const;
/** compile()'s default: the branch-free form up to this many instructions (generate.ts). */
const IF_CONVERT_DEFAULT = 8;
const logs: Record<string, number[]> = {};

/** The resident workload's JS floor (each packet's EtherType read, nothing else), given the batch. */
function floor(batch: PacketBatch): number {
  const { data, offsets, lengths } = batch;
  let matched = 0;
  for (let i = 0; i < offsets.length; i++) if ((lengths[i] as number) >= 14 && data.getUint16((offsets[i] as number) + 12) === 0x0800) matched++;
  return matched;
}

{
  const cells: string[] = [];
  for (const shape of Object.values(shapes)) {
    for (let w = 0; w < 10; w++) shape.pass(floor);
    const ns: number[] = [];
    for (let k = 0; k < 15; k++) {
      const t0 = process.hrtime.bigint();
      shape.pass(floor);
      ns.push(Number(process.hrtime.bigint() - t0) / shape.packets);
    }
    cells.push(median(ns).toFixed(2));
  }
  process.stdout.write(`JS floor (the read alone) ns/packet: ${Object.keys(shapes).map((s, i) => `${s} ${cells[i]}`).join(', ')}\n`);
}

process.stdout.write(`${'expression'.padEnd(28)}${'insns'.padStart(6)}  ${Object.keys(shapes).map((s) => `${s}: ${Object.keys(FORMS).join(' / ')} (default)`).join('   ')}, ns/packet\n`);
for (const expression of process.argv.length > 2 ? process.argv.slice(2) : DEFAULT) {
  const text = execFileSync('tcpdump', ['-ddd', '-y', 'EN10MB', expression]);
  const program = verify(readProgram(text, { format: 'ddd' }).insns, { profile: 'socket', skipSocketLimits: true });
  const runs = Object.values(FORMS).map((ifConvert): Run => compile(program, { ifConvert }).runBatch);
  const byDefault = program.insns.length <= IF_CONVERT_DEFAULT ? 0 : 1;
  const cells: string[] = [];
  for (const [name, shape] of Object.entries(shapes)) {
    const counts = runs.map((run) => shape.pass(run));
    if (counts.some((c) => c !== counts[0])) throw new Error(`${expression}: the forms disagree`);
    for (let w = 0; w < 10; w++) for (const run of runs) shape.pass(run);
    const ns = runs.map((): number[] => []);
    for (let k = 0; k < 15; k++) {
      runs.forEach((run, f) => {
        const t0 = process.hrtime.bigint();
        shape.pass(run);
        ns[f]?.push(Number(process.hrtime.bigint() - t0) / shape.packets);
      });
    }
    const medians = ns.map(median);
    const add = (key: string, m: number): void => {
      logs[key] = [...(logs[key] ?? []), Math.log(m)];
    };
    for (const [f, m] of medians.entries()) add(`${name} ${f}`, m);
    add(`${name} default`, medians[byDefault] as number);
    cells.push(`${medians.map((m) => m.toFixed(2)).join(' / ')} (${Object.keys(FORMS)[byDefault]})`);
  }
  process.stdout.write(`${expression.padEnd(28)}${String(program.insns.length).padStart(6)}  ${cells.join('   ')}\n`);
}
const mean = (key: string): string => {
  const xs = logs[key] ?? [];
  return Math.exp(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2);
};
process.stdout.write(
  `geometric mean: ${Object.keys(shapes).map((s) => `${s} ${mean(`${s} 0`)} / ${mean(`${s} 1`)} (default ${mean(`${s} default`)})`).join('   ')}\n`,
);
