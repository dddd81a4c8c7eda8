/**
 * Many packets in one call: a capture held in memory (one view, each packet at an offset, as
 * libpcap's pcap_offline_filter loops over bpf_filter(buffer, wirelen, buflen)). Both engines
 * take the same PacketBatch; the JIT runs its loop inside the generated code, the interpreter
 * in its run loop (loop.ts), packet after packet. The batch is checked once (typed arrays long enough), each packet's
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

/** Returns the InterpreterError for packet `index` not lying inside the batch's view. */
export function badPacket(batch: PacketBatch, index: number): InterpreterError {
  const total = batch.data.byteLength;
  return bad(
    `packet ${index}: offset ${String(batch.offsets[index])} length ${String(batch.lengths[index])} ` +
      `does not lie inside the ${total}-byte view`,
  );
}
