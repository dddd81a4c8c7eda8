/**
 * Bound regions: extra regions a caller gives once and then runs on many times with only region
 * 0 swapped per run (an object's maps and globals, and a packet). Comparing every region on every
 * run cost an eBPF object with 64 map values ~200 ns per packet on node 20; a binding instead
 * checks, per run, only that none of the bound regions' buffers was detached or resized (one
 * length per distinct buffer), and takes region 0 as a window (`data`, `offset`, `length`), so a
 * capture's packets need no subarray.
 *
 * What keeps this sound without trusting the caller: the binding holds its own copy of the list
 * (a later change to the caller's array is not seen: bind again), and it refuses regions over a
 * resizable or growable buffer, so a bound region's bytes can change but its place and length
 * cannot, unless its buffer is detached, which the per-run check catches.
 */
import { EbpfRunError } from './errors.js';

/** Is a list of regions bound once, for runs that swap region 0 only (made by bindRegions). */
export interface RegionBinding {
  /** The regions as the engines take them: index 0 a placeholder for the per-run window. */
  readonly list: readonly Uint8Array[];
  /** The distinct buffers of the bound regions and their byte lengths when bound. */
  readonly buffers: readonly ArrayBufferLike[];
  readonly sizes: readonly number[];
}

const PLACEHOLDER = new Uint8Array(0);

/** Checks regions 1.. for binding (Uint8Arrays of less than 2 GiB over fixed-length buffers) and binds them. */
export function bindRegions(rest: unknown): RegionBinding {
  if (!Array.isArray(rest)) throw new EbpfRunError('bad_input', -1, 'bound regions must be an array of Uint8Arrays');
  const buffers: ArrayBufferLike[] = [];
  rest.forEach((region: unknown, i) => {
    if (!(region instanceof Uint8Array) || region.length > 0x7fffffff) throw new EbpfRunError('bad_input', -1, `bound region ${i + 1} must be a Uint8Array of less than 2 GiB`);
    const buffer = region.buffer as ArrayBufferLike & { resizable?: boolean; growable?: boolean };
    if (buffer.resizable === true || buffer.growable === true) {
      throw new EbpfRunError('bad_input', -1, `bound region ${i + 1} is over a resizable buffer; pass it per run instead`);
    }
    if (!buffers.includes(buffer)) buffers.push(buffer);
  });
  return { list: [PLACEHOLDER, ...(rest as Uint8Array[])], buffers, sizes: buffers.map((b) => b.byteLength) };
}

/** Throws unless every buffer of a binding still has its length (a detached buffer has none). */
export function checkBinding(binding: RegionBinding): void {
  const { buffers, sizes } = binding;
  for (let i = 0; i < buffers.length; i++) {
    if (buffers[i]!.byteLength !== sizes[i]) throw new EbpfRunError('bad_input', -1, 'a bound region\'s buffer was detached since bind()');
  }
}

/**
 * Returns the length of the window a bound run takes as region 0 (`length` bytes at `offset` of
 * `data`; `length` undefined: the rest of `data`), or throws unless it lies inside `data`.
 */
export function windowLength(data: unknown, offset: unknown, length: unknown): number {
  if (!(data instanceof Uint8Array)) throw new EbpfRunError('bad_input', -1, 'region 0 must be a Uint8Array');
  const n = length === undefined && typeof offset === 'number' ? data.length - offset : length;
  if (!(Number.isInteger(offset) && Number.isInteger(n) && (offset as number) >= 0 && (n as number) >= 0 && (offset as number) + (n as number) <= data.length)) {
    throw new EbpfRunError('bad_input', -1, `region 0: ${String(n)} bytes at ${String(offset)} are outside its ${data.length}`);
  }
  return n as number;
}

/**
 * Runs a program with regions 1.. bound (bind()) and region 0 the window `length` bytes at
 * `offset` of `data` (default: all of `data`); returns r0's low 32 bits, unsigned.
 */
export type RunBound32 = (input: Uint8Array, data: Uint8Array, offset?: number, length?: number) => number;

/** What an engine's bind() returns: runs on the bound regions; `high()` is r0's high 32 bits of the last run. */
export interface BoundEbpf {
  readonly run32: RunBound32;
  readonly high: () => number;
}
