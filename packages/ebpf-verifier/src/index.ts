/**
 * @ea/ebpf-verifier: an eBPF verifier modelled on the kernel's — abstract interpretation over
 * ranges and tnums with state pruning, packet ranges, NULL checks, stack and context rules, helper
 * prototypes — with the kernel's log lines as messages.
 *
 * @module @ea/ebpf-verifier
 */
export * from './errors.js';
export * from './tnum.js';
export * from './scalar.js';
export * from './protos.js';
export * from './context.js';
export * from './machine.js';
export * from './cfg.js';
export * from './verifier.js';
