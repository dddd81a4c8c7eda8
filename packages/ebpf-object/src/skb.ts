/**
 * The `__sk_buff` context of socket filters (BPF_PROG_TYPE_SOCKET_FILTER) and tc classifiers
 * (BPF_PROG_TYPE_SCHED_CLS), filled as the kernel's BPF_PROG_TEST_RUN fills it for a packet
 * (bpf_prog_test_run_skb, net/bpf/test_run.c): the frame (at least ETH_HLEN bytes) goes through
 * eth_type_trans on the loopback device, which pulls the 14-byte Ethernet header, sets `protocol`
 * (the EtherType as the __be16 it is, so 0x0800 reads as 0x0008) and `pkt_type` (by the
 * destination MAC against loopback's all-zero address), and the device (ifindex 1). A socket
 * filter then sees the packet from the network header (`len` = frame - 14, LD_ABS 0 is the IP
 * header); a tc program gets the header pushed back (`len` = the frame, data at the MAC header).
 * The other fields a fresh skb has are 0 (mark, priority, queue_mapping, vlan_*, tc_index, cb,
 * hash, ...). Each run starts from a fresh context, as each BPF_PROG_TEST_RUN builds a new skb.
 *
 * Fields are read from the context region itself (a u32 each, at its offset in the uapi struct),
 * so narrow loads read the bytes the kernel's narrow-load rewrite gives on a little-endian host;
 * writes (cb[], mark, priority, tc_index for tc) land there for the rest of the run. tc's data,
 * data_end and data_meta are u32 fields the kernel rewrites into packet pointers
 * (bpf_convert_ctx_access); our context keeps the 64-bit pointers after the struct and the loads
 * are rewritten to read them (xdp.ts's contextLoads). A socket filter may not read them (the
 * verifier refuses it), so for it they stay plain zeros: any access through them fails closed.
 * `sk` is 0 here (the kernel's test run attaches a socket; we do not model one).
 */
import { type Helper, REGION_EXTRA, withPairs } from '@ea/ebpf';
import { ERRNO } from './errors.js';
import { SKB_LOAD_HELPERS } from './ldabs.js';

/** Offsets of `struct __sk_buff`'s fields (include/uapi/linux/bpf.h). */
export const SKB_FIELDS = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24, vlan_proto: 28,
  priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb: 48, hash: 68, tc_classid: 72, data: 76, data_end: 80,
  napi_id: 84, family: 88, data_meta: 140, flow_keys: 144, tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168, gso_size: 176,
  hwtstamp: 184,
} as const;

/** sizeof(struct __sk_buff). */
export const SKB_STRUCT_BYTES = 192;
/** Bytes of our context region: the struct, then data, data_end, data_meta as 64-bit pointers. */
export const SKB_CTX_BYTES = SKB_STRUCT_BYTES + 24;
/** __sk_buff's data, data_end, data_meta to where our context keeps the 64-bit pointers (tc only). */
export const SKB_POINTERS: Readonly<Record<number, number>> = { 76: 192, 80: 200, 140: 208 };

/** Ethernet header bytes (ETH_HLEN); BPF_PROG_TEST_RUN refuses a shorter frame with EINVAL. */
export const ETH_HLEN = 14;
/** The loopback device's ifindex, the device of a test run. */
const LOOPBACK_IFINDEX = 1;
const PACKET_HOST = 0;
const PACKET_MULTICAST = 2;
const PACKET_OTHERHOST = 3;
/** SKF_NET_OFF and SKF_LL_OFF: negative LD_ABS offsets relative to the network and MAC headers. */
const SKF_NET_OFF = -0x100000;
const SKF_LL_OFF = -0x200000;

/** Is the packet of the current run, as the LD_ABS helpers see it. */
export interface SkbPacket {
  /** The whole frame, from the MAC header. */
  frame: Uint8Array;
  /** Where skb->data is in the frame: ETH_HLEN for a socket filter, 0 for tc. */
  data: number;
}

/**
 * Returns the pkt_type eth_type_trans gives a frame on the loopback device (eth_skb_pkt_type):
 * PACKET_HOST for loopback's own all-zero address, PACKET_MULTICAST for any group address (even
 * ff:ff:ff:ff:ff:ff: loopback's `broadcast` is all zeros, so it never matches; measured on Linux
 * 6.18), PACKET_OTHERHOST otherwise.
 */
export function pktType(frame: Uint8Array): number {
  let zero = true;
  for (let i = 0; i < 6; i++) if (frame[i] !== 0) zero = false;
  if (zero) return PACKET_HOST;
  return (frame[0]! & 1) === 0 ? PACKET_OTHERHOST : PACKET_MULTICAST;
}

/**
 * Returns skb->protocol as a program reads it (the __be16 in host order): eth_type_trans's
 * EtherType, or for an 802.3 length field ETH_P_802_3 (payload starting 0xffff, raw IPX) else ETH_P_802_2.
 */
export function skbProtocol(frame: Uint8Array): number {
  const type = (frame[12]! << 8) | frame[13]!;
  const be = type >= 0x600 ? type : frame.length >= ETH_HLEN + 2 && frame[14] === 0xff && frame[15] === 0xff ? 0x0001 : 0x0004;
  return ((be & 0xff) << 8) | (be >> 8);
}

/**
 * Returns why BPF_PROG_TEST_RUN refuses a frame for a socket or tc program (EINVAL), or null:
 * shorter than ETH_HLEN, or an IPv4 (IPv6) EtherType with less than a 20-byte (40-byte) header
 * after it (bpf_prog_test_run_skb reads the addresses from it; measured on Linux 6.18).
 */
export function skbRefusal(frame: Uint8Array): string | null {
  if (frame.length < ETH_HLEN) return `a frame of at least ${ETH_HLEN} bytes (got ${frame.length})`;
  const type = (frame[12]! << 8) | frame[13]!;
  const after = frame.length - ETH_HLEN;
  if (type === 0x0800 && after < 20) return `an IPv4 frame with a 20-byte header after the Ethernet one (got ${after} bytes)`;
  if (type === 0x86dd && after < 40) return `an IPv6 frame with a 40-byte header after the Ethernet one (got ${after} bytes)`;
  return null;
}

/**
 * Fills the context for one frame (at least ETH_HLEN bytes; the caller checks), the packet being
 * extra region `packetRegion` (for tc the frame itself, for a socket filter the frame past the
 * Ethernet header).
 */
export function writeSkbContext(v: DataView, frame: Uint8Array, tc: boolean, packetRegion: number): void {
  for (let at = 0; at < SKB_CTX_BYTES; at += 4) v.setUint32(at, 0, true);
  const len = tc ? frame.length : frame.length - ETH_HLEN;
  v.setUint32(SKB_FIELDS.len, len, true);
  v.setUint32(SKB_FIELDS.pkt_type, pktType(frame), true);
  v.setUint32(SKB_FIELDS.protocol, skbProtocol(frame), true);
  v.setUint32(SKB_FIELDS.ifindex, LOOPBACK_IFINDEX, true);
  if (!tc) return; // wire_len stays 0: the test run sets it only from a ctx_in (measured)
  const tag = REGION_EXTRA + packetRegion;
  v.setUint32(192, 0, true); // data
  v.setUint32(196, tag, true);
  v.setUint32(200, len, true); // data_end
  v.setUint32(204, tag, true);
  v.setUint32(208, 0, true); // data_meta (no metadata: data_meta = data)
  v.setUint32(212, tag, true);
}

/**
 * Returns the value of a legacy packet load at `offset` (an int), in network byte order, or -1 when
 * it falls outside the packet (bpf_skb_load_helper_8/16/32: offsets from skb->data; negative ones
 * from SKF_NET_OFF are relative to the network header, from SKF_LL_OFF to the MAC header).
 */
export function skbLoad(packet: SkbPacket, offset: number, size: 1 | 2 | 4): number {
  const frame = packet.frame;
  let at: number;
  if (offset >= 0) at = packet.data + offset;
  else if (offset >= SKF_NET_OFF) at = ETH_HLEN + offset - SKF_NET_OFF;
  else if (offset >= SKF_LL_OFF) at = offset - SKF_LL_OFF;
  else return -1;
  if (at < 0 || at + size > frame.length) return -1;
  if (size === 1) return frame[at]!;
  if (size === 2) return (frame[at]! << 8) | frame[at + 1]!;
  return ((frame[at]! << 24) | (frame[at + 1]! << 16) | (frame[at + 2]! << 8) | frame[at + 3]!) >>> 0;
}

/** Helper id of bpf_skb_load_bytes (include/uapi/linux/bpf.h). */
export const SKB_LOAD_BYTES = 26;

/**
 * Returns the packet helpers of socket and tc programs over the current packet: the LD_ABS/LD_IND
 * loads (ldabs.ts; r2 holds the offset, an int) and bpf_skb_load_bytes(skb, offset, to, len), which
 * copies len bytes from skb->data + offset, or zeroes `to` and returns -EFAULT when they are not all
 * in the packet (bpf_skb_load_bytes, net/core/filter.c).
 */
export function skbHelpers(packet: SkbPacket): [number, Helper][] {
  const efault = BigInt.asUintN(64, BigInt(-ERRNO.EFAULT));
  const loads = ([[SKB_LOAD_HELPERS.b, 1], [SKB_LOAD_HELPERS.h, 2], [SKB_LOAD_HELPERS.w, 4]] as const).map(([id, size]): [number, Helper] => [
    id,
    withPairs(([, r2]) => {
      const value = skbLoad(packet, Number(BigInt.asIntN(32, r2)), size);
      return value < 0 ? efault : BigInt(value);
    }, (a, _memory, _pc, out) => {
      const value = skbLoad(packet, a[2]! | 0, size);
      if (value >= 0) return value | 0;
      out.hi = -1;
      return -ERRNO.EFAULT;
    }),
  ]);
  const loadBytes: Helper = ([, offset, to, len], memory, pc) => {
    const n = Number(len & 0xffffffffn);
    const view = memory.resolve(to, n, pc);
    const out = new Uint8Array(view.buffer, view.byteOffset + memory.at, n);
    const start = packet.data + Number(offset);
    if (len > 0xffffffffn || offset > 0x7fffffffn || start + n > packet.frame.length) {
      out.fill(0);
      return efault;
    }
    out.set(packet.frame.subarray(start, start + n));
    return 0n;
  };
  return [...loads, [SKB_LOAD_BYTES, loadBytes]];
}
