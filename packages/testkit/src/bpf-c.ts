/**
 * eBPF programs written in C for the tests of several packages (@ea/ebpf-object's loader and
 * kernel comparisons, @ea/ebpf-verifier's agreement with the kernel, the CLI): the sources and
 * their bpf.h live in `c/bpf/`, and clang builds them in the test setup, as it would for libbpf,
 * into a temporary directory (no object is committed). Also the seeded packets they run over.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from './rng.js';

/** The folder of the shared C programs and of the bpf.h they include. */
export const BPF_C_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'c', 'bpf');

let out: string | null = null;

/** Returns why clang cannot build eBPF programs here, or null. */
export function clangUnavailable(): string | null {
  try {
    execFileSync('clang', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'clang is not installed (apt-get install clang llvm; .ci/run installs them)';
  }
}

/**
 * Compiles a C file as clang builds for libbpf (-O2 -g -target bpf, cpu v3), with BPF_C_DIR on
 * the include path for bpf.h; returns the object's bytes and where it was written.
 */
export function compileBpfC(source: string): { bytes: Uint8Array; path: string } {
  out ??= mkdtempSync(join(tmpdir(), 'ea-bpf-c-'));
  const path = join(out, `${basename(source, '.c')}.o`);
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-mcpu=v3', '-I/usr/include/x86_64-linux-gnu', `-I${BPF_C_DIR}`, '-c', source, '-o', path], {
    stdio: 'pipe',
  });
  return { bytes: new Uint8Array(readFileSync(path)), path };
}

/** Compiles the shared program `c/bpf/NAME.c`. */
export function compileBpfProgram(name: string): { bytes: Uint8Array; path: string } {
  return compileBpfC(join(BPF_C_DIR, `${name}.c`));
}

/** Returns a seeded generator of floats in [0, 1): the stream of `new Rng(seed)`, divided by 2^32. */
export function seededFloats(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.u32() / 0x100000000;
}

/** Returns an Ethernet-ish frame: IPv4 with a common or random protocol, other EtherTypes, TLV chains. */
export function ethernetFrame(next: () => number, minLength = 0): Uint8Array {
  const int = (n: number): number => Math.floor(next() * n);
  const length = Math.max(minLength, int(10) === 0 ? int(40) : 14 + int(120));
  const p = new Uint8Array(length);
  for (let i = 0; i < length; i++) p[i] = int(4) === 0 ? int(256) : int(8);
  const types = [0x0800, 0x0800, 0x0800, 0x86dd, 0x0806, int(0x10000)];
  const type = types[int(types.length)]!;
  if (length > 13) {
    p[12] = type >> 8;
    p[13] = type & 0xff;
  }
  if (length > 23) p[23] = [1, 6, 17, 47, int(256)][int(5)]!;
  if (length > 2 && int(5) === 0) {
    p[0] = 0xde;
    p[1] = 0xad;
  }
  return p;
}
