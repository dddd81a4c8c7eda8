/**
 * What generated code calls: memory accessors that resolve a pointer pair (tag, offset) to a
 * region and bounds-check every access (the representation is @ea/ebpf's memory.ts), 64-bit
 * arithmetic that does not fit inline, helper and packet-load bridges, and the typed errors.
 * One Runtime per compiled program; `enter` points it at a run's input and regions.
 *
 * Values cross as int32 pairs: a function returns the low half and leaves the high half in
 * `T.hi`; `T.stop` is set when a helper or a legacy packet load ends the whole program.
 */
import {
  EbpfRunError, type HelperRegistry, legacyLoadAt, MAX_BPF_STACK, Memory, mulhi, REGION_CTX, REGION_EXTRA, REGION_STACK, sar64, sdiv64, shl64,
  shr64, smod64, STACK_BYTES, udiv64, umod64,
} from '@ea/ebpf';

/** The shared out-parameters of runtime and generated functions. */
export interface Transfer {
  hi: number;
  stop: number;
}

const TWO32 = 4294967296;

// The pair arithmetic (mulhi, shifts, division) is @ea/ebpf's pair.ts, shared with the fast interpreter.
export { mulhi };

const NO_REGIONS: readonly Uint8Array[] = [];
const badRegions = (): EbpfRunError => new EbpfRunError('bad_input', -1, 'regions must be an array of Uint8Arrays of less than 2 GiB');

const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** Is the per-program runtime: generated code receives its members as factory parameters. */
export class Runtime {
  readonly T: Transfer = { hi: 0, stop: 0 };
  #views: DataView[] = [];
  /** Each view's byte length, as numbers (see enter). */
  #lengths: number[] = [];
  /** The extra regions the views of tags 3 and up were made from, to reuse them run after run. */
  #regions: Uint8Array[] = [];
  /** The context's view and length in the last run (what `ready` lets a run reuse). */
  ctx: DataView;
  ctxLength = 0;
  /** The helpers' Memory over the same views, made at the first helper call and kept in step by enter. */
  #memory: Memory | null = null;
  #stack = new DataView(new ArrayBuffer(STACK_BYTES));
  #stackDirty = false;
  #lastInput: Uint8Array | null = null;

  constructor(readonly helpers: HelperRegistry | undefined) {
    this.#views = [this.#stack, this.#stack];
    this.#lengths = [0, STACK_BYTES];
    this.ctx = this.#stack;
  }

  /**
   * Says whether a run on `input` and `regions` may reuse the last run's state as it stands: the
   * same object at the same length (so it passed the entry's checks then), no extra regions, and
   * a clean stack. Then `ctx` and `ctxLength` are its view and length, and nothing needs to be set up.
   */
  ready(input: unknown, regions: unknown): boolean {
    const last = this.#lastInput;
    return regions === undefined && input === last && last !== null && last.length === this.ctxLength && this.#views.length === 2 && !this.#stackDirty;
  }

  /**
   * Points the runtime at one run's input and extra regions (undefined: none); the context's view
   * and length are then `ctx` and `ctxLength`. A view is made only for an input or region that is
   * not the same array (with the same length) as in the last run, so a loaded object run packet
   * after packet, whose maps and global data stay put while only the packet changes, makes one
   * DataView per packet and allocates nothing else. Lengths are read through `length` and kept as
   * numbers, because V8 (node 20) does not inline a typed array's or DataView's `byteLength`
   * getter (26 ns against 0.4 ns measured here); for a Uint8Array `length` is its byte length.
   * Regions that are not an array of Uint8Arrays are a `bad_input` error (the input is the
   * caller's to check).
   */
  enter(input: Uint8Array, regions: unknown): void {
    this.T.hi = 0;
    this.T.stop = 0;
    const length = input.length;
    if (input !== this.#lastInput || length !== this.ctxLength) {
      this.#lastInput = input;
      this.ctxLength = length;
      this.#setView(0, input, length);
      this.ctx = this.#views[0]!;
    }
    if (this.#stackDirty) {
      new Uint8Array(this.#stack.buffer).fill(0);
      this.#stackDirty = false;
    }
    const extra = regions === undefined ? NO_REGIONS : regions;
    if (!Array.isArray(extra)) throw badRegions();
    const n = extra.length;
    if (n !== this.#regions.length) {
      this.#regions.length = n;
      this.#views.length = n + 2;
      this.#lengths.length = n + 2;
      this.#memory = null;
    }
    for (let i = 0; i < n; i++) {
      const region: unknown = extra[i];
      if (region !== this.#regions[i] || (region as Uint8Array).length !== this.#lengths[i + 2]) {
        if (!(region instanceof Uint8Array) || region.length > 0x7fffffff) throw badRegions();
        this.#regions[i] = region;
        this.#setView(i + 2, region, region.length);
      }
    }
  }

  #setView(index: number, bytes: Uint8Array, length: number): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, length);
    this.#views[index] = view;
    this.#lengths[index] = length;
    if (this.#memory !== null) this.#memory.views[index] = view;
  }

  /** The view the last #resolve found. */
  #cur: DataView = this.#stack;

  /**
   * Resolves a pair (tag, offset + instruction offset) to an offset in a region, leaving the
   * region's view in #cur, or throws. `at` is a double in (-2^32, 2^33): a carry or borrow moves
   * the address into the neighbouring tag, exactly as the 64-bit sum does in the interpreter.
   */
  #resolve(hi: number, at: number, size: number, pc: number, store: boolean): number {
    let tag = hi;
    let off = at;
    if (off >= TWO32) {
      tag = (tag + 1) | 0;
      off -= TWO32;
    } else if (off < 0) {
      tag = (tag - 1) | 0;
      off += TWO32;
    }
    const view = tag >= 1 ? this.#views[tag - 1] : undefined;
    if (view === undefined || off > this.#lengths[tag - 1]! - size) {
      throw new EbpfRunError('out_of_bounds', pc, `${size}-byte access at 0x${(tag >>> 0).toString(16)}:${off} is outside every region`);
    }
    if (store && tag === REGION_STACK) this.#stackDirty = true;
    this.#cur = view;
    return off;
  }

  // Loads return the value as an int32 (ld64 leaves the high half in T.hi); `at` is the pointer's
  // offset plus the instruction's, as a double.
  readonly ld8 = (hi: number, at: number, pc: number): number => {
    const off = this.#resolve(hi, at, 1, pc, false);
    return this.#cur.getUint8(off);
  };
  readonly ld16 = (hi: number, at: number, pc: number): number => {
    const off = this.#resolve(hi, at, 2, pc, false);
    return this.#cur.getUint16(off, true);
  };
  readonly ld32 = (hi: number, at: number, pc: number): number => {
    const off = this.#resolve(hi, at, 4, pc, false);
    return this.#cur.getInt32(off, true);
  };
  readonly ld64 = (hi: number, at: number, pc: number): number => {
    const off = this.#resolve(hi, at, 8, pc, false);
    this.T.hi = this.#cur.getInt32(off + 4, true);
    return this.#cur.getInt32(off, true);
  };
  readonly st8 = (hi: number, at: number, v: number, pc: number): void => {
    const off = this.#resolve(hi, at, 1, pc, true);
    this.#cur.setUint8(off, v & 0xff);
  };
  readonly st16 = (hi: number, at: number, v: number, pc: number): void => {
    const off = this.#resolve(hi, at, 2, pc, true);
    this.#cur.setUint16(off, v & 0xffff, true);
  };
  readonly st32 = (hi: number, at: number, v: number, pc: number): void => {
    const off = this.#resolve(hi, at, 4, pc, true);
    this.#cur.setInt32(off, v, true);
  };
  readonly st64 = (hi: number, at: number, lo: number, vhi: number, pc: number): void => {
    const off = this.#resolve(hi, at, 8, pc, true);
    this.#cur.setInt32(off, lo, true);
    this.#cur.setInt32(off + 4, vhi, true);
  };

  /**
   * Applies an atomic (kernel ___bpf_prog_run's ATOMIC cases): `op` 0 add, 1 or, 2 and, 3 xor,
   * 4 xchg, 5 cmpxchg; returns the old value (low half; high half in T.hi). cmpxchg compares with
   * the expected value (r0) passed in exp.
   */
  readonly atomic = (op: number, wide: number, hi: number, at: number, vl: number, vh: number, el: number, eh: number, pc: number): number => {
    const size = wide ? 8 : 4;
    at = this.#resolve(hi, at, size, pc, true);
    const view = this.#cur;
    const ol = view.getInt32(at, true);
    const oh = wide ? view.getInt32(at + 4, true) : 0;
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
    view.setInt32(at, nl, true);
    if (wide) view.setInt32(at + 4, nh, true);
    this.T.hi = oh;
    return ol;
  };

  /** Legacy packet load in network byte order (@ea/ebpf's legacy.ts); -1 when it fails (the program then ends with 0). */
  readonly ldpkt = (at: number, size: number): number => {
    const off = legacyLoadAt(at, size, this.ctxLength);
    if (off < 0) return -1;
    const view = this.#views[0]!;
    return size === 1 ? view.getUint8(off) : size === 2 ? view.getUint16(off) : view.getUint32(off);
  };

  /**
   * Calls helper `idl:idh` with r1-r5 as pairs; returns r0 (T.hi its high half; T.stop on exit).
   * A helper with a pair form (`pairs`) is called with the pairs as they are; otherwise they
   * become BigInts for the reference form.
   */
  readonly helper = (idl: number, idh: number, a: readonly number[], pc: number): number => {
    const fn = idh === 0 ? this.helpers?.get(idl >>> 0) : undefined;
    if (fn === undefined) throw new EbpfRunError('unknown_helper', pc, `no helper ${big(idl, idh)}`);
    // A helper may write through a stack pointer it was given.
    this.#stackDirty = true;
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

  /** Builds the helpers' Memory over this run's views (they see the same bytes); enter keeps it in step. */
  #memoryFacade(): Memory {
    const views = this.#views;
    const bytes = (v: DataView): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    // The run's own stack, not a fresh 4 KiB one per run: a program that calls a helper per packet
    // spent most of its time allocating and collecting stacks.
    const memory = new Memory(bytes(views[0]!), views.slice(2).map(bytes), views[REGION_STACK - 1]!);
    // Memory makes its own views of the same bytes; share ours, so enter's updates reach it.
    views.forEach((view, i) => {
      memory.views[i] = view;
    });
    this.#memory = memory;
    return memory;
  }

  readonly udiv64 = (al: number, ah: number, bl: number, bh: number): number => udiv64(this.T, al, ah, bl, bh);
  readonly umod64 = (al: number, ah: number, bl: number, bh: number): number => umod64(this.T, al, ah, bl, bh);
  readonly sdiv64 = (al: number, ah: number, bl: number, bh: number): number => sdiv64(this.T, al, ah, bl, bh);
  readonly smod64 = (al: number, ah: number, bl: number, bh: number): number => smod64(this.T, al, ah, bl, bh);

  /** Shifts by a register count (masked to 6 bits): left, logical right, arithmetic right. */
  readonly shl64 = (lo: number, hi: number, n: number): number => shl64(this.T, lo, hi, n);
  readonly shr64 = (lo: number, hi: number, n: number): number => shr64(this.T, lo, hi, n);
  readonly sar64 = (lo: number, hi: number, n: number): number => sar64(this.T, lo, hi, n);

  /** Throws unless extra region `index` exists in this run (lddw map_value). */
  readonly region = (index: number, pc: number): void => {
    if (index + 2 >= this.#views.length) throw new EbpfRunError('out_of_bounds', pc, `lddw names region ${index}, the run has ${this.#views.length - 2}`);
  };

  /** Throws the call-depth error. */
  readonly depth = (pc: number): never => {
    throw new EbpfRunError('call_depth', pc, 'more than 8 frames');
  };
  /** Throws the budget error. */
  readonly budget = (pc: number, limit: number): never => {
    throw new EbpfRunError('budget', pc, `more than ${limit} instructions`);
  };
}

/** Returns r10's offset for call depth `depth`. */
export const frameOffset = (depth: number): number => STACK_BYTES - depth * MAX_BPF_STACK;

export { REGION_CTX, REGION_EXTRA };
