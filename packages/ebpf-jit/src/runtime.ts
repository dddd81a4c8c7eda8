/**
 * What generated code calls: the core (portable.ts: memory accessors that bounds-check every
 * access, 64-bit arithmetic that does not fit inline, the legacy packet load, typed errors, the
 * entry's setup) plus the bridge to helpers, which standalone modules do not have. One Runtime per
 * compiled program.
 *
 * Values cross as int32 pairs: a function returns the low half and leaves the high half in
 * `T.hi`; `T.stop` is set when a helper or a legacy packet load ends the whole program.
 */
import { createPairArithmetic, EbpfRunError, type HelperRegistry, MAX_BPF_STACK, type Memory, REGION_CTX, REGION_EXTRA, REGION_STACK, STACK_BYTES } from '@ea/ebpf';
import { CoreMemory } from './facade.js';
import { type Core, createCore } from './portable.js';

/** The shared out-parameters of runtime and generated functions. */
export interface Transfer {
  hi: number;
  stop: number;
}

const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** Makes @ea/ebpf's typed run-time error (the core's `fail`). */
export const failRun = (reason: string, pc: number, message: string): Error => new EbpfRunError(reason as EbpfRunError['reason'], pc, message);

/** Is the per-program runtime: generated code receives the core's members and `helper` as factory parameters. */
export class Runtime {
  /** The helpers' Memory over the core's regions, made at the first helper call and told of every region the core replaces. */
  #memory: CoreMemory | null = null;
  readonly core: Core = createCore(
    failRun,
    (index) => {
      if (this.#memory === null) return;
      if (index < 0) this.#memory = null;
      else this.#memory.invalidate(index);
    },
    createPairArithmetic,
  );
  readonly T: Transfer = this.core.T;

  constructor(readonly helpers: HelperRegistry | undefined) {}

  /**
   * Calls helper `idl:idh` with r1-r5 as pairs; returns r0 (T.hi its high half; T.stop on exit).
   * A helper with a pair form (`pairs`) is called with the pairs as they are; otherwise they
   * become BigInts for the reference form.
   */
  readonly helper = (idl: number, idh: number, a: readonly number[], pc: number): number => {
    const fn = idh === 0 ? this.helpers?.get(idl >>> 0) : undefined;
    if (fn === undefined) throw new EbpfRunError('unknown_helper', pc, `no helper ${big(idl, idh)}`);
    // A helper may write through a stack pointer it was given.
    this.core.state.stackDirty = true;
    const memory = this.#memory ?? this.#memoryFacade();
    const pairs = fn.pairs;
    if (pairs !== undefined) {
      this.T.hi = 0;
      return pairs(a, memory, pc, this.T) | 0;
    }
    const result = fn([big(a[0]!, a[1]!), big(a[2]!, a[3]!), big(a[4]!, a[5]!), big(a[6]!, a[7]!), big(a[8]!, a[9]!)], memory, pc);
    const value = typeof result === 'bigint' ? result : result.exit;
    if (typeof result !== 'bigint') this.T.stop = 1;
    this.T.hi = Number(BigInt.asUintN(64, value) >> 32n) | 0;
    return Number(BigInt.asUintN(32, value)) | 0;
  };

  /**
   * Builds the helpers' Memory over this run's regions (the same bytes), sharing the run's own
   * stack, not a fresh 4 KiB one per run: a program that calls a helper per packet spent most of
   * its time allocating and collecting stacks.
   */
  #memoryFacade(): Memory {
    const memory = new CoreMemory(this.core.state);
    this.#memory = memory;
    return memory;
  }
}

/** Returns r10's offset for call depth `depth`. */
export const frameOffset = (depth: number): number => STACK_BYTES - depth * MAX_BPF_STACK;

export { REGION_CTX, REGION_EXTRA, REGION_STACK };
