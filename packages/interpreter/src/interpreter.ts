/**
 * The interpreter's entry points: `prepare()` decodes a verified program once and lays it out
 * for the run loop (loop.ts); `runSeccomp`, `runPacket`, `runBatch`, `run` and `trace` check what
 * they are given (typed errors naming the entry) and hand it to the loop. Running allocates
 * nothing, per packet or per call.
 */
import { runsOnPackets, type VerifiedProgram } from '@ea/verifier';
import { batchCount, type PacketBatch } from './batch.js';
import { BatchContexts, runBatchWith } from './batch-context.js';
import type { EngineOptions, PacketContext, StepHook } from './context.js';
import * as D from './decode.js';
import { InterpreterError } from './errors.js';
import { fuse } from './fuse.js';
import { checkImage, checkPacket, imageSize } from './input.js';
import { DEFAULT_BUDGET, PcapBudget } from './libpcap.js';
import { type LoopState, runLoop } from './loop.js';
import { packetLength } from './packet.js';

/** A pre-decoded program, ready to run many times. */
export class Interpreter {
  readonly program: VerifiedProgram;
  readonly decoded: D.DecodedProgram;
  /** What the run loop reads besides the program (loop.ts): RET K values, scratch memory, byte order. */
  private readonly state: LoopState;
  /**
   * The program as the run loop reads it (decode.ts, layOut; k as int32: A and X live as int32
   * in the loop, V8's cheapest representation, which also keeps values of 2^31 and above from
   * being boxed as heap numbers on every operation): `code` with superinstructions (fuse.ts), what
   * `run` executes, with jumps to `ret #k` folded; `plain` without either, one instruction at a
   * time, what `trace` and budgets run.
   */
  readonly code: number[];
  private readonly plain: number[];
  /** Seccomp/EA: the fewest bytes a view must hold (input.ts, imageSize), checked at every entry. */
  private readonly need: number;
  /** libpcap profile: the instruction budget of one run (EngineOptions.budget), counted by a step hook. */
  private readonly budget: number;
  private readonly pcapBudget: PcapBudget | null;
  private readonly backward: Uint8Array | null;
  /** Whether a batch run needs a context for its rare paths (decode.ts, readsContext). */
  private readonly readsContext: boolean;
  private readonly contexts = new BatchContexts();
  /** A budgeted libpcap run over a batch's moved context (runBatchPcap), made once. */
  private readonly pcapRun = (ctx: PacketContext): number => this.execPcap(ctx, ctx.length as number, null);

  constructor(program: VerifiedProgram, options: EngineOptions = {}) {
    this.program = program;
    this.decoded = D.decode(program);
    // Start from tagged elements (null) so the array never becomes an unboxed-double array.
    const retK: (number | null)[] = new Array<number | null>(this.decoded.k.length).fill(null);
    this.decoded.k.forEach((value, pc) => {
      retK[pc] = value;
    });
    this.state = { retK: retK as number[], mem: new Int32Array(16), little: (options.endian ?? 'le') === 'le' };
    const budget = options.budget ?? DEFAULT_BUDGET;
    if (!Number.isSafeInteger(budget) || budget < 1) throw new RangeError('budget must be a positive integer');
    this.budget = budget;
    // libpcap profile with a backward jump (found in the decoded program, whatever the program
    // object claims): the budget is counted (execPcap).
    const backward = program.profile === 'libpcap' ? PcapBudget.backwardJumps(this.decoded) : null;
    this.backward = backward?.includes(1) ? backward : null;
    this.pcapBudget = this.backward === null ? null : new PcapBudget(budget, this.backward);
    const fused = fuse(this.decoded);
    this.code = D.layOut(this.decoded, fused, true);
    this.plain = D.layOut(this.decoded, this.decoded.op, false);
    this.readsContext = D.readsContext(fused);
    this.need = imageSize(program);
  }

  /** Runs a seccomp or EA program over seccomp_data (or the EA image); returns the u32 action. */
  runSeccomp(view: DataView): number {
    const profile = this.decoded.profile;
    if (runsOnPackets(profile)) throw wrongProfile('runSeccomp', profile);
    checkImage(view, this.need, profile, 'runSeccomp');
    return runLoop(this.state, this.code, view, 1, null, 0, view.byteLength, null, null, null);
  }

  /** Runs a socket program over a packet; returns the number of bytes to keep (0 drops). */
  runPacket(ctx: PacketContext): number {
    if (!runsOnPackets(this.decoded.profile)) throw wrongProfile('runPacket', this.decoded.profile);
    checkPacket(ctx, 'runPacket');
    const length = packetLength(ctx);
    if (this.decoded.profile === 'libpcap') return this.execPcap(ctx, length, null);
    return runLoop(this.state, this.code, ctx.data, 1, null, ctx.offset ?? 0, length, ctx, null, null);
  }

  /**
   * Runs a socket program over every packet of a batch (a capture in memory), writing each
   * result to `results` when given; returns how many were non-zero.
   */
  runBatch(batch: PacketBatch, results?: Uint32Array): number {
    if (!runsOnPackets(this.decoded.profile)) throw wrongProfile('runBatch', this.decoded.profile);
    const count = batchCount(batch, results);
    // A libpcap program with a backward jump counts its budget per packet (execPcap).
    if (this.pcapBudget !== null) return this.runBatchPcap(batch, count, results);
    if (!this.readsContext) return runLoop(this.state, this.code, batch.data, count, batch, 0, 0, null, null, results ?? null);
    // The one context the rare paths read (ancillary fields, negative offsets), moved to a
    // packet only when one of them runs (contextAt): this interpreter's own, reused call after call.
    const ctx = this.contexts.take(batch);
    try {
      return runLoop(this.state, this.code, batch.data, count, batch, 0, 0, ctx, null, results ?? null);
    } finally {
      this.contexts.release(ctx);
    }
  }

  /**
   * Runs a libpcap program with a backward jump over a checked batch, one budgeted run per
   * packet, over this interpreter's one batch context. Kept out of runBatch (and its closure made
   * once): a closure in runBatch would make every call allocate its scope (the captured `this`).
   */
  private runBatchPcap(batch: PacketBatch, count: number, results: Uint32Array | undefined): number {
    const ctx = this.contexts.take(batch);
    try {
      return runBatchWith(this.pcapRun, batch, count, results, ctx);
    } finally {
      this.contexts.release(ctx);
    }
  }

  /**
   * Runs over the input the program's profile reads (chosen by the profile, never by the input,
   * so a wrong input gets the typed error of the entry it should have gone to).
   */
  run(input: DataView | PacketContext): number {
    return runsOnPackets(this.decoded.profile) ? this.runPacket(input as PacketContext) : this.runSeccomp(input as DataView);
  }

  /** Runs like `run`, calling `hook` before every executed instruction. */
  trace(input: DataView | PacketContext, hook: StepHook): number {
    const profile = this.decoded.profile;
    if (!runsOnPackets(profile)) {
      checkImage(input, this.need, profile, 'trace');
      return runLoop(this.state, this.plain, input, 1, null, 0, input.byteLength, null, hook, null);
    }
    checkPacket(input, 'trace');
    const length = packetLength(input);
    if (profile === 'libpcap') return this.execPcap(input, length, hook);
    return runLoop(this.state, this.plain, input.data, 1, null, input.offset ?? 0, length, input, hook, null);
  }

  /**
   * Runs a libpcap-profile program over a checked packet of `length` captured bytes in the one
   * run loop, over the libpcap operations. Without a backward jump a run cannot outlast the
   * program, so it runs like a kernel one (fused, no hook); with one, the budget's step hook
   * counts every instruction, so the loop runs unfused.
   */
  private execPcap(ctx: PacketContext, length: number, hook: StepHook | null): number {
    const base = ctx.offset ?? 0;
    if (this.pcapBudget === null) {
      return hook === null
        ? runLoop(this.state, this.code, ctx.data, 1, null, base, length, ctx, null, null)
        : runLoop(this.state, this.plain, ctx.data, 1, null, base, length, ctx, hook, null);
    }
    let budget = this.pcapBudget;
    let step = budget.begin(hook);
    if (step === null) {
      // A hook ran this interpreter again mid-run: that run counts on its own.
      budget = new PcapBudget(this.budget, this.backward!);
      step = budget.begin(hook)!;
    }
    try {
      return runLoop(this.state, this.plain, ctx.data, 1, null, base, length, ctx, step, null);
    } finally {
      budget.end();
    }
  }
}

function wrongProfile(method: string, profile: string): InterpreterError {
  const want = method === 'runPacket' ? 'a PacketContext' : method === 'runBatch' ? 'a PacketBatch' : 'a DataView';
  return new InterpreterError('WRONG_PROFILE', `${method}: a ${profile} program does not run over ${want}`);
}

/** Pre-decodes a verified program for repeated runs. */
export function prepare(program: VerifiedProgram, options: EngineOptions = {}): Interpreter {
  return new Interpreter(program, options);
}

/** Runs a verified program once over seccomp_data / an EA image or a packet; returns the u32 result. */
export function interpret(
  program: VerifiedProgram,
  input: DataView | PacketContext,
  options: EngineOptions = {},
): number {
  return new Interpreter(program, options).run(input);
}
