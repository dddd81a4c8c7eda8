/**
 * The struct versions the policies, the matrix and the examples are written against, as
 * builder shapes (kernel-semantics.md 6.4, 6.5; the seed's nested open_how). open_how VER1 is
 * hypothetical: today's 24 bytes plus one u64 at 24, standing in for "the next field".
 */
import { type FieldShape, type StructShape, u32Array } from './shapes.js';

const u64 = (name: string, offset: number, pointer?: StructShape): FieldShape =>
  pointer === undefined ? { name, offset, size: 8 } : { name, offset, size: 8, pointer: { target: pointer } };

/** MAX_PID_NS_LEVEL: set_tid holds at most 32 pid_t. */
export const SET_TID_MAX = 32;

const CLONE_FIELDS: readonly FieldShape[] = [
  u64('flags', 0), u64('pidfd', 8), u64('child_tid', 16), u64('parent_tid', 24), u64('exit_signal', 32),
  u64('stack', 40), u64('stack_size', 48), u64('tls', 56),
  u64('set_tid', 64, u32Array('set_tid', SET_TID_MAX)), u64('set_tid_size', 72), u64('cgroup', 80),
];

/** Returns struct clone_args as of VER0 (64), VER1 (80) or VER2 (88). */
export function cloneArgs(size: 64 | 80 | 88): StructShape {
  return { name: 'clone_args', size, fields: CLONE_FIELDS.filter((f) => f.offset < size) };
}

/** Returns struct open_how: VER0 (24, today) or the hypothetical VER1 (32, adds `ext` at 24). */
export function openHow(size: 24 | 32): StructShape {
  const fields = [u64('flags', 0), u64('mode', 8), u64('resolve', 16), u64('ext', 24)];
  return { name: 'open_how', size, fields: fields.filter((f) => f.offset < size) };
}

/** Returns the seed's nested open_how (foo, bar -> barbaz, baz), without the _size fields. */
export function seedOpenHow(): StructShape {
  const barbaz: StructShape = { name: 'barbaz', size: 8, fields: [u64('barbaz', 0)] };
  const bar: StructShape = { name: 'bar', size: 16, fields: [u64('bar', 0), u64('barbaz', 8, barbaz)] };
  const foo: StructShape = { name: 'foo', size: 8, fields: [u64('foo', 0)] };
  const baz: StructShape = { name: 'baz', size: 8, fields: [u64('baz', 0)] };
  return {
    name: 'open_how',
    size: 48,
    fields: [u64('flags', 0), u64('mode', 8), u64('resolve', 16), u64('foo', 24, foo), u64('bar', 32, bar), u64('baz', 40, baz)],
  };
}

// clone3 flag bits used by the policies (include/uapi/linux/sched.h).
export const CLONE_NEWUSER = 0x10000000n;
export const CLONE_INTO_CGROUP = 1n << 33n;
// open flags and RESOLVE_* bits (include/uapi/linux/fcntl.h, openat2.h).
export const O_CREAT = 0o100n;
export const RESOLVE_NO_SYMLINKS = 0x04n;
export const RESOLVE_BENEATH = 0x08n;
