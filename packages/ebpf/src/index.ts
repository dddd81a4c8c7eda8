/**
 * @ea/ebpf: the eBPF instruction set (RFC 9669, cpu v4), its formats, load-time checks and interpreter.
 *
 * @module @ea/ebpf
 */
export * from './opcodes.js';
export * from './insn.js';
export * from './errors.js';
export * from './binary.js';
export * from './decode.js';
export * from './encode.js';
export * from './check.js';
export * from './asm.js';
export * from './disasm.js';
export * from './read.js';
export * from './corpus.js';
export * from './memory.js';
export * from './legacy.js';
export * from './helpers.js';
export * from './alu.js';
export * from './pair.js';
export * from './reference.js';
export * from './interpret.js';
export * from './bound.js';
export * from './cbpf.js';
