/**
 * The compile-latency workload: seccomp filters of 10, 100, 1,000 and 4,096
 * instructions in libseccomp's linear shape (load nr, then `jeq nr / ret`
 * pairs), timed through verify, interpreter preparation, JIT compilation and the
 * first run.
 */
import {
  BPF_ABS,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  type Insn,
  jump,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  stmt,
} from '@ea/bpf';

export const COMPILE_SIZES = [10, 100, 300, 1000, 4096] as const;

/** Returns a valid seccomp filter of exactly `size` instructions (size even and >= 4, or odd >= 3). */
export function linearFilter(size: number): Insn[] {
  const out: Insn[] = [stmt(BPF_LD | BPF_W | BPF_ABS, 0)];
  let nr = 0;
  while (out.length + 2 <= size - 1) {
    out.push(jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    nr += 3;
  }
  // An odd remainder: one more return the chain never reaches (the verifier only needs a final RET).
  while (out.length < size - 1) out.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  out.push(stmt(BPF_RET | BPF_K, (SECCOMP_RET_ERRNO | 1) >>> 0));
  return out;
}
