/**
 * @ea/jit: verified classic BPF compiled to specialized JavaScript, with the interpreter as fallback.
 *
 * @module @ea/jit
 */
export { compile, toModule, factorySource, type Compiled, type CompileOptions, type ModuleOptions, type RunBatch, type RunFilter } from './compile.js';
export type { PacketBatch } from '@ea/interpreter';
export { CodegenError } from '@ea/codegen';
export { compileChain, chainFactorySource, type ChainOptions, type CompiledChain } from './chain.js';
