/**
 * A capture as the engines' PacketBatch sees it (`@ea/interpreter`): one view over every packet,
 * the per-packet offsets and lengths the capture already has, and what the kernel would take
 * from the skb: where the network header starts (SKF_NET_OFF), whether there is a MAC header
 * (SKF_LL_OFF) and `skb->protocol`. Structural, so this package needs no engine.
 */
import type { Capture } from './capture.js';
import { LINKTYPE_ETHERNET, networkOffset } from './linktype.js';

/** The fields of a PacketBatch, filled from a capture. */
export interface CaptureBatch {
  readonly data: DataView;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
  readonly wireLengths: Uint32Array;
  /** Where each packet's network header starts (after any VLAN tags for Ethernet). */
  readonly networkOffsets: Int32Array;
  /** 0 for Ethernet frames (the MAC header is the packet's start), -1 (none) otherwise. */
  readonly linkOffsets: Int32Array;
  /** The EtherType after any VLAN tags for Ethernet frames (0 when too short to say, and for other link types). */
  readonly protocols: Uint16Array;
  readonly count: number;
}

/** Returns a capture as a batch (the byte buffer and length arrays are shared, not copied). */
export function captureBatch(capture: Capture): CaptureBatch {
  const { data, offsets, capLengths, linkTypes, count } = capture;
  const networkOffsets = new Int32Array(count);
  const linkOffsets = new Int32Array(count);
  const protocols = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const start = offsets[i]!;
    const length = capLengths[i]!;
    const net = networkOffset(linkTypes[i]!, data, start, length);
    networkOffsets[i] = net;
    if (linkTypes[i] === LINKTYPE_ETHERNET) {
      linkOffsets[i] = 0;
      if (net >= 14) protocols[i] = (data[start + net - 2]! << 8) | data[start + net - 1]!;
    } else {
      linkOffsets[i] = -1;
    }
  }
  return {
    data: new DataView(data.buffer, data.byteOffset, data.byteLength),
    offsets,
    lengths: capLengths,
    wireLengths: capture.wireLengths,
    networkOffsets,
    linkOffsets,
    protocols,
    count,
  };
}
