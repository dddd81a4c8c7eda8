/** @ea/ebpf-jit: eBPF compiled to JavaScript (int32-pair registers, structured control flow, bounds-checked memory). */
export { compile, functionEntries, generate, type CompiledEbpf, type CompileOptions, type RunEbpf, type RunEbpf32 } from './compile.js';
export { mulhi, Runtime, type Transfer } from './runtime.js';
export { functionBody } from './structure.js';
