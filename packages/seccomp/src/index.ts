/**
 * @ea/seccomp: everything about seccomp that is not an engine: struct seccomp_data, return
 * actions, the precedence of stacked filters, the x86_64 bypass syscalls, per-arch syscall tables
 * generated from the kernel's headers, and a deterministic syscall mix for benchmarks.
 *
 * @module @ea/seccomp
 */
export * from './errors.js';
export * from './arch.js';
export * from './syscalls.js';
export * from './kernels.js';
export { SYSCALL_TABLES_SOURCE } from './generated/source.js';
export * from './data.js';
export * from './action.js';
export * from './chain.js';
export * from './mix.js';
