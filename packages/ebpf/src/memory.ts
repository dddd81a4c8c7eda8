/**
 * The memory a program sees, as regions, and how pointers name them.
 *
 * A pointer is a 64-bit value whose high 32 bits are a region tag and whose low 32 bits are a
 * byte offset into that region: tag 1 is the context (the uBPF-style input memory, or the packet),
 * tag 2 the stack (MAX_CALL_FRAMES frames of 512 bytes, the entry frame at the top), tags 3 and up
 * the caller's extra regions (map values; lddw src 2/6 names them by index). Tag 0 is not a
 * region, so small integers are never valid addresses. Every load, store and atomic goes through
 * `resolve`, which refuses a tag that names no region and an access that does not fit wholly inside
 * one: an address computed past either end changes the offset out of range or the tag itself, and
 * both fail. Pointers can be forged (they are plain integers) but only ever reach this run's own
 * regions. In an engine that keeps registers as int32 pairs, the high half is the tag and the low
 * half the offset, so a check costs two integer compares.
 */
import { EbpfRunError } from './errors.js';
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from './opcodes.js';

/** Tags the context region (r1 at entry). */
export const REGION_CTX = 1;
/** Tags the stack region. */
export const REGION_STACK = 2;
/** Tags the first extra region (map value 0). */
export const REGION_EXTRA = 3;
/** Bytes of the whole stack region. */
export const STACK_BYTES = MAX_BPF_STACK * MAX_CALL_FRAMES;

/** Returns the 64-bit pointer to `offset` in region `tag`. */
export function pointer(tag: number, offset: number): bigint {
  return (BigInt(tag) << 32n) | BigInt(offset >>> 0);
}

/** Returns r10 for call depth `depth` (0 = entry frame): the top of that frame's 512 bytes. */
export function framePointer(depth: number): bigint {
  return pointer(REGION_STACK, STACK_BYTES - depth * MAX_BPF_STACK);
}

// One zeroed stack kept for the next run: allocating 4 KiB per run cost more than a short program.
let spare: DataView | null = null;

function freshStack(): DataView {
  const stack = spare;
  if (stack === null) return new DataView(new ArrayBuffer(STACK_BYTES));
  spare = null;
  new Uint8Array(stack.buffer).fill(0);
  return stack;
}

const bytesOf = (v: DataView): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Is the set of regions of one run. */
export class Memory {
  /** Views indexed by tag - 1 (an engine may replace a region's view between runs). */
  readonly views: DataView[];
  /** `stack`: an existing stack to share (a JIT's, for its helpers) instead of a fresh zeroed one. */
  constructor(ctx: Uint8Array, extra: readonly Uint8Array[] = [], stack?: DataView) {
    const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.views = [view(ctx), stack ?? freshStack(), ...extra.map(view)];
  }

  /** The context's bytes, as the views stand now. */
  get ctx(): Uint8Array {
    return bytesOf(this.views[REGION_CTX - 1]!);
  }

  /** The extra regions' bytes, as the views stand now. */
  get extra(): Uint8Array[] {
    return this.views.slice(REGION_EXTRA - 1).map(bytesOf);
  }

  /** Returns the stack to the pool for the next run (after which this Memory must not be used). */
  release(): void {
    const stack = this.views[REGION_STACK - 1];
    if (stack !== undefined && spare === null) spare = stack;
  }

  /** The offset within its region of the address the last resolve() accepted. */
  at = 0;

  /**
   * Returns the view of the region an access of `size` bytes at `address` falls in, with the offset
   * in `this.at`, or throws EbpfRunError('out_of_bounds') naming the pc.
   */
  resolve(address: bigint, size: number, pc: number): DataView {
    const tag = Number(address >> 32n);
    const at = Number(address & 0xffffffffn);
    const view = tag >= 1 ? this.views[tag - 1] : undefined;
    if (view === undefined) throw new EbpfRunError('out_of_bounds', pc, `0x${address.toString(16)} is not a pointer into any region`);
    if (at + size > view.byteLength) {
      throw new EbpfRunError('out_of_bounds', pc, `${size}-byte access at offset ${at} of a ${view.byteLength}-byte ${regionName(tag)} region`);
    }
    this.at = at;
    return view;
  }

  /**
   * Resolves a pointer given as int32 halves (`hi` the tag, `lo` the offset) as resolve() does,
   * without a BigInt: what a PairHelper uses for its pointer arguments.
   */
  resolvePair(hi: number, lo: number, size: number, pc: number): DataView {
    const at = lo >>> 0;
    const view = hi >= 1 ? this.views[hi - 1] : undefined;
    if (view === undefined || at + size > view.byteLength) return this.resolve(pointer(hi >>> 0, at), size, pc);
    this.at = at;
    return view;
  }

  /** Reads an unsigned little-endian value of 1, 2, 4 or 8 bytes. */
  load(address: bigint, size: number, pc: number): bigint {
    const view = this.resolve(address, size, pc);
    const at = this.at;
    switch (size) {
      case 1: return BigInt(view.getUint8(at));
      case 2: return BigInt(view.getUint16(at, true));
      case 4: return BigInt(view.getUint32(at, true));
      default: return view.getBigUint64(at, true);
    }
  }

  /** Writes the low `size` bytes of `value`, little-endian. */
  store(address: bigint, size: number, value: bigint, pc: number): void {
    const view = this.resolve(address, size, pc);
    const at = this.at;
    switch (size) {
      case 1: view.setUint8(at, Number(value & 0xffn)); break;
      case 2: view.setUint16(at, Number(value & 0xffffn), true); break;
      case 4: view.setUint32(at, Number(value & 0xffffffffn), true); break;
      default: view.setBigUint64(at, BigInt.asUintN(64, value), true);
    }
  }
}

/** Names a region tag for messages. */
export function regionName(tag: number): string {
  return tag === REGION_CTX ? 'context' : tag === REGION_STACK ? 'stack' : `extra #${tag - REGION_EXTRA}`;
}
