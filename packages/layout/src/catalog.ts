/**
 * The catalog: each EA syscall bound to its x86_64 number, the register holding the
 * struct pointer, where the size comes from (a register, a field inside the struct, or
 * the ioctl number), its published versions, and the order of the kernel's size checks
 * (docs/kernel-facts.md §6.3, measured on Linux 6.18).
 */
import { LayoutError } from './errors.js';
import * as S from './structs.js';
import type { StructType } from './types.js';

/** Names an errno the copy model can return. */
export type Errno = 'EINVAL' | 'E2BIG' | 'EFAULT';

/** Describes one version of an EA syscall's struct: its size and layout. */
export interface EaVersion {
  readonly name: string;
  readonly size: number;
  readonly note?: string;
}

/** Where the caller's struct size comes from. */
export type SizeSource =
  | { readonly kind: 'arg'; readonly arg: number }
  /** a u32 field inside the struct, read first with get_user; 0 means `zeroMeans` when set */
  | { readonly kind: 'field'; readonly offset: number; readonly zeroMeans?: number }
  /** _IOC_SIZE of the ioctl request number in args[arg] */
  | { readonly kind: 'ioctl'; readonly arg: number };

/** One bound check on the size, applied in order before the copy. */
export interface SizeCheck {
  readonly when: 'lt' | 'gt' | 'ge';
  readonly bound: number;
  readonly errno: Errno;
}

/** Describes an EA syscall: which argument is the struct, which the size, and its versions. */
export interface EaSyscall {
  /** Catalog key: the syscall name, or a pseudo-name for ioctls and hypothetical structs. */
  readonly name: string;
  readonly nr: number;
  readonly struct: StructType;
  readonly versions: readonly EaVersion[];
  /** The size the running kernel (6.18) copies: copy_struct_from_user's ksize. */
  readonly ksize: number;
  /** Which of seccomp_data.args[] holds the struct pointer. */
  readonly ptrArg: number;
  readonly size: SizeSource;
  readonly checks: readonly SizeCheck[];
  /** sched_setattr / perf_event_open write ksize back into the size field on E2BIG. */
  readonly writeBackOnE2big: boolean;
  /**
   * copy_min_struct_from_user (landlock_create_ruleset) tests the pointer before the size: a
   * NULL pointer is EFAULT whatever the size, where copy_struct_from_user's callers check the
   * size first (a NULL pointer with size 0 is their EINVAL).
   */
  readonly nullBeforeSize?: boolean;
  /** Kernel function that performs the copy (for documentation). */
  readonly copier: string;
  readonly hypothetical?: boolean;
}

const PAGE = 4096;
const tooBig: SizeCheck = { when: 'gt', bound: PAGE, errno: 'E2BIG' };
const tooSmall = (bound: number, errno: Errno = 'EINVAL'): SizeCheck => ({ when: 'lt', bound, errno });

const v = (name: string, size: number, note?: string): EaVersion =>
  note === undefined ? { name, size } : { name, size, note };

const entries: EaSyscall[] = [
  {
    name: 'clone3',
    nr: 435,
    struct: S.clone_args,
    versions: [v('VER0', 64), v('VER1', 80, 'set_tid, set_tid_size (5.5)'), v('VER2', 88, 'cgroup (5.7)')],
    ksize: 88,
    ptrArg: 0,
    size: { kind: 'arg', arg: 1 },
    checks: [tooBig, tooSmall(64)],
    writeBackOnE2big: false,
    copier: 'copy_clone_args_from_user',
  },
  {
    name: 'openat2',
    nr: 437,
    struct: S.open_how,
    versions: [v('VER0', 24)],
    ksize: 24,
    ptrArg: 2,
    size: { kind: 'arg', arg: 3 },
    checks: [tooSmall(24), tooBig],
    writeBackOnE2big: false,
    copier: 'do_sys_openat2',
  },
  {
    name: 'openat2_next',
    nr: 437,
    struct: S.open_how_next,
    versions: [v('VER0', 24), v('VER1', 32, 'hypothetical: ext_flags')],
    ksize: 32,
    ptrArg: 2,
    size: { kind: 'arg', arg: 3 },
    checks: [tooSmall(24), tooBig],
    writeBackOnE2big: false,
    copier: 'do_sys_openat2 (hypothetical newer kernel)',
    hypothetical: true,
  },
  {
    name: 'openat2_nested',
    nr: 437,
    struct: S.seed_open_how,
    versions: [v('VER0', 72, "the seed's nested open_how with _size fields")],
    ksize: 72,
    ptrArg: 2,
    size: { kind: 'arg', arg: 3 },
    checks: [tooSmall(24), tooBig],
    writeBackOnE2big: false,
    copier: 'hypothetical',
    hypothetical: true,
  },
  {
    name: 'sched_setattr',
    nr: 314,
    struct: S.sched_attr,
    versions: [v('VER0', 48), v('VER1', 56, 'sched_util_min/max (5.3)')],
    ksize: 56,
    ptrArg: 1,
    size: { kind: 'field', offset: 0, zeroMeans: 48 },
    checks: [tooSmall(48, 'E2BIG'), tooBig],
    writeBackOnE2big: true,
    copier: 'sched_copy_attr',
  },
  {
    name: 'perf_event_open',
    nr: 298,
    struct: S.perf_event_attr,
    versions: [
      v('VER0', 64),
      v('VER1', 72, 'config2'),
      v('VER2', 80, 'branch_sample_type'),
      v('VER3', 96, 'sample_regs_user, sample_stack_user, clockid'),
      v('VER4', 104, 'sample_regs_intr'),
      v('VER5', 112, 'aux_watermark, sample_max_stack'),
      v('VER6', 120, 'aux_sample_size'),
      v('VER7', 128, 'sig_data'),
      v('VER8', 136, 'config3'),
    ],
    ksize: 136,
    ptrArg: 0,
    size: { kind: 'field', offset: 4, zeroMeans: 64 },
    checks: [tooBig, tooSmall(64, 'E2BIG')],
    writeBackOnE2big: true,
    copier: 'perf_copy_attr',
  },
  {
    name: 'mount_setattr',
    nr: 442,
    struct: S.mount_attr,
    versions: [v('VER0', 32)],
    ksize: 32,
    ptrArg: 3,
    size: { kind: 'arg', arg: 4 },
    checks: [tooBig, tooSmall(32)],
    writeBackOnE2big: false,
    copier: 'mount_setattr',
  },
  {
    name: 'open_tree_attr',
    nr: 467,
    struct: S.mount_attr,
    versions: [v('VER0', 32)],
    ksize: 32,
    ptrArg: 3,
    size: { kind: 'arg', arg: 4 },
    checks: [tooBig, tooSmall(32)],
    writeBackOnE2big: false,
    copier: 'open_tree_attr',
  },
  {
    name: 'landlock_create_ruleset',
    nr: 444,
    struct: S.landlock_ruleset_attr,
    versions: [v('VER0', 8), v('VER1', 16, 'handled_access_net (6.7)'), v('VER2', 24, 'scoped (6.12)')],
    ksize: 24,
    ptrArg: 0,
    size: { kind: 'arg', arg: 1 },
    checks: [tooSmall(8), tooBig],
    writeBackOnE2big: false,
    nullBeforeSize: true,
    copier: 'copy_min_struct_from_user',
  },
  ...(['statmount', 'listmount'] as const).map(
    (name, i): EaSyscall => ({
      name,
      nr: 457 + i,
      struct: S.mnt_id_req,
      versions: [v('VER0', 24), v('VER1', 32, 'mnt_ns_id')],
      ksize: 32,
      ptrArg: 0,
      size: { kind: 'field', offset: 0 },
      checks: [tooBig, tooSmall(24)],
      writeBackOnE2big: false,
      copier: 'copy_mnt_id_req',
    }),
  ),
  ...(['setxattrat', 'getxattrat'] as const).map(
    (name, i): EaSyscall => ({
      name,
      nr: 463 + i,
      struct: S.xattr_args,
      versions: [v('VER0', 16)],
      ksize: 16,
      ptrArg: 4,
      size: { kind: 'arg', arg: 5 },
      checks: [tooSmall(16), tooBig],
      writeBackOnE2big: false,
      copier: 'copy_struct_from_user in setxattrat/getxattrat',
    }),
  ),
  ...(['file_getattr', 'file_setattr'] as const).map(
    (name, i): EaSyscall => ({
      name,
      nr: 468 + i,
      struct: S.file_attr,
      versions: [v('VER0', 24)],
      ksize: 24,
      ptrArg: 2,
      size: { kind: 'arg', arg: 3 },
      checks: [tooBig, tooSmall(24)],
      writeBackOnE2big: false,
      copier: 'file_getattr/file_setattr',
    }),
  ),
  {
    name: 'seccomp_notif_addfd',
    nr: 16, // ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd)
    struct: S.seccomp_notif_addfd,
    versions: [v('VER0', 24)],
    ksize: 24,
    ptrArg: 2,
    size: { kind: 'ioctl', arg: 1 },
    checks: [tooSmall(24), { when: 'ge', bound: PAGE, errno: 'EINVAL' }],
    writeBackOnE2big: false,
    copier: 'seccomp_notify_addfd',
  },
];

/** Every catalog entry by name. */
export const CATALOG: ReadonlyMap<string, EaSyscall> = new Map(entries.map((e) => [e.name, Object.freeze(e)]));

/** Returns a catalog entry by name, or throws UNKNOWN_SYSCALL listing the known ones. */
export function eaSyscall(name: string): EaSyscall {
  const e = CATALOG.get(name);
  if (e === undefined) {
    throw new LayoutError('UNKNOWN_SYSCALL', `unknown EA syscall ${JSON.stringify(name)} (known: ${[...CATALOG.keys()].join(', ')})`);
  }
  return e;
}

/** Returns a version's size: by index (0 = VER0), by name ('VER1'), or the newest when undefined. */
export function versionSize(e: EaSyscall, version?: number | string): number {
  if (version === undefined) return e.ksize;
  const found =
    typeof version === 'number' ? e.versions[version] : e.versions.find((x) => x.name === version.toUpperCase());
  if (found === undefined) {
    throw new LayoutError(
      'UNKNOWN_VERSION',
      `${e.name} has versions ${e.versions.map((x, i) => `${i} (${x.name}, ${x.size})`).join(', ')}; got ${String(version)}`,
    );
  }
  return found.size;
}
