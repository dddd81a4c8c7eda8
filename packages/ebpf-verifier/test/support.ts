/** Test support: one case through our verifier, as `accept` or `reason@pc` plus the log line. */
import { assemble, encode } from '@ea/ebpf';
import { checkEbpf } from '@ea/ebpf-verifier';
import type { VerifierCase } from './cases.js';

/** Runs one case through our verifier; returns `accept` or `reason@pc`, and the refusal's log. */
export function ourVerdict(c: VerifierCase): { verdict: string; log: string } {
  const v = checkEbpf(encode(assemble(c.asm)), { progType: c.progType, maps: c.maps ?? [], privileged: c.privileged ?? true, license: c.license ?? 'GPL' });
  return v.accepted ? { verdict: 'accept', log: '' } : { verdict: `${v.error.reason}@${v.error.pc}`, log: v.error.log };
}
