/**
 * The context a batch run moves from packet to packet: the rare paths of both engines' batch
 * loops (ancillary fields, negative offsets, out-of-range indirect loads) read a PacketContext,
 * so a batch call has one, the engine's own (BatchContexts, reused call after call), pointed at
 * a packet only when one of those paths runs (moveContext, contextAt).
 */
import { badPacket, type PacketBatch } from './batch.js';
import type { PacketContext } from './context.js';

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
 * returns how many results were non-zero (libpcap's match count). `ctx` is the context to move
 * from packet to packet (BatchContexts.take), else a fresh one.
 */
export function runBatchWith(
  run: (ctx: PacketContext) => number,
  batch: PacketBatch,
  count: number,
  results?: Uint32Array,
  ctx: PacketContext = batchContext(batch),
): number {
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
