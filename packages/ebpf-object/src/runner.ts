/**
 * Runs one program of a loaded object on packets, through the interpreter or the JIT, with the
 * object's maps and global data as regions that persist across runs (so state carries from one
 * packet to the next, as in the kernel). Regions: 0 the packet, then the global data sections,
 * then the maps' value storage.
 */
import { type CheckedProgram, EbpfRunError, interpret, load } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { type HelperEnvironment, objectHelpers } from './helpers.js';
import type { BpfObject, ObjectProgram } from './object.js';
import { rewriteXdp, XDP_CTX_BYTES, xdpContext } from './xdp.js';

/** How many tail calls one chain may make (the kernel's MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALL_CNT = 33;

/** How a program sees its input: `xdp` (r1 = struct xdp_md) or `raw` (r1 = the packet, r2 = its length). */
export type ContextKind = 'xdp' | 'raw';

/** Options of a runner. */
export interface RunnerOptions extends HelperEnvironment {
  readonly engine?: 'jit' | 'interp';
  /** Default: from the section name (`xdp*` is xdp, anything else raw). */
  readonly context?: ContextKind;
  /** Instructions one run may execute (default 1,000,000, the kernel's verifier limit). */
  readonly budget?: number;
}

/** Returns the context a section name implies. */
export function contextOf(section: string): ContextKind {
  return /^xdp(\b|[./_]|$)/.test(section) ? 'xdp' : 'raw';
}

/** Finds a program by section or function name (the first program when `name` is undefined). */
export function findProgram(object: BpfObject, name?: string): ObjectProgram {
  const program = name === undefined ? object.programs[0] : object.programs.find((p) => p.section === name || p.name === name);
  if (program === undefined) {
    throw new EbpfRunError('bad_input', -1, `no program ${JSON.stringify(name)} (sections: ${object.programs.map((p) => p.section).join(', ')})`);
  }
  return program;
}

/** Runs one program of an object on packets. */
export class ObjectRunner {
  readonly context: ContextKind;
  readonly program: CheckedProgram;
  readonly #run: (ctx: Uint8Array, regions: readonly Uint8Array[]) => bigint;
  readonly #regions: Uint8Array[];
  readonly #ctx = new Uint8Array(XDP_CTX_BYTES);
  readonly #options: RunnerOptions;
  /** Runners of the programs this one tail-calls, by program index, made on first use. */
  readonly #tails = new Map<number, ObjectRunner>();
  #depth = 0;
  #input: Uint8Array = new Uint8Array(0);

  constructor(readonly object: BpfObject, source: ObjectProgram, options: RunnerOptions = {}) {
    this.context = options.context ?? contextOf(source.section);
    this.program = this.context === 'xdp' ? rewriteXdp(source.bytes) : load(source.bytes);
    const helpers = objectHelpers(object.maps, 1 + object.globals.length, options, (index, pc) => this.#tailCall(index, pc));
    this.#options = options;
    const budget = options.budget ?? 1_000_000;
    this.#regions = [new Uint8Array(0), ...object.globals.map((g) => g.bytes), ...object.maps.map((m) => m.storage)];
    if (options.engine === 'interp') {
      this.#run = (ctx, regions) => interpret(this.program, ctx, { helpers, regions, budget });
    } else {
      const compiled = compile(this.program, { helpers, budget });
      this.#run = compiled.run;
    }
  }

  /**
   * bpf_tail_call: runs program `index` on the same packet and maps, or returns null (the call
   * fails and the caller goes on) past MAX_TAIL_CALL_CNT (33) calls in a chain, as in the kernel.
   * Each runner in a chain has its own depth, so a program that tail-calls itself gets one runner
   * per level (at most 33).
   */
  #tailCall(index: number, pc: number): bigint | null {
    const source = this.object.programs[index];
    if (source === undefined) throw new EbpfRunError('helper_error', pc, `tail call to program ${index}; the object has ${this.object.programs.length}`);
    if (this.#depth >= MAX_TAIL_CALL_CNT) return null;
    let runner = this.#tails.get(index);
    if (runner === undefined) {
      runner = new ObjectRunner(this.object, source, { ...this.#options, context: this.context });
      runner.#depth = this.#depth + 1;
      this.#tails.set(index, runner);
    }
    return runner.run(this.#input);
  }

  /** Runs the program on one packet (XDP may rewrite it in place); returns r0. */
  run(packet: Uint8Array): bigint {
    if (!(packet instanceof Uint8Array)) throw new EbpfRunError('bad_input', -1, 'the packet must be a Uint8Array');
    this.#input = packet;
    if (this.context === 'raw') {
      this.#regions[0] = new Uint8Array(0);
      return this.#run(packet, this.#regions);
    }
    this.#regions[0] = packet;
    xdpContext(this.#ctx, packet.length, 0);
    return this.#run(this.#ctx, this.#regions);
  }
}
