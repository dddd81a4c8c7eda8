/**
 * The kernel's extensible-argument structs (UAPI layouts as of Linux 6.18, x86_64) and
 * the seed's hypothetical ones, described with the struct DSL. Sizes per version are in
 * catalog.ts; these are the newest layouts.
 */
import { aligned_u64, array, ptr, s32, struct, u16, u32, u64, u8, union, type StructType } from './types.js';

/** include/uapi/linux/sched.h: every field __aligned_u64; set_tid is the one input pointer. */
export const clone_args: StructType = struct('clone_args', [
  ['flags', aligned_u64],
  ['pidfd', ptr(s32, { kind: 'fixed' }, 'out')],
  ['child_tid', ptr(s32, { kind: 'fixed' }, 'out')],
  ['parent_tid', ptr(s32, { kind: 'fixed' }, 'out')],
  ['exit_signal', aligned_u64],
  ['stack', aligned_u64],
  ['stack_size', aligned_u64],
  ['tls', aligned_u64],
  ['set_tid', ptr(s32, { kind: 'count', field: 'set_tid_size' })],
  ['set_tid_size', aligned_u64],
  ['cgroup', aligned_u64],
]);

/** include/uapi/linux/openat2.h. */
export const open_how: StructType = struct('open_how', [
  ['flags', u64],
  ['mode', u64],
  ['resolve', u64],
]);

/** Hypothetical open_how VER1 (32 bytes): one appended field, for the compatibility matrix. */
export const open_how_next: StructType = struct('open_how', [
  ['flags', u64],
  ['mode', u64],
  ['resolve', u64],
  ['ext_flags', u64],
]);

/** The seed's nested example (Sarai, 19 May 2020), with the `_size` fields he asked us to imagine. */
export const seed_foo: StructType = struct('foo', [['foo', u64]]);
/** Declares the seed's innermost struct barbaz. */
export const seed_barbaz: StructType = struct('barbaz', [['barbaz', u64]]);
/** Declares the seed's struct bar, which points to barbaz. */
export const seed_bar: StructType = struct('bar', [
  ['bar', u64],
  ['barbaz', ptr(seed_barbaz, { kind: 'bytes', field: 'barbaz_size' })],
  ['barbaz_size', u64],
]);
/** Declares the seed's struct baz. */
export const seed_baz: StructType = struct('baz', [['baz', u64]]);
/** Declares the seed's nested open_how, three pointer levels deep. */
export const seed_open_how: StructType = struct('open_how_nested', [
  ['flags', u64],
  ['mode', u64],
  ['resolve', u64],
  ['foo', ptr(seed_foo, { kind: 'bytes', field: 'foo_size' })],
  ['foo_size', u64],
  ['bar', ptr(seed_bar, { kind: 'bytes', field: 'bar_size' })],
  ['bar_size', u64],
  ['baz', ptr(seed_baz, { kind: 'bytes', field: 'baz_size' })],
  ['baz_size', u64],
]);

/** include/uapi/linux/sched/types.h. */
export const sched_attr: StructType = struct('sched_attr', [
  ['size', u32],
  ['sched_policy', u32],
  ['sched_flags', u64],
  ['sched_nice', s32],
  ['sched_priority', u32],
  ['sched_runtime', u64],
  ['sched_deadline', u64],
  ['sched_period', u64],
  ['sched_util_min', u32],
  ['sched_util_max', u32],
]);

/** include/uapi/linux/mount.h. */
export const mount_attr: StructType = struct('mount_attr', [
  ['attr_set', u64],
  ['attr_clr', u64],
  ['propagation', u64],
  ['userns_fd', u64],
]);

/** include/uapi/linux/mount.h (6.8+): statmount/listmount request; size inside at 0. */
export const mnt_id_req: StructType = struct('mnt_id_req', [
  ['size', u32],
  ['spare', u32],
  ['mnt_id', u64],
  ['param', u64],
  ['mnt_ns_id', u64],
]);

/** include/uapi/linux/perf_event.h. The 64 one-bit flags (disabled, inherit, ...) are one u64. */
export const perf_event_attr: StructType = struct(
  'perf_event_attr',
  [
    ['type', u32],
    ['size', u32],
    ['config', u64],
    [null, union('perf_sample', [['sample_period', u64], ['sample_freq', u64]])],
    ['sample_type', u64],
    ['read_format', u64],
    ['flags', u64],
    [null, union('perf_wakeup', [['wakeup_events', u32], ['wakeup_watermark', u32]])],
    ['bp_type', u32],
    [
      null,
      union('perf_config1', [
        ['bp_addr', u64],
        ['kprobe_func', u64],
        ['uprobe_path', u64],
        ['config1', u64],
      ]),
    ],
    [
      null,
      union('perf_config2', [
        ['bp_len', u64],
        ['kprobe_addr', u64],
        ['probe_offset', u64],
        ['config2', u64],
      ]),
    ],
    ['branch_sample_type', u64],
    ['sample_regs_user', u64],
    ['sample_stack_user', u32],
    ['clockid', s32],
    ['sample_regs_intr', u64],
    ['aux_watermark', u32],
    ['sample_max_stack', u16],
    ['__reserved_2', u16],
    ['aux_sample_size', u32],
    ['__reserved_3', u32],
    ['sig_data', u64],
    ['config3', u64],
  ],
  'the bit-fields disabled..sigtrap/__reserved_1 are modelled as one u64 `flags`',
);

/** include/uapi/linux/landlock.h. */
export const landlock_ruleset_attr: StructType = struct('landlock_ruleset_attr', [
  ['handled_access_fs', u64],
  ['handled_access_net', u64],
  ['scoped', u64],
]);

/** include/uapi/linux/xattr.h (6.13+): value is an input pointer of `size` bytes (setxattrat). */
export const xattr_args: StructType = struct('xattr_args', [
  ['value', ptr(u8, { kind: 'bytes', field: 'size' })],
  ['size', u32],
  ['flags', u32],
]);

/** include/uapi/linux/fs.h (6.17+). */
export const file_attr: StructType = struct('file_attr', [
  ['fa_xflags', u64],
  ['fa_extsize', u32],
  ['fa_nextents', u32],
  ['fa_projid', u32],
  ['fa_cowextsize', u32],
]);

/** include/uapi/linux/seccomp.h (SECCOMP_IOCTL_NOTIF_ADDFD). */
export const seccomp_notif_addfd: StructType = struct('seccomp_notif_addfd', [
  ['id', u64],
  ['flags', u32],
  ['srcfd', u32],
  ['newfd', u32],
  ['newfd_flags', u32],
]);

/** A recursive list node (not a kernel struct): exercises depth and cycle limits. */
export const list_node: StructType = struct('ea_list_node', [
  ['value', u64],
  ['next', ptr(() => list_node, { kind: 'fixed' })],
  ['tag', array(u8, 8)],
]);
