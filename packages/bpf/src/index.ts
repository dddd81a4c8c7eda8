/**
 * @ea/bpf: the classic BPF instruction set, its binary encoding and its text formats.
 *
 * @module @ea/bpf
 */
export * from './opcodes.js';
export * from './table.js';
export * from './insn.js';
export * from './effects.js';
export * from './errors.js';
export * from './binary.js';
export * from './format/index.js';
