/**
 * An XDP program written in C counts packets per protocol over a pcap file, in Node: clang builds
 * c/xdp-count.c (`clang -O2 -g -target bpf`), @ea/pcap generates a deterministic Ethernet capture
 * written to a temporary .pcap (or reads the file given as the first argument), and
 * @ea/ebpf-object loads the ELF object and runs the program over every packet through the JIT,
 * then the interpreter, and prints the hash map's rows. Without clang the example says so and
 * stops. The same count runs in a browser: see browser/xdp-entry.ts.
 *
 * Run: npx tsx examples/xdp-count.ts [CAPTURE.pcap]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCapture, writePcap } from '@ea/pcap';
import { countPerProtocol, type XdpCount } from './xdp/count.js';

/** Packets in the generated capture and the generator's seed. */
export const PACKETS = 20_000;
export const SEED = 16;

/** Builds c/xdp-count.c with clang into `dir`; returns the object's bytes, or null without clang. */
export function buildXdpCount(dir: string): Uint8Array | null {
  const source = fileURLToPath(new URL('./c/xdp-count.c', import.meta.url));
  const out = join(dir, 'xdp-count.o');
  const clang = spawnSync('clang', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', source, '-o', out], { encoding: 'utf8' });
  if (clang.error !== undefined || clang.status !== 0) return null;
  return new Uint8Array(readFileSync(out));
}

/** Returns the generated capture as pcap file bytes. */
export function generatedPcap(): Uint8Array {
  return writePcap(generateCapture({ count: PACKETS, seed: SEED }));
}

function table(count: XdpCount): string {
  const lines = count.rows.map((r) => `  ${r.protocol.padEnd(24)} ${String(r.packets).padStart(8)} ${String(r.bytes).padStart(10)}`);
  const actions = Object.entries(count.actions).map(([a, n]) => `${a} ${n}`).join(', ');
  return [`  ${'protocol'.padEnd(24)} ${'packets'.padStart(8)} ${'bytes'.padStart(10)}`, ...lines, `  actions: ${actions}`].join('\n');
}

/** Runs the example; returns its report. */
export function runXdpCount(capturePath?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ea-xdp-count-'));
  try {
    const object = buildXdpCount(dir);
    if (object === null) return 'clang is not installed (apt-get install clang llvm): the example needs it to build c/xdp-count.c';
    let pcap: Uint8Array;
    let name: string;
    if (capturePath === undefined) {
      name = join(dir, 'generated.pcap');
      writeFileSync(name, generatedPcap());
      pcap = new Uint8Array(readFileSync(name));
      name = `a generated capture of ${PACKETS} packets (seed ${SEED})`;
    } else {
      pcap = new Uint8Array(readFileSync(capturePath));
      name = capturePath;
    }
    const jit = countPerProtocol(object, pcap, 'jit');
    const interp = countPerProtocol(object, pcap, 'interp');
    const same = JSON.stringify(jit) === JSON.stringify(interp);
    return [
      `xdp-count.o (clang -O2 -target bpf) over ${name}: ${jit.packets} packets`,
      table(jit),
      `the JIT's rows above; the interpreter ${same ? 'agrees on every row and action' : 'DISAGREES'}`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(runXdpCount(process.argv[2]));
}
