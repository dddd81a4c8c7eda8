/**
 * Times what a JIT run of counter.c costs by how the packet arrives, in ns per packet: runCapture
 * (each packet a window of the capture), run32 on each packet (a subarray of the capture), the same
 * packet object every run (one that exits before the map lookup, one whose key hits the map), and
 * two windows of one buffer with the first one's bytes alternating. Maps carry across packets.
 * `npx tsx packages/ebpf-object/bench/entry.ts` (needs clang; numbers move with machine load).
 */
import { loadObject, ObjectRunner } from '@ea/ebpf-object';
import { captureFromPackets, readCapture, writePcap } from '@ea/pcap';
import { compileC, packet, random } from '../test/support.js';

const N = 100_000;
const { bytes } = compileC('counter');
const next = random(1);
const capture = readCapture(writePcap(captureFromPackets(Array.from({ length: N }, () => ({ data: packet(next, 14) })))));
const packets = Array.from({ length: N }, (_, i) => capture.data.subarray(capture.offsets[i]!, capture.offsets[i]! + capture.capLengths[i]!));
// packets[0] is 14 bytes of IPv4: the program exits before its map lookup (XDP_DROP). packets[1]
// is IPv4 protocol 47: a map lookup (a hit after the first run) and the counters' update.
const first = packets[0]!;
const hit = packets[1]!;
const twin = new Uint8Array(4096);
twin.set(first, 0);
twin.set(first, 1024);
const windows = [twin.subarray(0, first.length), twin.subarray(1024, 1024 + first.length)];

const ways: Record<string, (runner: ObjectRunner) => number> = {
  runCapture: (runner) => runner.runCapture(capture).reduce((a, b) => a + b, 0),
  run32: (runner) => packets.reduce((sum, p) => sum + runner.run32(p), 0),
  'same packet': (runner) => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += runner.run32(first);
    return sum;
  },
  'same packet, map hit': (runner) => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += runner.run32(hit);
    return sum;
  },
  'two windows': (runner) => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += runner.run32(windows[i & 1]!);
    return sum;
  },
};
for (const [name, way] of Object.entries(ways)) {
  const times: number[] = [];
  for (let round = 0; round < 7; round++) {
    const object = loadObject(bytes);
    const runner = new ObjectRunner(object, object.programs[0]!, { engine: 'jit' });
    const start = process.hrtime.bigint();
    if (way(runner) === 0) throw new Error('no packet counted');
    times.push(Number(process.hrtime.bigint() - start) / N);
  }
  times.sort((a, b) => a - b);
  console.log(`jit ${name}: ${times[0]!.toFixed(0)} ns/packet (best of 7 passes over ${N} packets; median ${times[3]!.toFixed(0)})`);
}
