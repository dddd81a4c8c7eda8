/**
 * Writers for pcap and pcapng, used by the capture generator, the tests (both
 * byte orders, both timestamp precisions, several pcapng interfaces) and the
 * benchmarks, which hand the same file to the C harnesses.
 */
import type { Capture } from './capture.js';
import { PCAP_HEADER_SIZE, PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, PCAP_RECORD_HEADER_SIZE } from './pcap.js';
import { BLOCK_EPB, BLOCK_IDB, BLOCK_SHB, BYTE_ORDER_MAGIC } from './pcapng.js';

/** Options of writePcap(): byte order (default little-endian), timestamp precision and snap length. */
export interface PcapWriteOptions {
  readonly littleEndian?: boolean;
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. */
  readonly nanosecond?: boolean;
  /**
   * The header's snap length (default 262144). Records are written whole: readers (libpcap and
   * ours) keep only the first snapLength bytes of a longer one, so this makes such files.
   */
  readonly snapLength?: number;
}

/** Serializes a capture (one link type: the first packet's, or Ethernet when empty) as a pcap file. */
export function writePcap(capture: Capture, options: PcapWriteOptions = {}): Uint8Array {
  const little = options.littleEndian ?? true;
  const nano = options.nanosecond ?? false;
  let size = PCAP_HEADER_SIZE;
  for (let i = 0; i < capture.count; i++) size += PCAP_RECORD_HEADER_SIZE + capture.capLengths[i]!;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, nano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, little);
  view.setUint16(4, 2, little);
  view.setUint16(6, 4, little);
  view.setUint32(16, options.snapLength ?? 262_144, little);
  view.setUint32(20, capture.count > 0 ? capture.linkTypes[0]! : 1, little);
  let off = PCAP_HEADER_SIZE;
  for (let i = 0; i < capture.count; i++) {
    const cap = capture.capLengths[i]!;
    view.setUint32(off, capture.seconds[i]!, little);
    view.setUint32(off + 4, nano ? capture.nanoseconds[i]! : Math.floor(capture.nanoseconds[i]! / 1000), little);
    view.setUint32(off + 8, cap, little);
    view.setUint32(off + 12, capture.wireLengths[i]!, little);
    const start = capture.offsets[i]!;
    out.set(capture.data.subarray(start, start + cap), off + PCAP_RECORD_HEADER_SIZE);
    off += PCAP_RECORD_HEADER_SIZE + cap;
  }
  return out;
}

/** Options of writePcapng(): byte order (default little-endian) and the interfaces' snap length. */
export interface PcapngWriteOptions {
  readonly littleEndian?: boolean;
  /**
   * Every interface's snap length (default 0: no limit). Packets are written whole: a packet
   * longer than it makes a file libpcap and our reader refuse as corrupt.
   */
  readonly snapLength?: number;
}

/**
 * Serializes a capture as pcapng: one Interface Description Block per distinct
 * link type (in order of first appearance, nanosecond resolution) and one EPB per packet.
 */
export function writePcapng(capture: Capture, options: PcapngWriteOptions = {}): Uint8Array {
  const little = options.littleEndian ?? true;
  const ifaceOf = new Map<number, number>();
  for (let i = 0; i < capture.count; i++) {
    const lt = capture.linkTypes[i]!;
    if (!ifaceOf.has(lt)) ifaceOf.set(lt, ifaceOf.size);
  }
  const SHB = 28;
  const IDB = 20 + 8 + 4; // header+linktype/snaplen+trailer, if_tsresol option (8), opt_endofopt (4)
  let size = SHB + IDB * ifaceOf.size;
  for (let i = 0; i < capture.count; i++) size += 32 + ((capture.capLengths[i]! + 3) & ~3);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let off = 0;
  const block = (type: number, total: number): number => {
    view.setUint32(off, type, little);
    view.setUint32(off + 4, total, little);
    view.setUint32(off + total - 4, total, little);
    const body = off + 8;
    off += total;
    return body;
  };
  let b = block(BLOCK_SHB, SHB);
  view.setUint32(b, BYTE_ORDER_MAGIC, little);
  view.setUint16(b + 4, 1, little);
  view.setUint16(b + 6, 0, little);
  view.setBigInt64(b + 8, -1n, little);
  for (const lt of ifaceOf.keys()) {
    b = block(BLOCK_IDB, IDB);
    view.setUint16(b, lt, little);
    view.setUint32(b + 4, options.snapLength ?? 0, little);
    view.setUint16(b + 8, 9, little); // if_tsresol
    view.setUint16(b + 10, 1, little);
    view.setUint8(b + 12, 9); // 10^-9 seconds
    // b + 16: opt_endofopt (zeros)
  }
  for (let i = 0; i < capture.count; i++) {
    const cap = capture.capLengths[i]!;
    b = block(BLOCK_EPB, 32 + ((cap + 3) & ~3));
    const ts = BigInt(capture.seconds[i]!) * 1_000_000_000n + BigInt(capture.nanoseconds[i]!);
    view.setUint32(b, ifaceOf.get(capture.linkTypes[i]!)!, little);
    view.setUint32(b + 4, Number(ts >> 32n), little);
    view.setUint32(b + 8, Number(ts & 0xffff_ffffn), little);
    view.setUint32(b + 12, cap, little);
    view.setUint32(b + 16, capture.wireLengths[i]!, little);
    const start = capture.offsets[i]!;
    out.set(capture.data.subarray(start, start + cap), b + 20);
  }
  return out;
}

/** Builds a Capture from packet objects (copies their bytes into one buffer). */
export function captureFromPackets(
  list: readonly {
    readonly data: Uint8Array;
    readonly wireLength?: number;
    readonly linkType?: number;
    readonly timestamp?: { readonly seconds: number; readonly nanoseconds: number };
  }[],
): Capture {
  let total = 0;
  for (const p of list) total += p.data.length;
  const data = new Uint8Array(total);
  const n = list.length;
  const c = {
    count: n,
    data,
    offsets: new Int32Array(n),
    capLengths: new Int32Array(n),
    wireLengths: new Uint32Array(n),
    linkTypes: new Uint16Array(n),
    seconds: new Float64Array(n),
    nanoseconds: new Uint32Array(n),
  };
  let off = 0;
  list.forEach((p, i) => {
    data.set(p.data, off);
    c.offsets[i] = off;
    c.capLengths[i] = p.data.length;
    c.wireLengths[i] = p.wireLength ?? p.data.length;
    c.linkTypes[i] = p.linkType ?? 1;
    c.seconds[i] = p.timestamp?.seconds ?? 0;
    c.nanoseconds[i] = p.timestamp?.nanoseconds ?? 0;
    off += p.data.length;
  });
  return c;
}
