/**
 * What a filter runs over. Seccomp and EA filters read a `DataView` (the 64-byte
 * `struct seccomp_data`, or the EA image that starts with it); socket filters read a
 * `PacketContext`, a reusable object that stands in for the kernel's `struct sk_buff`.
 */

import type { Endian } from '@ea/bpf';

/** Byte order of seccomp_data and the EA image (the architecture's own): @ea/bpf's Endian. */
export type { Endian };

/** Options fixed when a program is prepared. */
export interface EngineOptions {
  /**
   * Byte order of 32-bit loads from seccomp_data / the EA image (seccomp_check_filter turns
   * `ld [k]` into a native-endian load). Default 'le' (x86_64, aarch64, riscv64, ...).
   * Socket filters ignore it: packet loads are always big-endian (network order).
   */
  readonly endian?: Endian;
  /**
   * libpcap profile: the most instructions a run may execute (default 2^24). Checked when a
   * backward jump is taken (only those let a run exceed the program's length); past it the
   * run throws InterpreterError 'BUDGET_EXHAUSTED' instead of looping forever.
   */
  readonly budget?: number;
}

/**
 * A packet as a socket filter sees it. Reuse one object across packets (set `data` and the
 * fields that change) so that running a filter allocates nothing.
 *
 * Defaults are what an `AF_UNIX` datagram socket gives (docs/kernel-facts.md, observed 8), so that a
 * context with only `data` behaves like the kernel oracle's socketpair.
 */
export interface PacketContext {
  /**
   * The bytes holding the packet: the packet itself, or a whole capture with the packet at
   * `offset` (libpcap's bpf_filter(buffer, wirelen, buflen) shape), so one view and one context
   * can serve every packet. Loads past the packet's `length` fail (the program returns 0); no
   * load ever reads outside `[offset, offset + length)`.
   */
  data: DataView;
  /**
   * Where the packet (`skb->data`, packet offset 0) starts inside `data`. Default 0. Must be an
   * integer in `[0, data.byteLength]`, else running throws InterpreterError 'BAD_INPUT'.
   */
  offset?: number;
  /**
   * How many captured bytes of the packet are readable from `offset`: a load at packet offset k
   * of n bytes fails when k + n > length. Default `data.byteLength - offset`. Must be an integer
   * with `offset + length <= data.byteLength`, else running throws InterpreterError 'BAD_INPUT'.
   */
  length?: number;
  /** `skb->len`, what `ld #len` / `ldx #len` give. Default `length`. */
  wireLength?: number;
  /**
   * Where `[SKF_NET_OFF + j]` points, as an offset into the packet (relative to `offset`).
   * Default 0: an AF_UNIX datagram's network header is its first byte.
   */
  networkOffset?: number;
  /**
   * Where `[SKF_LL_OFF + j]` points, as an offset into the packet (relative to `offset`).
   * Undefined (the default) means the packet has no MAC header, so such loads fail.
   */
  linkOffset?: number | undefined;
  /** SKF_AD_PROTOCOL: `ntohs(skb->protocol)` (0x0800 for IPv4). Default 0. */
  protocol?: number;
  /** SKF_AD_PKTTYPE: `skb->pkt_type` (PACKET_HOST = 0). Default 0. */
  pktType?: number;
  /**
   * SKF_AD_IFINDEX: the device's ifindex. Undefined (the default) means `skb->dev` is NULL, and
   * then the kernel's converted program exits at once returning the current A.
   */
  ifindex?: number;
  /** SKF_AD_HATYPE: the device type (ARPHRD_*). Like `ifindex`, undefined means no device. */
  hatype?: number;
  /** SKF_AD_MARK: `skb->mark`. Default 0. */
  mark?: number;
  /** SKF_AD_QUEUE: `skb->queue_mapping`. Default 0. */
  queue?: number;
  /** SKF_AD_RXHASH: `skb->hash`. Default 0. */
  rxhash?: number;
  /** SKF_AD_CPU: the CPU that runs the filter. Default 0. */
  cpu?: number;
  /** SKF_AD_VLAN_TAG: the VLAN TCI. Default 0. */
  vlanTci?: number;
  /** SKF_AD_VLAN_TAG_PRESENT: whether a VLAN tag was stripped into the skb. Default false. */
  vlanPresent?: boolean;
  /** SKF_AD_VLAN_TPID: `ntohs(skb->vlan_proto)`. Default 0. */
  vlanTpid?: number;
  /** SKF_AD_PAY_OFFSET: the transport payload offset the flow dissector finds. Default 0. */
  payOffset?: number;
  /** SKF_AD_RANDOM: returns a u32 (`get_random_u32`). Default: Math.random based. */
  random?: () => number;
}

/** Returns a fresh PacketContext over `bytes` with the given ancillary fields. */
export function packetContext(bytes: Uint8Array, fields: Omit<PacketContext, 'data'> = {}): PacketContext {
  return { ...fields, data: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Returns a uniformly random u32 (the default SKF_AD_RANDOM source). */
export function defaultRandom(): number {
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

/** Called before each executed instruction with the pc and the registers, for tracing. */
export type StepHook = (pc: number, a: number, x: number) => void;
