/** @ea/ebpf-jit: eBPF compiled to JavaScript (int32-pair registers, structured control flow, bounds-checked memory). */
export { compile, type CompiledEbpf, type CompileOptions, type RunEbpf, type RunEbpf32 } from './compile.js';
export { functionEntries, generate, type GenerateOptions } from './generate.js';
export { ModuleError, type ModuleOptions, toModule } from './module.js';
export { createCore, type Core, type Fail, type ViewChange } from './portable.js';
export { failRun, Runtime, type Transfer } from './runtime.js';
export { functionBody } from './structure.js';
