/**
 * What bounds the interpreter on cache-resident packets (issue 19): `runBatch` beside the
 * smallest switch loop that runs the same program from the same layout (`Interpreter.code`:
 * four int32 per instruction, the superinstructions and the folded returns included), over the
 * resident workload's packets (the capture's first 2,000 x 50 passes). The small loop has only
 * the cases `ip` and `arp` use (a 16-bit load fused with a conditional jump on k, and RET #k),
 * no hook, no contexts, no single-run path: what is left is the packet loop, the dispatch and
 * the load. The gap between the two is the price of the interpreter being general; the small
 * loop against libpcap (the resident table, `EA_BENCH_ONLY=resident pnpm bench`) is the price
 * of dispatching in JavaScript. CPU time (process.cpuUsage), median of 21 samples of 5 passes,
 * the two ways alternated, three rounds.
 *
 *   npx tsx benchmarks/interpreter-floor.ts ['ip' 'arp' ...]      (needs tcpdump)
 */
import { loadavg } from 'node:os';
import { prepare } from '@ea/interpreter';
import { generateCapture } from '@ea/pcap';
import { verify } from '@ea/verifier';
import { packetBatch, packetSet, tcpdumpProgram } from './workloads/packets.js';
import { headOf } from './workloads/residency.js';

const PASSES = 50;
const batch = packetBatch(packetSet(headOf(generateCapture({ count: 100_000, seed: 1 }), 2000)));
const count = batch.offsets.length;
const offsets = batch.offsets as Int32Array;
const lengths = batch.lengths as Int32Array;

/**
 * Runs `code` over the batch with the two operations `ip` and `arp` need (decode.ts's numbers:
 * 72 PKT_H_ABS_JMP, 0 RET_K), reading the layout exactly as the interpreter does; any other
 * operation throws, so it cannot be timed over a program it does not run.
 */
function smallest(code: readonly number[], view: DataView, offsets: Int32Array, lengths: Int32Array, count: number): number {
  const total = view.byteLength;
  let matched = 0;
  for (let i = 0; i < count; i++) {
    const base = offsets[i]!;
    const size = lengths[i]!;
    if (!(base >= 0 && size >= 0 && base + size <= total)) throw new RangeError(`packet ${i} outside the view`);
    let pc = 0;
    let a = 0;
    let r = 0;
    run: for (;;) {
      if (pc < 0) {
        r = code[~pc + 1]!;
        break;
      }
      const o = code[pc]!;
      switch (o) {
        case 72 /* PKT_H_ABS_JMP, whose jump is a jeq in ip and arp */: {
          const v = code[pc + 1]!;
          if (v + 2 > size) break run;
          a = view.getUint16(base + v);
          pc = a === code[pc + 5] ? code[pc + 6]! : code[pc + 7]!;
          continue;
        }
        case 0 /* RET_K */:
          r = code[pc + 1]!;
          break run;
        default:
          throw new RangeError(`operation ${o} is not in the smallest loop`);
      }
    }
    if (r !== 0) matched++;
  }
  return matched;
}

function nsPerPacket(pass: () => number): number {
  const samples: number[] = [];
  for (let s = 0; s < 21; s++) {
    const c0 = process.cpuUsage();
    for (let k = 0; k < 5; k++) pass();
    const c = process.cpuUsage(c0);
    samples.push(((c.user + c.system) * 1000) / (5 * PASSES * count));
  }
  return samples.sort((x, y) => x - y)[samples.length >> 1]!;
}

const names = process.argv.length > 2 ? process.argv.slice(2) : ['ip', 'arp'];
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${count} packets x ${PASSES} passes; ns/packet (CPU time)`);
for (const name of names) {
  const it = prepare(verify(tcpdumpProgram(name), { profile: 'socket' }));
  const interp = (): number => {
    let m = 0;
    for (let p = 0; p < PASSES; p++) m += it.runBatch(batch);
    return m;
  };
  const small = (): number => {
    let m = 0;
    for (let p = 0; p < PASSES; p++) m += smallest(it.code, batch.data, offsets, lengths, count);
    return m;
  };
  if (interp() !== small()) throw new Error(`${name}: the two loops disagree`);
  for (let w = 0; w < 40; w++) {
    interp();
    small();
  }
  for (let round = 1; round <= 3; round++) {
    const a = nsPerPacket(interp);
    const b = nsPerPacket(small);
    console.log(`${name}  round ${round}: runBatch ${a.toFixed(2)}  smallest switch loop ${b.toFixed(2)}  ratio ${(a / b).toFixed(2)}`);
  }
}
