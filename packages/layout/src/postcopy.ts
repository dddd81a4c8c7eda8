/**
 * The first checks five EA syscalls make on the copied struct, right after
 * copy_struct_from_user (docs/kernel-facts.md §6.4–6.6). Partial on purpose: enough to
 * predict the errno of every call the kernel oracle makes, not a full syscall model.
 * Each returns an errno name, 'nop' (the syscall returns 0 without acting), or null when
 * the syscall goes on past its argument checks.
 */
import type { AddressSpace } from './memory.js';

const rd64 = (b: Uint8Array, at: number): bigint =>
  at + 8 <= b.length ? new DataView(b.buffer, b.byteOffset).getBigUint64(at, true) : 0n;
const rd32 = (b: Uint8Array, at: number): number =>
  at + 4 <= b.length ? new DataView(b.buffer, b.byteOffset).getUint32(at, true) : 0;

// include/uapi/asm-generic/fcntl.h on x86_64: O_ACCMODE | O_CREAT ... | __O_TMPFILE (VALID_OPEN_FLAGS).
const VALID_OPEN_FLAGS = 0o3 | 0o100 | 0o200 | 0o400 | 0o1000 | 0o2000 | 0o4000 | 0o10000 | 0o20000 | 0o40000 |
  0o100000 | 0o200000 | 0o400000 | 0o1000000 | 0o2000000 | 0o10000000 | 0o20000000;
const O_CREAT = 0o100;
const O_TMPFILE_BIT = 0o20000000;
const RESOLVE_ALL = 0x3fn;

/** Runs build_open_flags' argument checks on a copied open_how. */
export function openHowErrno(how: Uint8Array): string | null {
  const flags = rd64(how, 0);
  const mode = rd64(how, 8);
  const resolve = rd64(how, 16);
  if (flags > 0xffffffffn || (Number(flags) & ~VALID_OPEN_FLAGS) !== 0) return 'EINVAL';
  const f = Number(flags);
  if (f & (O_CREAT | O_TMPFILE_BIT)) {
    if (mode & ~0o7777n) return 'EINVAL';
  } else if (mode !== 0n) return 'EINVAL';
  if (resolve & ~RESOLVE_ALL) return 'EINVAL';
  if ((resolve & 0x18n) === 0x18n) return 'EINVAL'; // RESOLVE_BENEATH with RESOLVE_IN_ROOT
  return null;
}

const CLONE_INTO_CGROUP = 1n << 33n;
const CLONE_CLEAR_SIGHAND = 1n << 32n;
const CLONE_LEGACY = 0xffffffffn;
const CSIGNAL = 0xffn;
const CLONE_DETACHED = 0x400000n;
const CLONE_NEWTIME = 0x80n;

/**
 * Runs copy_clone_args_from_user's checks, the set_tid copy (EFAULT) and the flag checks of
 * clone3_args_valid that apply to flags the oracle uses.
 */
export function cloneArgsErrno(args: Uint8Array, usize: number, memory: AddressSpace): string | null {
  const flags = rd64(args, 0);
  const exitSignal = rd64(args, 32);
  const setTid = rd64(args, 64);
  const setTidSize = rd64(args, 72);
  const cgroup = rd64(args, 80);
  if (setTidSize > 32n) return 'EINVAL';
  if (setTid !== 0n && setTidSize === 0n) return 'EINVAL';
  if (setTid === 0n && setTidSize !== 0n) return 'EINVAL';
  if ((exitSignal & ~CSIGNAL) !== 0n || exitSignal > 64n) return 'EINVAL';
  if ((flags & CLONE_INTO_CGROUP) !== 0n && (cgroup > 0x7fffffffn || usize < 88)) return 'EINVAL';
  if (setTidSize > 0n) {
    const a = setTid > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(setTid);
    if (memory.firstUnmapped(a, Number(setTidSize) * 4) !== -1) return 'EFAULT';
  }
  if ((flags & ~(CLONE_LEGACY | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)) !== 0n) return 'EINVAL';
  if ((flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) !== 0n) return 'EINVAL';
  // clone3_stack_valid: a stack needs a size and a size needs a stack
  const stack = rd64(args, 40);
  const stackSize = rd64(args, 48);
  if ((stack === 0n) !== (stackSize === 0n)) return 'EINVAL';
  return null;
}

const SCHED_FLAG_UTIL_CLAMP = 0x60n;

/** Runs sched_copy_attr's last check and sched_setattr's policy check. */
export function schedAttrErrno(attr: Uint8Array, usize: number): string | null {
  if ((rd64(attr, 8) & SCHED_FLAG_UTIL_CLAMP) !== 0n && usize < 56) return 'EINVAL';
  if ((rd32(attr, 4) | 0) < 0) return 'EINVAL';
  return null;
}

// MOUNT_ATTR_RDONLY|NOSUID|NODEV|NOEXEC|_ATIME|NODIRATIME|IDMAP|NOSYMFOLLOW
const MOUNT_SETATTR_VALID = 0x1n | 0x2n | 0x4n | 0x8n | 0x70n | 0x80n | 0x100000n | 0x200000n;
// MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED
const MOUNT_PROPAGATION = (1n << 17n) | (1n << 18n) | (1n << 19n) | (1n << 20n);

/**
 * Runs mount_setattr's checks after the copy: all of attr_set, attr_clr, propagation zero is a no-op;
 * then build_mount_kattr's checks on propagation and on the attribute bits.
 */
export function mountAttrErrno(attr: Uint8Array): string | null {
  const set = rd64(attr, 0);
  const clr = rd64(attr, 8);
  const prop = rd64(attr, 16);
  if (set === 0n && clr === 0n && prop === 0n) return 'nop';
  if ((prop & ~MOUNT_PROPAGATION) !== 0n) return 'EINVAL';
  if (prop !== 0n && (prop & (prop - 1n)) !== 0n) return 'EINVAL'; // more than one propagation type
  if (set >> 32n !== 0n || clr >> 32n !== 0n) return 'EINVAL';
  if (((set | clr) & ~MOUNT_SETATTR_VALID) !== 0n) return 'EINVAL';
  return null;
}

/** Runs mount_setattr's first check, on its flags argument (before any size check). */
export function mountSetattrFlagsErrno(flags: number): string | null {
  const allowed = 0x1000 | 0x8000 | 0x100 | 0x800; // AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT
  return (flags & ~allowed) !== 0 ? 'EINVAL' : null;
}

// Linux 6.18, security/landlock/limits.h: LANDLOCK_MASK_ACCESS_FS (EXECUTE .. IOCTL_DEV, 16
// rights), LANDLOCK_MASK_ACCESS_NET (BIND_TCP, CONNECT_TCP), LANDLOCK_MASK_SCOPE
// (ABSTRACT_UNIX_SOCKET, SIGNAL). Measured on the running kernel: setting any other single bit
// of the 24-byte attr gives EINVAL (packages/oracle/test/copy.test.ts probes every bit).
const LANDLOCK_MASK_ACCESS_FS = 0xffffn;
const LANDLOCK_MASK_ACCESS_NET = 0x3n;
const LANDLOCK_MASK_SCOPE = 0x3n;

/**
 * Runs landlock_create_ruleset's checks on a copied landlock_ruleset_attr: an unknown bit in
 * handled_access_fs, handled_access_net or scoped is EINVAL; nothing handled at all is ENOMSG
 * (landlock_create_ruleset refuses an empty ruleset); null when a ruleset would be created.
 */
export function landlockRulesetAttrErrno(attr: Uint8Array): string | null {
  const fs = rd64(attr, 0);
  const net = rd64(attr, 8);
  const scoped = rd64(attr, 16);
  if ((fs & ~LANDLOCK_MASK_ACCESS_FS) !== 0n) return 'EINVAL';
  if ((net & ~LANDLOCK_MASK_ACCESS_NET) !== 0n) return 'EINVAL';
  if ((scoped & ~LANDLOCK_MASK_SCOPE) !== 0n) return 'EINVAL';
  if (fs === 0n && net === 0n && scoped === 0n) return 'ENOMSG';
  return null;
}
