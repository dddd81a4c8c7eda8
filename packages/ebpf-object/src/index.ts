/**
 * @ea/ebpf-object: eBPF programs as clang builds them — an ELF object loader (programs, `.text`
 * subprograms, map and global-data relocations, legacy and BTF-defined maps), maps with the
 * bpf(2) user-space API, the kernel helpers over them, the XDP context, and a runner.
 *
 * @module @ea/ebpf-object
 */
export * from './errors.js';
export * from './elf.js';
export * from './btf.js';
export * from './maps.js';
export * from './object.js';
export * from './helpers.js';
export * from './xdp.js';
export * from './skb.js';
export * from './ldabs.js';
export * from './runner.js';
export * from './verify.js';
