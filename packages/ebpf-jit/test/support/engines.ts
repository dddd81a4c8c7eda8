/**
 * The engines every corpus case and conformance test runs through, and the one way a case's
 * outcome is written: `0x<r0>` or `reason@pc` (`reason` alone for a whole-program error).
 */
import { check, conformanceHelpers, decodeBytes, EbpfLoadError, EbpfRunError, interpret, interpretReference } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';

/** Is an engine: program bytes and input memory in, r0 out (or a typed error thrown). */
export type Engine = (program: Uint8Array, mem: Uint8Array) => bigint;

/** Lists the engines by name. */
export const ENGINES: Record<string, Engine> = {
  interp: (program, mem) => interpret(check(decodeBytes(program)), mem, { helpers: conformanceHelpers(), budget: 1_000_000 }),
  reference: (program, mem) => interpretReference(check(decodeBytes(program)), mem, { helpers: conformanceHelpers(), budget: 1_000_000 }),
  jit: (program, mem) => {
    const compiled = compile(check(decodeBytes(program)), { helpers: conformanceHelpers(), budget: 1_000_000 });
    if (!compiled.accelerated) throw new Error(`the JIT fell back to the interpreter: ${compiled.reason}`);
    return compiled.run(mem);
  },
};

/** Runs a case and writes its outcome as the corpus does. */
export function outcome(engine: Engine, program: Uint8Array, mem: Uint8Array): string {
  try {
    return `0x${engine(program, mem.slice()).toString(16)}`;
  } catch (error) {
    if (error instanceof EbpfLoadError || error instanceof EbpfRunError) return error.pc >= 0 ? `${error.reason}@${error.pc}` : error.reason;
    throw error;
  }
}
