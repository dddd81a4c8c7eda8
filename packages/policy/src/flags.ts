/**
 * Flag bits the policies, the matrix and the examples use (the structs themselves come from
 * @ea/layout's catalog; see catalog.ts for versions).
 */

// clone3 flag bits (include/uapi/linux/sched.h).
export const CLONE_NEWUSER = 0x10000000n;
/** Holds clone3's CLONE_INTO_CGROUP flag. */
export const CLONE_INTO_CGROUP = 1n << 33n;
// open flags and RESOLVE_* bits (include/uapi/linux/fcntl.h, openat2.h).
/** Holds the O_CREAT open flag. */
export const O_CREAT = 0o100n;
/** Holds openat2's RESOLVE_NO_SYMLINKS flag. */
export const RESOLVE_NO_SYMLINKS = 0x04n;
/** Holds openat2's RESOLVE_BENEATH flag. */
export const RESOLVE_BENEATH = 0x08n;
