/**
 * Limits that live outside bpf_check_classic: the socket-filter memory charge
 * (__sk_filter_charge with bpf_prog_size) and the seccomp path limit (seccomp_attach_filter).
 */
import type * as NodeFs from 'node:fs';

/** net.core.optmem_max's default on 6.x kernels, used when /proc is not readable. */
export const DEFAULT_OPTMEM_MAX = 131072;
/**
 * offsetof(struct bpf_prog, insns) on the reference kernel (Linux 6.18 x86_64, optmem_max
 * 131072): the largest accepted converted length is 16371 eBPF instructions, so the header is
 * in 96..103 bytes; every value in that window gives the same verdicts at this optmem_max.
 * Measured with the oracle (test/limits.test.ts). Config dependent: override it per machine.
 */
export const BPF_PROG_HEADER = 96;
/** sizeof(struct bpf_insn). */
export const BPF_INSN_SIZE = 8;
/** MAX_INSNS_PER_PATH in kernel/seccomp.c: (1 << 18) / sizeof(struct bpf_insn). */
export const MAX_INSNS_PER_PATH = 32768;
/** The per-filter penalty seccomp_attach_filter adds for every older filter in the chain. */
export const PATH_PENALTY = 4;

let optmemCache: number | undefined;

/** Reads net.core.optmem_max from /proc (once), or returns the kernel default. */
export function systemOptmemMax(): number {
  if (optmemCache !== undefined) return optmemCache;
  let value = DEFAULT_OPTMEM_MAX;
  try {
    // The verifier also runs in browsers: reach node:fs only through the runtime, never a
    // static import, so bundlers leave it out.
    const fs = nodeFs();
    if (fs === undefined) throw new Error('no node:fs');
    const text = fs.readFileSync('/proc/sys/net/core/optmem_max', 'utf8').trim();
    const parsed = Number(text);
    if (/^\d+$/.test(text) && Number.isSafeInteger(parsed)) value = parsed;
  } catch {
    // Not Linux or no /proc: keep the default.
  }
  optmemCache = value;
  return value;
}

/** Returns node:fs when running under Node (20.16+), else undefined. */
function nodeFs(): typeof NodeFs | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:fs') as typeof NodeFs | undefined;
}

/** Returns bpf_prog_size(len): the bytes a converted program of `len` eBPF instructions is charged. */
export function bpfProgSize(len: number, header: number = BPF_PROG_HEADER): number {
  return header + len * BPF_INSN_SIZE;
}

/**
 * Tells whether __sk_filter_charge accepts a program on a socket with nothing charged yet:
 * size <= optmem_max and 0 + size < optmem_max, so effectively size < optmem_max.
 */
export function fitsOptmem(len: number, optmemMax: number, header: number = BPF_PROG_HEADER): boolean {
  const size = bpfProgSize(len, header);
  return size <= optmemMax && size < optmemMax;
}
