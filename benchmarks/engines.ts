/**
 * The JavaScript engines under test, looked up at run time so that an engine that
 * is still being written shows up as "not available" in the results instead of
 * breaking the whole run.
 */
import { type PacketContext, prepare } from '@ea/interpreter';
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

type Compiled = { runPacket?: unknown; runSeccomp?: unknown; run?: unknown } | ((input: never) => number);

/** Picks the packet or seccomp entry point out of whatever compile() returns. */
function entry(compiled: Compiled, method: 'runPacket' | 'runSeccomp'): ((input: never) => number) | null {
  if (typeof compiled === 'function') return compiled;
  const fn = compiled[method] ?? compiled.run;
  return typeof fn === 'function' ? (fn as (input: never) => number).bind(compiled) : null;
}

async function jitEngine(): Promise<JsEngine> {
  // A computed specifier keeps the benchmarks compiling while @ea/jit is being written.
  const specifier = '@ea/jit';
  let mod: Record<string, unknown> = {};
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch {
    // not built yet
  }
  const compile = mod['compile'];
  const missing = typeof compile === 'function' ? null : '@ea/jit has no compile() yet';
  const build = (program: VerifiedProgram, method: 'runPacket' | 'runSeccomp'): ((input: never) => number) => {
    if (typeof compile !== 'function') throw new Error(missing ?? 'no JIT');
    const fn = entry(compile(program) as Compiled, method);
    if (fn === null) throw new Error(`the JIT's compile() result has no ${method}`);
    return fn;
  };
  return {
    name: 'jit',
    missing,
    packet: (program) => build(program, 'runPacket') as PacketRunner,
    seccomp: (program) => build(program, 'runSeccomp') as SeccompRunner,
  };
}

/** Returns every JavaScript engine, available or not. */
export async function loadEngines(): Promise<JsEngine[]> {
  return [interpreterEngine(), await jitEngine()];
}
