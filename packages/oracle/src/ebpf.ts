/**
 * Runs eBPF programs (uBPF's convention: r1 = memory, r2 = its length) on the running kernel
 * through the C helper run_ebpf (an XDP wrapper, BPF_PROG_TEST_RUN, and an array map that carries
 * the full 64-bit r0 back), so engines can be compared with the kernel.
 */
import { execFileSync } from 'node:child_process';
import { buildHelper } from './build.js';

/** What the kernel did with one program and input. */
export type EbpfObservation =
  | { readonly kind: 'ok'; readonly r0: bigint }
  /** The verifier refused the program: errno and the last line of its log. */
  | { readonly kind: 'load'; readonly errno: number; readonly log: string }
  | { readonly kind: 'run'; readonly detail: string };

const hex = (b: Uint8Array): string => (b.length === 0 ? '-' : Buffer.from(b).toString('hex'));

/**
 * How the kernel runs a case: `xdp` (default) wraps the program as a bpf-to-bpf callee of an XDP
 * program (r1 = memory, r2 = its length); `socket` loads it as a SOCKET_FILTER with r6 = the
 * __sk_buff and the memory as the packet after an Ethernet header, for legacy packet loads
 * (LD_ABS/LD_IND); its last instruction must be its only exit, and it must not read r1-r5.
 */
export type EbpfOracleMode = 'xdp' | 'socket';

/** Runs each case on the kernel; cases with the same program and input length share one load. */
export function runEbpfOracle(cases: readonly { readonly program: Uint8Array; readonly mem: Uint8Array }[], mode: EbpfOracleMode = 'xdp'): EbpfObservation[] {
  const binary = buildHelper('run_ebpf');
  const input = cases.map((c) => `${hex(c.program)} ${hex(c.mem)}\n`).join('');
  const out = execFileSync(binary, mode === 'socket' ? ['socket'] : [], { input, maxBuffer: 1 << 28 }).toString().split('\n');
  return cases.map((_, i) => {
    const line = out[i] ?? '';
    const [kind, first = '', ...rest] = line.split(' ');
    if (kind === 'ok') return { kind: 'ok', r0: BigInt(`0x${first}`) };
    if (kind === 'load') return { kind: 'load', errno: Number(first), log: rest.join(' ') };
    return { kind: 'run', detail: line };
  });
}
