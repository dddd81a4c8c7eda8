/**
 * The JavaScript engines under test, behind one interface. An engine that cannot
 * run here sets `missing` and shows up as "not available" in the results instead
 * of breaking the whole run.
 */
import { type PacketBatch, type PacketContext, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import type { VerifiedProgram } from '@ea/verifier';

export type PacketRunner = (ctx: PacketContext) => number;
export type SeccompRunner = (view: DataView) => number;
/** One call over every packet of a capture (the engines' runBatch). */
export type BatchRunner = (batch: PacketBatch, results?: Uint32Array) => number;

export interface JsEngine {
  readonly name: 'interpreter' | 'jit';
  /** Why the engine cannot run here, or null when it can. */
  readonly missing: string | null;
  /** Prepares a verified socket filter; the returned function is what the loop calls per packet. */
  packet(program: VerifiedProgram): PacketRunner;
  /** Prepares a verified socket filter to run over a whole capture in one call. */
  packetBatch(program: VerifiedProgram): BatchRunner;
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
    packetBatch(program) {
      const it = prepare(program);
      return it.runBatch.bind(it);
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
  const accelerated = (program: VerifiedProgram) => {
    const compiled = compile(program);
    if (!compiled.accelerated) throw new Error(`JIT fell back to the interpreter: ${compiled.reason ?? 'no reason given'}`);
    return compiled;
  };
  const build = (program: VerifiedProgram): ((input: never) => number) => accelerated(program).run;
  return {
    name: 'jit',
    missing: null,
    packet: (program) => build(program) as PacketRunner,
    packetBatch(program) {
      const compiled = accelerated(program);
      // The batch loop is generated on first use: make it now and insist that it was.
      const probe = new DataView(new ArrayBuffer(0));
      compiled.runBatch({ data: probe, offsets: new Int32Array(0), lengths: new Int32Array(0) });
      if (compiled.batchSource === '') throw new Error('JIT batch fell back to the interpreter');
      return compiled.runBatch;
    },
    seccomp: (program) => build(program) as SeccompRunner,
  };
}

/** Returns every JavaScript engine, available or not. */
export async function loadEngines(): Promise<JsEngine[]> {
  return [interpreterEngine(), jitEngine()];
}
