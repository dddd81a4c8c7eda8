/**
 * Many packets in one call: a capture held in memory (one view, each packet at an offset, as
 * libpcap's pcap_offline_filter loops over bpf_filter(buffer, wirelen, buflen)). Both engines
 * take the same PacketBatch; the JIT runs its loop inside the generated code, the interpreter
 * runs the loop here. The batch is checked once (typed arrays long enough), each packet's
 * `[offset, offset + length)` as it comes, so a bad entry names its index.
 */
import type { PacketContext } from './context.js';
import { InterpreterError } from './errors.js';

/** Per-packet u32 (or non-negative int32) numbers: offsets, lengths, wire lengths. */
export type PacketIndex = Int32Array | Uint32Array;

/**
 * Packets laid out in one buffer. Packet `i` is `lengths[i]` bytes at `offsets[i]` in `data`;
 * the optional arrays give what the kernel would take from the skb, and `context` the fields
 * every packet shares (ifindex, mark, ...; see PacketContext).
 */
export interface PacketBatch {
  /** One view over every packet. */
  readonly data: DataView;
  /** Where each packet starts in `data`. */
  readonly offsets: PacketIndex;
  /** Each packet's captured (readable) length. */
  readonly lengths: PacketIndex;
  /** Each packet's `skb->len` (`ld #len`). Default: its captured length. */
  readonly wireLengths?: PacketIndex;
  /** Each packet's SKF_NET_OFF base, relative to its start. Default: `context.networkOffset` or 0. */
  readonly networkOffsets?: Int32Array;
  /** Each packet's SKF_LL_OFF base; a negative entry means no MAC header. Default: `context.linkOffset`. */
  readonly linkOffsets?: Int32Array;
  /** Each packet's SKF_AD_PROTOCOL (`ntohs(skb->protocol)`). Default: `context.protocol` or 0. */
  readonly protocols?: Uint16Array | PacketIndex;
  /** Fields shared by every packet (data, offset, length and wireLength are ignored). */
  readonly context?: Omit<PacketContext, 'data'>;
  /** How many packets (default `offsets.length`). */
  readonly count?: number;
}

function isIndex(a: unknown): a is PacketIndex {
  return a instanceof Int32Array || a instanceof Uint32Array;
}

function bad(message: string): InterpreterError {
  return new InterpreterError('BAD_INPUT', `PacketBatch: ${message}`);
}

/**
 * Checks a batch's shape and returns its packet count: `data` a DataView, the per-packet arrays
 * typed (so indexing them runs no user code) and long enough, `results` (if given) a Uint32Array
 * with room for every result. Throws InterpreterError 'BAD_INPUT' naming the field. Runs at
 * every runBatch call, so it allocates nothing (no closures; messages are built only to throw).
 */
export function batchCount(batch: PacketBatch, results?: Uint32Array): number {
  if (typeof batch !== 'object' || batch === null) throw bad('not an object');
  if (!(batch.data instanceof DataView)) throw bad('data must be a DataView');
  if (!isIndex(batch.offsets)) throw bad('offsets must be an Int32Array or Uint32Array');
  const count = batch.count ?? batch.offsets.length;
  if (!Number.isInteger(count) || count < 0 || count > batch.offsets.length) {
    throw bad(`count ${String(count)} is not an integer in [0, ${batch.offsets.length}]`);
  }
  if (!isIndex(batch.lengths)) throw badKind('lengths', INDEX);
  checkLength('lengths', batch.lengths, count);
  const { wireLengths, networkOffsets, linkOffsets, protocols } = batch;
  if (wireLengths !== undefined) {
    if (!isIndex(wireLengths)) throw badKind('wireLengths', INDEX);
    checkLength('wireLengths', wireLengths, count);
  }
  if (networkOffsets !== undefined) {
    if (!(networkOffsets instanceof Int32Array)) throw badKind('networkOffsets', 'an Int32Array');
    checkLength('networkOffsets', networkOffsets, count);
  }
  if (linkOffsets !== undefined) {
    if (!(linkOffsets instanceof Int32Array)) throw badKind('linkOffsets', 'an Int32Array');
    checkLength('linkOffsets', linkOffsets, count);
  }
  if (protocols !== undefined) {
    if (!(isIndex(protocols) || protocols instanceof Uint16Array)) throw badKind('protocols', 'a Uint16Array, Int32Array or Uint32Array');
    checkLength('protocols', protocols, count);
  }
  if (results !== undefined) {
    if (!(results instanceof Uint32Array)) throw badKind('results', 'a Uint32Array');
    checkLength('results', results, count);
  }
  return count;
}

const INDEX = 'an Int32Array or Uint32Array';

function badKind(name: string, kind: string): InterpreterError {
  return bad(`${name} must be ${kind}`);
}

/** Throws unless the typed array `a` (field `name`) has at least `count` entries. */
function checkLength(name: string, a: PacketIndex | Uint16Array, count: number): void {
  if (a.length < count) throw bad(`${name} has ${a.length} entries, fewer than count ${count}`);
}

/** Returns the one context a batch run moves from packet to packet (it allocates nothing after). */
export function batchContext(batch: PacketBatch): PacketContext {
  // Every field present from the start, so the object keeps one shape while it moves.
  return {
    ...batch.context,
    data: batch.data,
    offset: 0,
    length: 0,
    wireLength: 0,
    networkOffset: batch.context?.networkOffset ?? 0,
    linkOffset: batch.context?.linkOffset,
    protocol: batch.context?.protocol ?? 0,
  };
}

/**
 * An engine's one reusable batch context, so that a batch call allocates no context of its own.
 * `take` resets every field for the new batch (the fields batchContext gives, in the same
 * shape); while the context is in use (a batch's `random` that runs the same engine again), it
 * returns a fresh one instead, so a nested run never moves an outer run's context.
 */
export class BatchContexts {
  private ctx: PacketContext | null = null;
  private busy = false;

  /** Returns a context for a run over `batch`; hand it back with `release` (also on a throw). */
  take(batch: PacketBatch): PacketContext {
    if (this.busy) return batchContext(batch);
    this.busy = true;
    if (this.ctx === null) this.ctx = batchContext(batch);
    else resetContext(this.ctx, batch);
    return this.ctx;
  }

  /** Ends the run that took `ctx`. */
  release(ctx: PacketContext): void {
    if (ctx === this.ctx) this.busy = false;
  }
}

/** The PacketContext fields, all writable (exactOptionalPropertyTypes: absent is undefined). */
type Fields = { -readonly [K in keyof PacketContext]-?: PacketContext[K] | undefined };

/**
 * Makes `ctx` what batchContext(batch) would return, without allocating: every field written
 * by name (a loop over names read them by key, which allocated on every call).
 */
function resetContext(ctx: PacketContext, batch: PacketBatch): void {
  const shared = batch.context;
  const fields = ctx as Fields;
  fields.pktType = shared?.pktType;
  fields.ifindex = shared?.ifindex;
  fields.hatype = shared?.hatype;
  fields.mark = shared?.mark;
  fields.queue = shared?.queue;
  fields.rxhash = shared?.rxhash;
  fields.cpu = shared?.cpu;
  fields.vlanTci = shared?.vlanTci;
  fields.vlanPresent = shared?.vlanPresent;
  fields.vlanTpid = shared?.vlanTpid;
  fields.payOffset = shared?.payOffset;
  fields.random = shared?.random;
  ctx.data = batch.data;
  ctx.offset = 0;
  ctx.length = 0;
  ctx.wireLength = 0;
  ctx.networkOffset = shared?.networkOffset ?? 0;
  ctx.linkOffset = shared?.linkOffset;
  ctx.protocol = shared?.protocol ?? 0;
}

/** Returns the InterpreterError for packet `index` not lying inside the batch's view. */
export function badPacket(batch: PacketBatch, index: number): InterpreterError {
  const total = batch.data.byteLength;
  return bad(
    `packet ${index}: offset ${String(batch.offsets[index])} length ${String(batch.lengths[index])} ` +
      `does not lie inside the ${total}-byte view`,
  );
}

/**
 * Points `ctx` at packet `index` (its start `base`, readable length `len`, and the per-packet
 * fields the batch has). The JIT calls it only on the rare paths that read the context.
 */
export function moveContext(ctx: PacketContext, batch: PacketBatch, index: number, base: number, len: number): void {
  ctx.offset = base;
  ctx.length = len;
  ctx.wireLength = batch.wireLengths === undefined ? len : batch.wireLengths[index]! >>> 0;
  if (batch.networkOffsets !== undefined) ctx.networkOffset = batch.networkOffsets[index]!;
  if (batch.linkOffsets !== undefined) {
    const link = batch.linkOffsets[index]!;
    ctx.linkOffset = link < 0 ? undefined : link;
  }
  if (batch.protocols !== undefined) ctx.protocol = batch.protocols[index]!;
}

/**
 * Returns the context the run loop's rare paths read (ancillary fields, negative offsets) for
 * packet `index` of `batch`, which starts at `base` with `len` readable bytes: `ctx` moved there.
 * A single run (no batch) was given its packet's own context, returned as it is.
 */
export function contextAt(ctx: PacketContext | null, batch: PacketBatch | null, index: number, base: number, len: number): PacketContext {
  if (batch !== null) moveContext(ctx!, batch, index, base, len);
  return ctx!;
}

/**
 * Runs `run` over every packet of a checked batch, writing each result to `results` when given;
 * returns how many results were non-zero (libpcap's match count).
 */
export function runBatchWith(run: (ctx: PacketContext) => number, batch: PacketBatch, count: number, results?: Uint32Array): number {
  const ctx = batchContext(batch);
  const total = batch.data.byteLength;
  const { offsets, lengths } = batch;
  let matched = 0;
  for (let i = 0; i < count; i++) {
    const base = offsets[i]!;
    const len = lengths[i]!;
    if (!(base >= 0 && len >= 0 && base + len <= total)) throw badPacket(batch, i);
    moveContext(ctx, batch, i, base, len);
    const r = run(ctx);
    if (results !== undefined) results[i] = r;
    if (r !== 0) matched++;
  }
  return matched;
}
