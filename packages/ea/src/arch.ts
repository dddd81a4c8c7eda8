/**
 * The architectures a policy names: the AUDIT_ARCH value a filter must check first (a filter
 * that skips it can be bypassed through another syscall table) and the byte order that decides
 * which 32-bit half of a 64-bit field sits at the lower offset.
 */
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_RISCV64, AUDIT_ARCH_S390X, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT,
} from '@ea/bpf';

/** Tells the byte order of an architecture's seccomp_data and EA image. */
export type ByteOrder = 'le' | 'be';

/** Describes an architecture for EA filters: name, AUDIT_ARCH value, byte order and any foreign-ABI nr bit. */
export interface Arch {
  readonly name: string;
  readonly audit: number;
  readonly order: ByteOrder;
  /** Syscall numbers with this bit set belong to another ABI on the same AUDIT_ARCH (x32). */
  readonly foreignNrBit?: number;
}

/** The architectures the examples and the matrix use (clone3/openat2 share numbers on all of them). */
export const ARCHES: Readonly<Record<string, Arch>> = {
  x86_64: { name: 'x86_64', audit: AUDIT_ARCH_X86_64, order: 'le', foreignNrBit: X32_SYSCALL_BIT },
  aarch64: { name: 'aarch64', audit: AUDIT_ARCH_AARCH64, order: 'le' },
  riscv64: { name: 'riscv64', audit: AUDIT_ARCH_RISCV64, order: 'le' },
  s390x: { name: 's390x', audit: AUDIT_ARCH_S390X, order: 'be' },
};

/** Splits a 64-bit value into the 32-bit words at offset +0 and +4 in the given byte order. */
export function words64(value: bigint, order: ByteOrder): readonly [number, number] {
  const v = BigInt.asUintN(64, value);
  const lo = Number(v & 0xffffffffn);
  const hi = Number(v >> 32n);
  return order === 'le' ? [lo, hi] : [hi, lo];
}
