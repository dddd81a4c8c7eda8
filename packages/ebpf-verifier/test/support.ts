/** Test support: one case through our verifier (`accept` or `reason@pc` plus the log line); clang for the C cases. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble, encode } from '@ea/ebpf';
import { checkEbpf } from '@ea/ebpf-verifier';
import { BPF_C_DIR, compileBpfC } from '@ea/testkit';
import type { VerifierCase } from './cases.js';

/** Runs one case through our verifier; returns `accept` or `reason@pc`, and the refusal's log. */
export function ourVerdict(c: VerifierCase): { verdict: string; log: string } {
  const v = checkEbpf(encode(assemble(c.asm)), { progType: c.progType, maps: c.maps ?? [], privileged: c.privileged ?? true, license: c.license ?? 'GPL' });
  return v.accepted ? { verdict: 'accept', log: '' } : { verdict: `${v.error.reason}@${v.error.pc}`, log: v.error.log };
}


const HERE = dirname(fileURLToPath(import.meta.url));
/** The C programs @ea/testkit shares (@ea/ebpf-object's loader programs) and its bpf.h. */
export const OBJECT_C_DIR = BPF_C_DIR;
/** This package's C cases. */
export const OWN_C_DIR = join(HERE, 'c');

export { clangUnavailable } from '@ea/testkit';

/** Compiles `dir/NAME.c` as clang builds for libbpf; returns the object's bytes. */
export function compileC(dir: string, name: string): Uint8Array {
  return compileBpfC(join(dir, `${name}.c`)).bytes;
}
