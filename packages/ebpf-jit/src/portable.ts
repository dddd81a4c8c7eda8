/**
 * The core of the runtime generated code calls, written so that its text can stand alone: memory
 * accessors that resolve a pointer pair (tag, offset) to a region and bounds-check every access
 * (the representation is @ea/ebpf's memory.ts: tag 1 the context, 2 the stack, 3 and up the
 * extra regions), 64-bit arithmetic that does not fit inline, the legacy packet load, the typed
 * errors, and the entry's setup (`enter`, `prepare`).
 *
 * `createCore` refers to nothing outside itself but its parameters and JavaScript's globals, and
 * uses no syntax a TypeScript or esbuild transform rewrites into helper calls (no class fields, no
 * private names): compile() calls it, and toModule() prints its text into a standalone module
 * (`createCore.toString()`, with `createPairArithmetic.toString()` beside it), so the module runs
 * the very code the differential tests exercise.
 *
 * Values cross as int32 pairs: a function returns the low half and leaves the high half in
 * `T.hi`; `T.stop` is set when a helper or a legacy packet load ends the whole program.
 * The 64-bit arithmetic is @ea/ebpf's (createPairArithmetic, given as a parameter), so the
 * interpreter, the JIT and standalone modules run one copy of it.
 */
import type { createPairArithmetic } from '@ea/ebpf';

/** Types @ea/ebpf's createPairArithmetic, passed in so that the core's text stands alone. */
export type PairArithmeticFactory = typeof createPairArithmetic;

/** How the core reports a run-time error: makes the caller's typed error, which the core throws. */
export type Fail = (reason: string, pc: number, message: string) => Error;

/**
 * Called when memory index `index` (0 the context, 1 the stack, 2+ regions) shows other bytes
 * (`state.views[index]` from `state.bases[index]`, `state.lengths[index]` long); -1: the number
 * of regions changed.
 */
export type ViewChange = (index: number) => void;

/** Builds one program's runtime core (one per compiled program). */
export function createCore(fail: Fail, changed: ViewChange, arithmetic: PairArithmeticFactory) {
  const TWO32 = 4294967296;
  const STACK_BYTES = 4096; // MAX_BPF_STACK (512) x MAX_CALL_FRAMES (8), @ea/ebpf's memory.ts
  const REGION_STACK = 2;
  const NO_REGIONS: readonly Uint8Array[] = [];
  const T = { hi: 0, stop: 0 };
  // 64-bit multiply-high, shifts, division and modulo: @ea/ebpf's pair.ts, the interpreter's own.
  const { mulhi, udiv64, umod64, sdiv64, smod64, shl64, shr64, sar64 } = arithmetic(T);
  const stack: DataView = new DataView(new ArrayBuffer(STACK_BYTES));
  // The stack's bytes, for clearing it: made once, not per run (a run after a helper call clears it).
  const stackBytes = new Uint8Array(stack.buffer);
  // Memory index i holds the region of tag i + 1: the context, the stack, then the extra regions.
  // Region i is lengths[i] bytes of views[i] from byte bases[i]. The context's view is exact (base
  // 0: generated code reads it inline); an extra region's view is one DataView over its whole
  // ArrayBuffer, kept while later regions at that index lie in the same buffer (a capture's
  // packets), because `new DataView` costs 80-130 ns on node 20. The bounds check is against the
  // region's own length, never the view's, so a program sees exactly the bytes it was given.
  // Lengths are kept as numbers: V8 (node 20) does not inline a typed array's or DataView's
  // `byteLength` getter (26 ns against 0.4 ns for `length`, measured here).
  const views: DataView[] = [stack, stack];
  const bases: number[] = [0, 0];
  const lengths: number[] = [0, STACK_BYTES];
  // Each region view's buffer, kept beside it: V8 (node 20) does not inline the `buffer` getters
  // either (~25 ns each). A view over a whole buffer covers every region in it (over a resizable
  // buffer it tracks the buffer's length), so a region in the same buffer reuses it.
  const buffers: (ArrayBufferLike | null)[] = [stack.buffer, stack.buffer];
  const regions: Uint8Array[] = [];
  let lastInput: Uint8Array | null = null;
  let cur: DataView = stack;

  /** What the entry and the helpers read: the context's view and length, whether the stack was written, and the regions. */
  const state = { ctx: stack as DataView, ctxLength: 0, stackDirty: false, views, bases, lengths };

  const setContext = (bytes: Uint8Array, length: number): void => {
    views[0] = new DataView(bytes.buffer, bytes.byteOffset, length);
    lengths[0] = length;
    changed(0);
  };
  const setRegion = (index: number, bytes: Uint8Array, length: number): void => {
    const buffer = bytes.buffer;
    const base = bytes.byteOffset;
    if (buffer !== buffers[index]) {
      views[index] = new DataView(buffer);
      buffers[index] = buffer;
    }
    bases[index] = base;
    lengths[index] = length;
    changed(index);
  };
  const badRegions = (): Error => fail('bad_input', -1, 'regions must be an array of Uint8Arrays of less than 2 GiB');

  // A binding (@ea/ebpf's bindRegions: regions 1.. bound once) whose regions the core holds now,
  // and the window a bound run takes as region 0 (`select`). `regions[0]` holds the binding's
  // placeholder meanwhile, so a plain run after a bound one takes its own region 0 anew.
  const NO_WINDOW = new Uint8Array(0);
  let bound: { readonly list: readonly Uint8Array[]; readonly buffers: readonly ArrayBufferLike[]; readonly sizes: readonly number[] } | null = null;
  let windowData: Uint8Array = NO_WINDOW;
  let windowOffset = 0;
  let windowLength = 0;
  // windowData's buffer and byte offset, read once per array (the getters are not inlined).
  let dataSeen: Uint8Array | null = null;
  let dataBuffer: ArrayBufferLike = stack.buffer;
  let dataBase = 0;

  /** Takes a run's regions: only one that is not the same array at the same length as in the last run gets a new view. */
  const takeRegions = (list: unknown): void => {
    if (!Array.isArray(list)) throw badRegions();
    const n = list.length;
    if (n !== regions.length) {
      regions.length = n;
      views.length = n + 2;
      bases.length = n + 2;
      lengths.length = n + 2;
      buffers.length = n + 2;
      buffers.fill(null, 2);
      changed(-1);
    }
    for (let i = 0; i < n; i++) {
      const region: unknown = list[i];
      if (region !== regions[i] || (region as Uint8Array).length !== lengths[i + 2]) {
        if (!(region instanceof Uint8Array) || region.length > 0x7fffffff) throw badRegions();
        regions[i] = region;
        setRegion(i + 2, region, region.length);
      }
    }
  };

  /**
   * Prepares a bound run (the caller has checked the window against `data`): checks that no bound
   * region's buffer was detached, takes the binding's regions unless the core holds them already,
   * and records the window.
   */
  const select = (binding: NonNullable<typeof bound>, data: Uint8Array, offset: number, length: number): void => {
    const { buffers: held, sizes } = binding;
    for (let i = 0; i < held.length; i++) {
      if (held[i]!.byteLength !== sizes[i]) throw fail('bad_input', -1, "a bound region's buffer was detached since bind()");
    }
    if (bound !== binding) {
      bound = null;
      takeRegions(binding.list);
      bound = binding;
    }
    windowData = data;
    windowOffset = offset;
    windowLength = length;
  };

  /** Points region 0 at the window select() recorded. */
  const enterBound = (): void => {
    const data = windowData;
    if (data !== dataSeen) {
      dataSeen = data;
      dataBuffer = data.buffer;
      dataBase = data.byteOffset;
    }
    if (dataBuffer !== buffers[2]) {
      views[2] = new DataView(dataBuffer);
      buffers[2] = dataBuffer;
    }
    bases[2] = dataBase + windowOffset;
    lengths[2] = windowLength;
    changed(2);
  };

  /**
   * Points the core at one run's input and extra regions (undefined: none; the binding select()
   * prepared: its regions with the window as region 0). A view is made only for an input that is
   * not the same array (with the same length) as in the last run, or a region in another buffer.
   */
  const enter = (input: Uint8Array, extra: unknown): void => {
    T.hi = 0;
    T.stop = 0;
    const length = input.length;
    if (input !== lastInput || length !== state.ctxLength) {
      lastInput = input;
      state.ctxLength = length;
      setContext(input, length);
      state.ctx = views[0]!;
    }
    if (state.stackDirty) {
      stackBytes.fill(0);
      state.stackDirty = false;
    }
    if (bound !== null && extra === bound) enterBound();
    else {
      bound = null;
      takeRegions(extra === undefined ? NO_REGIONS : extra);
    }
  };

  /** Checks the caller's input (fail closed: a typed error, never a crash), then enters it. */
  const prepare = (input: unknown, extra: unknown): void => {
    // `length`, not `byteLength`: the same number for a Uint8Array, and V8 inlines only the former.
    if (!(input instanceof Uint8Array) || input.length > 0x7fffffff) throw fail('bad_input', -1, 'the input must be a Uint8Array of less than 2 GiB');
    enter(input, extra);
  };

  /** Builds the BigInt r0 from its halves. */
  const join = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << BigInt(32)) | BigInt(lo >>> 0);

  /**
   * Resolves a pair (tag, offset + instruction offset) to an offset in the region's view, left in
   * `cur` (the region's base plus its offset in the region), or throws. `at` is a double in (-2^32, 2^33): a carry or borrow moves
   * the address into the neighbouring tag, exactly as the 64-bit sum does in the interpreter.
   */
  const resolve = (hi: number, at: number, size: number, pc: number, store: boolean): number => {
    let tag = hi;
    let off = at;
    if (off >= TWO32) {
      tag = (tag + 1) | 0;
      off -= TWO32;
    } else if (off < 0) {
      tag = (tag - 1) | 0;
      off += TWO32;
    }
    const view = tag >= 1 ? views[tag - 1] : undefined;
    if (view === undefined || off > lengths[tag - 1]! - size) {
      throw fail('out_of_bounds', pc, `${size}-byte access at 0x${(tag >>> 0).toString(16)}:${off} is outside every region`);
    }
    if (store && tag === REGION_STACK) state.stackDirty = true;
    cur = view;
    return bases[tag - 1]! + off;
  };

  // Loads return the value as an int32 (ld64 leaves the high half in T.hi); `at` is the pointer's
  // offset plus the instruction's, as a double.
  const ld8 = (hi: number, at: number, pc: number): number => {
    const off = resolve(hi, at, 1, pc, false);
    return cur.getUint8(off);
  };
  const ld16 = (hi: number, at: number, pc: number): number => {
    const off = resolve(hi, at, 2, pc, false);
    return cur.getUint16(off, true);
  };
  const ld32 = (hi: number, at: number, pc: number): number => {
    const off = resolve(hi, at, 4, pc, false);
    return cur.getInt32(off, true);
  };
  // A load the program byte-swaps right away (`ldxh` then `be16`, `ldxw` then `be32`) reads
  // big-endian in one step.
  const ld16be = (hi: number, at: number, pc: number): number => {
    const off = resolve(hi, at, 2, pc, false);
    return cur.getUint16(off);
  };
  const ld32be = (hi: number, at: number, pc: number): number => {
    const off = resolve(hi, at, 4, pc, false);
    return cur.getInt32(off);
  };
  const ld64 = (hi: number, at: number, pc: number): number => {
    const off = resolve(hi, at, 8, pc, false);
    T.hi = cur.getInt32(off + 4, true);
    return cur.getInt32(off, true);
  };
  const st8 = (hi: number, at: number, v: number, pc: number): void => {
    const off = resolve(hi, at, 1, pc, true);
    cur.setUint8(off, v & 0xff);
  };
  const st16 = (hi: number, at: number, v: number, pc: number): void => {
    const off = resolve(hi, at, 2, pc, true);
    cur.setUint16(off, v & 0xffff, true);
  };
  const st32 = (hi: number, at: number, v: number, pc: number): void => {
    const off = resolve(hi, at, 4, pc, true);
    cur.setInt32(off, v, true);
  };
  const st64 = (hi: number, at: number, lo: number, vhi: number, pc: number): void => {
    const off = resolve(hi, at, 8, pc, true);
    cur.setInt32(off, lo, true);
    cur.setInt32(off + 4, vhi, true);
  };

  /**
   * Applies an atomic (kernel ___bpf_prog_run's ATOMIC cases): `op` 0 add, 1 or, 2 and, 3 xor,
   * 4 xchg, 5 cmpxchg; returns the old value (low half; high half in T.hi). cmpxchg compares with
   * the expected value (r0) passed in el:eh.
   */
  const atomic = (op: number, wide: number, hi: number, at: number, vl: number, vh: number, el: number, eh: number, pc: number): number => {
    const off = resolve(hi, at, wide ? 8 : 4, pc, true);
    const view = cur;
    const ol = view.getInt32(off, true);
    const oh = wide ? view.getInt32(off + 4, true) : 0;
    let nl = vl;
    let nh = vh;
    switch (op) {
      case 0: {
        const s = (ol >>> 0) + (vl >>> 0);
        nl = s | 0;
        nh = (oh + vh + (s >= TWO32 ? 1 : 0)) | 0;
        break;
      }
      case 1: nl = ol | vl; nh = oh | vh; break;
      case 2: nl = ol & vl; nh = oh & vh; break;
      case 3: nl = ol ^ vl; nh = oh ^ vh; break;
      case 4: break;
      default:
        if (ol !== el || (wide && oh !== eh)) {
          nl = ol;
          nh = oh;
        }
    }
    view.setInt32(off, nl, true);
    if (wide) view.setInt32(off + 4, nh, true);
    T.hi = oh;
    return ol;
  };

  /**
   * Legacy packet load (LD_ABS/LD_IND) in network byte order; -1 when it fails (the program then
   * ends with r0 = 0). Where it reads is @ea/ebpf's legacy.ts (legacyLoadAt), restated here so the
   * core stands alone: an offset >= 0 reads the context; [SKF_NET_OFF, 0) reads context byte
   * off - SKF_NET_OFF (the context starts at the network header, as in the kernel's
   * bpf_internal_load_pointer_neg_helper); anything else fails.
   */
  const ldpkt = (off: number, size: number): number => {
    const NET_OFF = -0x100000; // SKF_NET_OFF
    const at = off >= 0 ? off : off >= NET_OFF ? off - NET_OFF : -1;
    if (at < 0 || at > state.ctxLength - size) return -1;
    const view = views[0]!;
    return size === 1 ? view.getUint8(at) : size === 2 ? view.getUint16(at) : view.getUint32(at);
  };

  /** Throws unless extra region `index` exists in this run (lddw map_value). */
  const region = (index: number, pc: number): void => {
    if (index + 2 >= views.length) throw fail('out_of_bounds', pc, `lddw names region ${index}, the run has ${views.length - 2}`);
  };
  /** Throws the call-depth error. */
  const depth = (pc: number): never => {
    throw fail('call_depth', pc, 'more than 8 frames');
  };
  /** Throws the budget error. */
  const budget = (pc: number, limit: number): never => {
    throw fail('budget', pc, `more than ${limit} instructions`);
  };

  return {
    T, state, enter, prepare, select, join, mulhi, ld8, ld16, ld32, ld16be, ld32be, ld64, st8, st16, st32, st64, atomic, ldpkt,
    udiv64, umod64, sdiv64, smod64, shl64, shr64, sar64, region, depth, budget,
  };
}

/** One program's runtime core. */
export type Core = ReturnType<typeof createCore>;
