/**
 * The JavaScript engines under test, behind one interface. An engine that cannot
 * run here sets `missing` and shows up as "not available" in the results instead
 * of breaking the whole run.
 */
import { type PacketContext, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import type { VerifiedProgram } from '@ea/verifier';

export type PacketRunner = (ctx: PacketContext) => number;
export type SeccompRunner = (view: DataView) => number;

export interface JsEngine {
  readonly name: 'interpreter' | 'jit';
  /** Why the engine cannot run here, or null when it can. */
  readonly missing: string | null;
  /** Prepares a verified socket filter; the returned function is what the loop calls per packet. */
  packet(program: VerifiedProgram): PacketRunner;
  /** Prepares a verified seccomp filter. */
  seccomp(program: VerifiedProgram): SeccompRunner;
}

function interpreterEngine(): JsEngine {
  return {
    name: 'interpreter',
    missing: null,
    packet(program) {
      const it = prepare(program);
      return it.runPacket.bind(it);
    },
    seccomp(program) {
      const it = prepare(program);
      return it.runSeccomp.bind(it);
    },
  };
}

function jitEngine(): JsEngine {
  // compile() falls back to the interpreter when it cannot generate code; measuring that
  // fallback as "JIT" would be misleading, so it is an error here.
  const build = (program: VerifiedProgram): ((input: never) => number) => {
    const compiled = compile(program);
    if (!compiled.accelerated) throw new Error(`JIT fell back to the interpreter: ${compiled.reason ?? 'no reason given'}`);
    return compiled.run;
  };
  return {
    name: 'jit',
    missing: null,
    packet: (program) => build(program) as PacketRunner,
    seccomp: (program) => build(program) as SeccompRunner,
  };
}

/** Returns every JavaScript engine, available or not. */
export async function loadEngines(): Promise<JsEngine[]> {
  return [interpreterEngine(), jitEngine()];
}
