/**
 * The architectures a seccomp filter can see in `seccomp_data.arch` (AUDIT_ARCH_* values from
 * @ea/bpf), with the byte order the kernel fills seccomp_data in (host order: the filter author's
 * problem, populate_seccomp_data says) and the syscall table generated from that arch's headers.
 */
import {
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_ARM,
  AUDIT_ARCH_I386,
  AUDIT_ARCH_PPC64,
  AUDIT_ARCH_PPC64LE,
  AUDIT_ARCH_RISCV64,
  AUDIT_ARCH_S390X,
  AUDIT_ARCH_X86_64,
  type Endian,
  X32_SYSCALL_BIT,
  X86_64_HARDWIRED_ALLOW,
} from '@ea/bpf';
import { SeccompError } from './errors.js';
import { SYSCALLS_AARCH64 } from './generated/syscalls-aarch64.js';
import { SYSCALLS_ARM } from './generated/syscalls-arm.js';
import { SYSCALLS_I386 } from './generated/syscalls-i386.js';
import { SYSCALLS_PPC64 } from './generated/syscalls-ppc64.js';
import { SYSCALLS_RISCV64 } from './generated/syscalls-riscv64.js';
import { SYSCALLS_S390X } from './generated/syscalls-s390x.js';
import { SYSCALLS_X32 } from './generated/syscalls-x32.js';
import { SYSCALLS_X86_64 } from './generated/syscalls-x86_64.js';

/** Names every architecture we know, as libseccomp and the kernel's Kconfig spell them. */
export const SYSCALL_ARCHES = ['x86_64', 'i386', 'x32', 'aarch64', 'arm', 'riscv64', 's390x', 'ppc64le', 'ppc64'] as const;
/** Names one of SYSCALL_ARCHES. */
export type ArchName = (typeof SYSCALL_ARCHES)[number];

/** What a filter on one architecture sees. */
export interface ArchInfo {
  readonly name: ArchName;
  /** The value of seccomp_data.arch (x32 shares x86_64's and sets X32_SYSCALL_BIT in nr). */
  readonly auditArch: number;
  /** Byte order of every seccomp_data field. */
  readonly endian: Endian;
  /** Width of a native long (the args are always stored as 64-bit values). */
  readonly bits: 32 | 64;
  /** Bits ORed into every syscall number of this ABI (X32_SYSCALL_BIT for x32). */
  readonly nrBit: number;
  /** name -> number, generated from the kernel's headers by scripts/gen-syscalls.mjs. */
  readonly syscalls: Readonly<Record<string, number>>;
  /**
   * Syscall numbers no filter ever sees on this arch when it is the kernel's native one:
   * x86_64 uretprobe (335, since 6.14) and uprobe (336, 6.18) are hard-wired as allowed in
   * seccomp_cache_prepare / the seccomp entry path (@ea/bpf's X86_64_HARDWIRED_ALLOW).
   */
  readonly bypass: readonly number[];
}

/**
 * Describes every architecture in SYSCALL_ARCHES. The ppc64el headers serve both ppc64 flavours:
 * the syscall numbers do not depend on byte order.
 */
export const ARCHES: Readonly<Record<ArchName, ArchInfo>> = {
  x86_64: arch('x86_64', AUDIT_ARCH_X86_64, 'le', 64, 0, SYSCALLS_X86_64, X86_64_HARDWIRED_ALLOW),
  i386: arch('i386', AUDIT_ARCH_I386, 'le', 32, 0, SYSCALLS_I386, []),
  x32: arch('x32', AUDIT_ARCH_X86_64, 'le', 32, X32_SYSCALL_BIT, SYSCALLS_X32, []),
  aarch64: arch('aarch64', AUDIT_ARCH_AARCH64, 'le', 64, 0, SYSCALLS_AARCH64, []),
  arm: arch('arm', AUDIT_ARCH_ARM, 'le', 32, 0, SYSCALLS_ARM, []),
  riscv64: arch('riscv64', AUDIT_ARCH_RISCV64, 'le', 64, 0, SYSCALLS_RISCV64, []),
  s390x: arch('s390x', AUDIT_ARCH_S390X, 'be', 64, 0, SYSCALLS_S390X, []),
  ppc64le: arch('ppc64le', AUDIT_ARCH_PPC64LE, 'le', 64, 0, SYSCALLS_PPC64, []),
  ppc64: arch('ppc64', AUDIT_ARCH_PPC64, 'be', 64, 0, SYSCALLS_PPC64, []),
};

function arch(
  name: ArchName,
  auditArch: number,
  endian: Endian,
  bits: 32 | 64,
  nrBit: number,
  syscalls: Readonly<Record<string, number>>,
  bypass: readonly number[],
): ArchInfo {
  return Object.freeze({ name, auditArch, endian, bits, nrBit, syscalls, bypass: Object.freeze(bypass) });
}

/**
 * Returns the nr bit of another ABI that shares this arch's AUDIT_ARCH value (X32_SYSCALL_BIT
 * for x86_64, 0 when there is none): a filter for this ABI must refuse numbers with that bit
 * set, or the other ABI's calls pass as its own.
 */
export function foreignNrBit(arch: ArchInfo): number {
  let bit = 0;
  for (const name of SYSCALL_ARCHES) {
    const other = ARCHES[name];
    if (other.auditArch === arch.auditArch && other.nrBit !== arch.nrBit) bit |= other.nrBit;
  }
  return bit;
}

/** Tells whether a string names an architecture we know. */
export function isArchName(name: string): name is ArchName {
  return (SYSCALL_ARCHES as readonly string[]).includes(name);
}

/** Returns the architecture called `name`; throws SeccompError for an unknown one. */
export function archInfo(name: string): ArchInfo {
  if (!isArchName(name)) {
    throw new SeccompError('UNKNOWN_ARCH', name, `unknown architecture (known: ${SYSCALL_ARCHES.join(', ')})`);
  }
  return ARCHES[name];
}

/**
 * Returns the architecture a (seccomp_data.arch, nr) pair belongs to, or undefined for an
 * AUDIT_ARCH value we do not know. x32 and x86_64 share AUDIT_ARCH_X86_64: nr decides.
 */
export function archOfData(auditArch: number, nr: number): ArchInfo | undefined {
  const a = auditArch >>> 0;
  if (a === AUDIT_ARCH_X86_64) return (nr & X32_SYSCALL_BIT) !== 0 ? ARCHES.x32 : ARCHES.x86_64;
  for (const name of SYSCALL_ARCHES) if (ARCHES[name].auditArch === a) return ARCHES[name];
  return undefined;
}
