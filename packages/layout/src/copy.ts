/**
 * copy_struct_from_user (include/linux/uaccess.h) and the per-syscall size rules around
 * it, as Linux 6.18 applies them (docs/kernel-facts.md §6.1, §6.3). Validated against the
 * running kernel by packages/oracle/test/copy.test.ts.
 */
import type { EaSyscall, Errno } from './catalog.js';
import { LayoutError } from './errors.js';
import { type Address, type AddressSpace, toAddress } from './memory.js';

/** Tells the outcome of copy_struct_from_user: the copied bytes or an errno. */
export type CopyResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly errno: Errno; readonly offset: number };

const PAGE = 4096;

/**
 * Copies a caller's struct exactly as copy_struct_from_user does: a tail beyond ksize
 * must be all zero (E2BIG otherwise; checked before anything is copied, EFAULT when the
 * check faults), then min(usize, ksize) bytes are copied (EFAULT on a fault) and the
 * rest of the ksize-byte result is zero. `offset` in a failure is the struct offset of
 * the first non-zero tail byte (E2BIG) or of the first unmapped byte (EFAULT).
 */
export function copyStructFromUser(memory: AddressSpace, addr: Address, usize: number, ksize: number): CopyResult {
  const src = toAddress(addr);
  if (!Number.isSafeInteger(usize) || usize < 0) throw new LayoutError('BAD_SIZE', `usize ${String(usize)} is not a size`);
  if (!Number.isSafeInteger(ksize) || ksize < 0 || ksize > PAGE) {
    throw new LayoutError('BAD_SIZE', `ksize ${String(ksize)} is not a kernel struct size`);
  }
  const size = Math.min(ksize, usize);
  if (usize > ksize) {
    const zero = memory.isZero(src < 0 ? -1 : src + ksize, usize - ksize);
    if (zero === 0) return { ok: false, errno: 'E2BIG', offset: firstNonZero(memory, src + ksize, usize - ksize) + ksize };
    if (zero < 0) return { ok: false, errno: 'EFAULT', offset: faultOffset(memory, src, ksize, usize - ksize) };
  }
  const bytes = new Uint8Array(ksize);
  if (!memory.read(src, size, bytes, 0)) return { ok: false, errno: 'EFAULT', offset: faultOffset(memory, src, 0, size) };
  return { ok: true, bytes };
}

function firstNonZero(memory: AddressSpace, addr: number, len: number): number {
  for (let lo = 0, hi = len; ; ) {
    // The range is known to hold a non-zero byte before any fault: binary search its prefix.
    if (hi - lo <= 1) return lo;
    const mid = (lo + hi) >>> 1;
    if (memory.isZero(addr, mid) === 0) hi = mid;
    else lo = mid;
  }
}

function faultOffset(memory: AddressSpace, src: number, from: number, len: number): number {
  if (src < 0) return from;
  const a = memory.firstUnmapped(src + from, len);
  return a < 0 ? from : a - src;
}

/** Reads the size the kernel will use for an EA call (before any bound check). */
export type SizeRead =
  | { readonly ok: true; readonly usize: number; readonly raw: bigint }
  | { readonly ok: false; readonly errno: 'EFAULT'; readonly offset: number };

/** Returns the caller's size as the syscall reads it: a register, an ioctl number, or get_user on a field. */
export function readEaSize(sys: EaSyscall, args: ArrayLike<Address>, memory: AddressSpace): SizeRead {
  const s = sys.size;
  if (s.kind === 'arg') {
    const raw = toU64(args[s.arg], `args[${s.arg}]`);
    return { ok: true, raw, usize: raw > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(raw) };
  }
  if (s.kind === 'ioctl') {
    const raw = (toU64(args[s.arg], `args[${s.arg}]`) >> 16n) & 0x3fffn; // _IOC_SIZE on x86
    return { ok: true, raw, usize: Number(raw) };
  }
  const p = toAddress(args[sys.ptrArg] ?? 0, `args[${sys.ptrArg}]`);
  const v = memory.readU32(p < 0 ? -1 : p + s.offset);
  if (v < 0) return { ok: false, errno: 'EFAULT', offset: s.offset };
  const usize = v === 0 && s.zeroMeans !== undefined ? s.zeroMeans : v;
  return { ok: true, raw: BigInt(v), usize };
}

/** Tells the outcome of an EA syscall's copy and post-copy checks. */
export type EaCopyResult =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly usize: number }
  | {
      readonly ok: false;
      readonly errno: Errno;
      /** which step refused: the size bounds, the tail check / copy, or reading the size field */
      readonly stage: 'size' | 'copy';
      readonly offset: number;
      /** the value the kernel wrote into the size field (sched_setattr, perf_event_open) */
      readonly writeBack?: number;
    };

/**
 * Performs a syscall's EA copy in the kernel's order: read the size, apply the syscall's
 * bound checks, copy_struct_from_user. With `applyWriteBack` the ksize write-back of
 * sched_setattr/perf_event_open on E2BIG is done in `memory` too (put_user; a fault there
 * is ignored as the kernel ignores it). Checks that the syscall makes before the copy on
 * other arguments (mount_setattr's flags, may_mount) are the caller's business.
 */
export function copyEaArgs(
  sys: EaSyscall,
  args: ArrayLike<Address>,
  memory: AddressSpace,
  applyWriteBack = false,
): EaCopyResult {
  const size = readEaSize(sys, args, memory);
  if (!size.ok) return { ok: false, errno: 'EFAULT', stage: 'size', offset: size.offset };
  const ptr = toAddress(args[sys.ptrArg] ?? 0, `args[${sys.ptrArg}]`);
  const refuse = (errno: Errno, stage: 'size' | 'copy', offset: number): EaCopyResult => {
    if (errno !== 'E2BIG' || !sys.writeBackOnE2big || sys.size.kind !== 'field') return { ok: false, errno, stage, offset };
    if (applyWriteBack && ptr >= 0 && memory.firstUnmapped(ptr + sys.size.offset, 4) < 0) {
      memory.writeU32(ptr + sys.size.offset, sys.ksize);
    }
    return { ok: false, errno, stage, offset, writeBack: sys.ksize };
  };
  // copy_min_struct_from_user: `if (!src) return -EFAULT;` comes before its size checks.
  if (sys.nullBeforeSize === true && ptr === 0) return refuse('EFAULT', 'copy', 0);
  const raw = size.raw;
  for (const c of sys.checks) {
    const b = BigInt(c.bound);
    const hit = c.when === 'lt' ? BigInt(size.usize) < b : c.when === 'gt' ? raw > b : raw >= b;
    if (hit) return refuse(c.errno, 'size', 0);
  }
  const r = copyStructFromUser(memory, ptr, size.usize, sys.ksize);
  if (!r.ok) return refuse(r.errno, 'copy', r.offset);
  return { ok: true, bytes: r.bytes, usize: size.usize };
}

function toU64(v: Address | undefined, what: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'bigint') {
    if (v < 0n || v >= 1n << 64n) throw new LayoutError('BAD_SIZE', `${what} must be a u64`);
    return v;
  }
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** 64) throw new LayoutError('BAD_SIZE', `${what} must be a u64, got ${String(v)}`);
  return BigInt(v);
}
