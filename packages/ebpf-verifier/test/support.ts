/** Test support: one case through our verifier (`accept` or `reason@pc` plus the log line); clang for the C cases. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble, encode } from '@ea/ebpf';
import { checkEbpf } from '@ea/ebpf-verifier';
import type { VerifierCase } from './cases.js';

/** Runs one case through our verifier; returns `accept` or `reason@pc`, and the refusal's log. */
export function ourVerdict(c: VerifierCase): { verdict: string; log: string } {
  const v = checkEbpf(encode(assemble(c.asm)), { progType: c.progType, maps: c.maps ?? [], privileged: c.privileged ?? true, license: c.license ?? 'GPL' });
  return v.accepted ? { verdict: 'accept', log: '' } : { verdict: `${v.error.reason}@${v.error.pc}`, log: v.error.log };
}


const HERE = dirname(fileURLToPath(import.meta.url));
/** @ea/ebpf-object's C test programs (read as data) and its bpf.h. */
export const OBJECT_C_DIR = join(HERE, '..', '..', 'ebpf-object', 'test', 'c');
/** This package's C cases. */
export const OWN_C_DIR = join(HERE, 'c');
let out: string | null = null;

/** Returns why clang cannot build the C cases here, or null. */
export function clangUnavailable(): string | null {
  try {
    execFileSync('clang', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'clang is not installed (apt-get install clang llvm; .ci/run installs them)';
  }
}

/** Compiles a C file as clang builds for libbpf (-O2 -g -target bpf) into a temporary directory; returns the object's bytes. */
export function compileC(dir: string, name: string): Uint8Array {
  out ??= mkdtempSync(join(tmpdir(), 'ea-ebpf-verifier-'));
  const path = join(out, `${name}.o`);
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-mcpu=v3', '-I/usr/include/x86_64-linux-gnu', `-I${OBJECT_C_DIR}`, '-c', join(dir, `${name}.c`), '-o', path], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(path));
}
