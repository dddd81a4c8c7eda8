/**
 * The fast interpreter's per-program state, reused run after run so a run allocates nothing: the
 * register file as two Int32Arrays (low and high halves of r0-r10), the saved registers and return
 * pcs of local calls, the stack, and the regions indexed by tag (memory.ts's model: 1 the context,
 * 2 the stack, 3 and up the caller's extra regions). The stack is cleared from the lowest offset
 * the last run wrote, not wholesale: most programs touch a few bytes of its 4 KiB.
 */
import { checkBinding, type RegionBinding } from './bound.js';
import { EbpfRunError } from './errors.js';
import type { PairOut } from './helpers.js';
import { Memory, REGION_CTX, REGION_EXTRA, REGION_STACK, STACK_BYTES } from './memory.js';
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from './opcodes.js';

const EMPTY = new Uint8Array(0);

/** Registers, frames, stack and regions of one run at a time. */
export class State {
  /** Low halves of r0-r10. */
  readonly L = new Int32Array(11);
  /** High halves of r0-r10. */
  readonly H = new Int32Array(11);
  /** r1-r10 of each caller frame (20 words per frame), restored by exit. */
  readonly saved = new Int32Array(MAX_CALL_FRAMES * 20);
  /** Each caller frame's return pc. */
  readonly returns = new Int32Array(MAX_CALL_FRAMES);
  readonly stack = new Uint8Array(STACK_BYTES);
  /** The lowest stack offset written since the stack was last zeroed. */
  stackLow = STACK_BYTES;
  /** Regions by tag (index 0 unused). */
  readonly mems: Uint8Array[] = [EMPTY, EMPTY, this.stack];
  /** Region lengths by tag, as numbers (V8 inlines a typed array's `length`, not `byteLength`). */
  readonly lens: number[] = [0, 0, STACK_BYTES];
  /** Tags below this name a region of this run. */
  count = REGION_EXTRA;
  /** The run's extra regions (for the helpers' memory facade). */
  extra: readonly Uint8Array[] = [];
  /**
   * The helpers' view of memory: built at the first helper call, then kept from run to run, and
   * brought up to date at a run's first helper call, where only a region that is not the same
   * array as before gets a new view. A program that calls a helper per packet spent most of its
   * time building a Memory of one view per region (one per map value) for every run.
   */
  memory: Memory | null = null;
  /** Whether `memory` shows this run's regions. */
  #synced = false;
  /** The array each of memory's views was made over, and its length then (a length-tracking array can change it), by tag. */
  #viewed: Uint8Array[] = [];
  #viewedLength: number[] = [];
  /** r1-r5 as pairs for a helper's pair form, reused by every call (the helper only reads them). */
  readonly args: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  /** A pair helper's out-parameters, reused by every call. */
  readonly out: PairOut = { hi: 0, stop: 0 };
  /** Whether a run is using this state (a helper may re-enter the same program). */
  busy = false;

  /** The binding whose regions 1.. the state holds as they were bound (null: a plain run's regions). */
  bound: RegionBinding | null = null;

  /**
   * Points the state at a run on a binding's regions with `first` as region 0: the bound regions
   * are taken once (a plain enter), then only checked for a detached buffer.
   */
  enterBound(input: Uint8Array, binding: RegionBinding, first: Uint8Array, ubpf: boolean): void {
    if (this.bound !== binding) {
      this.enter(input, binding.list, ubpf);
      this.bound = binding;
    } else {
      checkBinding(binding);
      this.#reset(input, ubpf);
      this.#synced = false;
    }
    this.mems[REGION_EXTRA] = first;
    this.lens[REGION_EXTRA] = first.length;
    (binding.list as Uint8Array[])[0] = first; // what the helpers' Memory is built from
  }

  /** Points the state at a run's input and regions and resets registers and stack. */
  enter(input: Uint8Array, regions: readonly Uint8Array[], ubpf: boolean): void {
    this.bound = null;
    this.#reset(input, ubpf);
    // Only a region that is not the same array at the same length as in the last run is taken
    // anew: a caller passing its maps' values run after run pays a comparison per region.
    if (!Array.isArray(regions)) throw new EbpfRunError('bad_input', -1, 'the extra regions must be an array of Uint8Arrays');
    const n = regions.length;
    const count = REGION_EXTRA + n;
    const { mems, lens } = this;
    if (count !== this.count) {
      mems.length = REGION_EXTRA;
      lens.length = REGION_EXTRA;
      for (let i = 0; i < n; i++) {
        mems.push(EMPTY);
        lens.push(-1);
      }
      this.count = count;
    }
    for (let i = 0; i < n; i++) {
      const r = regions[i];
      if (r !== mems[REGION_EXTRA + i] || (r as Uint8Array).length !== lens[REGION_EXTRA + i]) {
        if (!(r instanceof Uint8Array)) throw new EbpfRunError('bad_input', -1, 'every extra region must be a Uint8Array');
        mems[REGION_EXTRA + i] = r;
        lens[REGION_EXTRA + i] = r.length;
      }
    }
    this.extra = regions;
    this.#synced = false;
  }

  /** Resets registers and stack and points the context at `input`. */
  #reset(input: Uint8Array, ubpf: boolean): void {
    const { L, H } = this;
    for (let r = 0; r < 10; r++) {
      L[r] = 0;
      H[r] = 0;
    }
    H[1] = REGION_CTX; // r1: the context at offset 0
    if (ubpf) L[2] = input.length;
    L[10] = STACK_BYTES; // r10: the top of the entry frame
    H[10] = REGION_STACK;
    if (this.stackLow < STACK_BYTES) {
      this.stack.fill(0, this.stackLow);
      this.stackLow = STACK_BYTES;
    }
    this.mems[REGION_CTX] = input;
    this.lens[REGION_CTX] = input.length;
  }

  /** Returns the helpers' memory facade over this run's regions (sharing this stack). */
  facade(): Memory {
    this.stackLow = 0; // a helper may write anywhere in the stack
    let memory = this.memory;
    if (memory === null || memory.views.length !== this.count - 1) {
      memory = new Memory(this.mems[REGION_CTX]!, this.extra, new DataView(this.stack.buffer));
      this.memory = memory;
      this.#viewed = this.mems.slice();
      this.#viewedLength = this.lens.slice();
    } else if (!this.#synced) {
      const { mems } = this;
      for (let t = REGION_CTX; t < this.count; t++) {
        const m = mems[t]!;
        if (t !== REGION_STACK && (m !== this.#viewed[t] || this.lens[t] !== this.#viewedLength[t])) {
          memory.views[t - 1] = new DataView(m.buffer, m.byteOffset, this.lens[t]);
          this.#viewed[t] = m;
          this.#viewedLength[t] = this.lens[t]!;
        }
      }
    }
    this.#synced = true;
    return memory;
  }
}

/** Returns r10's low half at call depth `depth` (0 = the entry frame). */
export const frameTop = (depth: number): number => STACK_BYTES - depth * MAX_BPF_STACK;
