/**
 * Flag bits the policies, the matrix and the examples use (the structs themselves come from
 * @ea/layout's catalog; see catalog.ts for versions).
 */

// clone3 flag bits (include/uapi/linux/sched.h).
export const CLONE_NEWUSER = 0x10000000n;
export const CLONE_INTO_CGROUP = 1n << 33n;
// open flags and RESOLVE_* bits (include/uapi/linux/fcntl.h, openat2.h).
export const O_CREAT = 0o100n;
export const RESOLVE_NO_SYMLINKS = 0x04n;
export const RESOLVE_BENEATH = 0x08n;
