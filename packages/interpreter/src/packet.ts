/**
 * Packet access for socket filters, as the kernel's converted program performs it
 * (net/core/filter.c: bpf_skb_load_helper_*, bpf_internal_load_pointer_neg_helper,
 * bpf_skb_get_nlattr, bpf_skb_get_nlattr_nest). Every function here is shared with the JIT,
 * which calls it for the rare paths (negative offsets, netlink attributes).
 */
import { SKF_LL_OFF, SKF_NET_OFF } from '@ea/bpf';
import type { PacketBatch } from './batch.js';
import { contextAt } from './batch-context.js';
import type { PacketContext } from './context.js';
import { InterpreterError } from './errors.js';
import { checkPacket } from './input.js';

/** SKF_NET_OFF and SKF_LL_OFF as the signed 32-bit offsets the kernel compares against. */
const NET_OFF = SKF_NET_OFF | 0;
const LL_OFF = SKF_LL_OFF | 0;

/**
 * Returns how many bytes of the packet are readable (`ctx.length`, default the rest of `data`
 * after `ctx.offset`), after checking that `[offset, offset + length)` lies inside `ctx.data`;
 * throws InterpreterError 'BAD_INPUT' when it does not (or `data` is not a DataView), so that no
 * load can ever read outside the packet. Both engines call it once per run.
 */
export function packetLength(ctx: PacketContext): number {
  checkPacket(ctx, 'run');
  const data = ctx.data;
  if (!(data instanceof DataView)) throw new InterpreterError('BAD_INPUT', 'PacketContext.data must be a DataView');
  const total = data.byteLength;
  const offset = ctx.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > total) {
    throw new InterpreterError('BAD_INPUT', `PacketContext.offset ${String(offset)} is not an integer in [0, ${total}]`);
  }
  const length = ctx.length ?? total - offset;
  if (!Number.isInteger(length) || length < 0 || length > total - offset) {
    throw new InterpreterError(
      'BAD_INPUT',
      `PacketContext.length ${String(length)} is not an integer in [0, ${total - offset}] (offset ${offset})`,
    );
  }
  return length;
}

/**
 * Resolves a negative load offset `off` (signed 32-bit) to a position in the packet (relative to
 * `ctx.offset`, like networkOffset and linkOffset), or returns
 * -1 when the kernel's load fails: below SKF_LL_OFF, a link-layer offset on a packet without a
 * MAC header, or a position before the start of the data we hold. The caller still checks the
 * end (`pos + size <= length`), as bpf_internal_load_pointer_neg_helper checks the tail.
 */
export function negativeOffset(ctx: PacketContext, off: number): number {
  let pos: number;
  if (off >= NET_OFF) {
    pos = (ctx.networkOffset ?? 0) + (off - NET_OFF);
  } else if (off >= LL_OFF) {
    if (ctx.linkOffset === undefined) return -1;
    pos = ctx.linkOffset + (off - LL_OFF);
  } else {
    return -1;
  }
  return pos >= 0 ? pos : -1;
}

/**
 * Loads `size` (1, 2 or 4) bytes big-endian at the signed 32-bit offset `off`, as LD ABS, LD IND
 * and LDX MSH do; returns -1 when the load fails (the program then returns 0 at once).
 */
export function loadPacket(ctx: PacketContext, off: number, size: number): number {
  const data = ctx.data;
  // The engines checked offset and length (packetLength) before running.
  const base = ctx.offset ?? 0;
  const length = ctx.length ?? data.byteLength - base;
  const pos = off >= 0 ? off : negativeOffset(ctx, off);
  if (pos < 0 || pos + size > length) return -1;
  if (size === 4) return data.getUint32(base + pos);
  if (size === 2) return data.getUint16(base + pos);
  return data.getUint8(base + pos);
}

/**
 * Returns X of `ldx 4*([k]&0xf)`, 4 * (the packet byte at k & 0xf), or -1 when the load fails:
 * the run loop's one copy of it (PKT_MSH and its superinstructions). The packet is `size` bytes
 * at `base` in `view`; a negative k or a failure goes through loadPacket, over `ctx` pointed at
 * packet `index` of `batch` (contextAt).
 */
export function nibbleAt(
  view: DataView,
  base: number,
  size: number,
  ctx: PacketContext | null,
  batch: PacketBatch | null,
  index: number,
  k: number,
): number {
  const byte = k >= 0 && k < size ? view.getUint8(base + k) : loadPacket(contextAt(ctx, batch, index, base, size), k, 1);
  return byte < 0 ? -1 : (byte & 0xf) << 2;
}

/** sizeof(struct nlattr) = NLA_HDRLEN: u16 nla_len, u16 nla_type, in host byte order. */
const NLA_HDRLEN = 4;
/** NLA_TYPE_MASK: nla_type without NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
const NLA_TYPE_MASK = 0x3fff;

/**
 * nla_find over packet bytes `[start, start + rem)` (the packet starts at `base` in `data`): the offset of the first attribute whose type is
 * `type`, or 0. Walks while a whole, self-consistent header fits (nla_ok), stepping by the
 * 4-byte-aligned length (nla_next).
 */
function nlaFind(data: DataView, base: number, start: number, rem: number, type: number, little: boolean): number {
  let pos = start;
  while (rem >= NLA_HDRLEN) {
    const len = data.getUint16(base + pos, little);
    if (len < NLA_HDRLEN || len > rem) return 0;
    if ((data.getUint16(base + pos + 2, little) & NLA_TYPE_MASK) === type) return pos;
    const step = (len + 3) & ~3;
    rem -= step;
    pos += step;
  }
  return 0;
}

/**
 * Computes SKF_AD_NLATTR: treats the packet from offset `a` as netlink attributes and returns the offset
 * of the first one of type `x`, or 0 (bpf_skb_get_nlattr). `little` is the host byte order. The
 * packet is `len` bytes at `base` in `data`; offsets in and out are relative to the packet.
 */
export function nlattr(data: DataView, base: number, len: number, a: number, x: number, little: boolean): number {
  if (len < NLA_HDRLEN || a > len - NLA_HDRLEN) return 0;
  return nlaFind(data, base, a, len - a, x, little);
}

/**
 * Computes SKF_AD_NLATTR_NEST: treats the attribute at offset `a` as a nest and returns the offset of its
 * first child of type `x`, or 0 (bpf_skb_get_nlattr_nest). `base` and `len` as in nlattr.
 */
export function nlattrNest(data: DataView, base: number, len: number, a: number, x: number, little: boolean): number {
  if (len < NLA_HDRLEN || a > len - NLA_HDRLEN) return 0;
  const nestLen = data.getUint16(base + a, little);
  if (nestLen > len - a) return 0;
  return nlaFind(data, base, a + NLA_HDRLEN, nestLen - NLA_HDRLEN, x, little);
}
