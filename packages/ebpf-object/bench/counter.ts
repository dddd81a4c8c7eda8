/**
 * Times @ea/testkit's c/bpf/counter.c (the per-protocol packet counter in a hash map) over a 100,000-packet
 * capture through the JIT and the interpreter, in ns per packet (maps carry across packets as in
 * the kernel), and, as root with bpftool, the kernel's BPF_PROG_TEST_RUN average for one packet.
 * `npx tsx packages/ebpf-object/bench/counter.ts` (needs clang; numbers move with machine load).
 */
import { loadObject, ObjectRunner } from '@ea/ebpf-object';
import { captureFromPackets, readCapture, writePcap } from '@ea/pcap';
import { bpftoolUnavailable, compileC, kernelLoad, packet, random } from '../test/support.js';

const N = 100_000;
const { bytes, path } = compileC('counter');
const next = random(1);
// Through a pcap file and back, as `ea-bpf run --pcap` reads it.
const capture = readCapture(writePcap(captureFromPackets(Array.from({ length: N }, () => ({ data: packet(next, 14) })))));
const packets = Array.from({ length: N }, (_, i) => capture.data.subarray(capture.offsets[i]!, capture.offsets[i]! + capture.capLengths[i]!));

// runCapture: the whole capture in one call (r0 as u32, as BPF_PROG_TEST_RUN's retval);
// run: one call per packet with r0 as a BigInt, what a caller looping over packets pays.
for (const engine of ['jit', 'interp'] as const) {
  for (const entry of ['runCapture', 'run'] as const) {
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      const object = loadObject(bytes);
      const runner = new ObjectRunner(object, object.programs[0]!, { engine });
      const start = process.hrtime.bigint();
      let sum = 0;
      if (entry === 'runCapture') for (const r of runner.runCapture(capture)) sum += r;
      else for (const p of packets) sum += Number(runner.run(p));
      times.push(Number(process.hrtime.bigint() - start) / N);
      if (sum === 0) throw new Error('no packet counted');
    }
    times.sort((a, b) => a - b);
    console.log(`${engine} ${entry}: ${times[0]!.toFixed(0)} ns/packet (best of 5 passes over ${N} packets; median ${times[2]!.toFixed(0)})`);
  }
}

const noKernel = bpftoolUnavailable();
if (noKernel === null) {
  const kernel = kernelLoad(path);
  try {
    for (const p of packets.slice(0, 3)) console.log(`kernel: ${kernel.time(p, 1_000_000)} ns/run (BPF_PROG_TEST_RUN, one ${p.length}-byte packet repeated 1,000,000 times)`);
  } finally {
    kernel.close();
  }
} else console.log(`kernel: skipped (${noKernel})`);
