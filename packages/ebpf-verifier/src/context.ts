/**
 * Program types and what their context allows, as the kernel's is_valid_access callbacks say
 * (net/core/filter.c): `xdp` (struct xdp_md, xdp_is_valid_access), `socket_filter` (struct
 * __sk_buff, sk_filter_is_valid_access over bpf_skb_is_valid_access), `tc` (BPF_PROG_TYPE_SCHED_CLS,
 * tc_cls_act_is_valid_access: direct packet access and more writable fields) and `raw` (uBPF's convention,
 * no kernel counterpart: r1 points to `memSize` readable and writable bytes, r2 holds that size).
 */
import type { ProgType } from './protos.js';
import type { RegType } from './state.js';

/** Is what a valid context access yields: the register type loaded (scalar or a packet pointer). */
export type CtxAccess = { readonly ok: true; readonly type: RegType } | { readonly ok: false };

const NO: CtxAccess = { ok: false };
const SCALAR: CtxAccess = { ok: true, type: 'scalar' };

/** struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex. */
export const XDP_MD_SIZE = 24;

/** xdp_is_valid_access: u32 fields, aligned, read-only; data/data_end/data_meta load packet pointers. */
function xdpAccess(off: number, size: number, write: boolean): CtxAccess {
  // egress_ifindex (20) is only for BPF_XDP_DEVMAP programs.
  if (off === 20 || write) return NO;
  if (off < 0 || off >= XDP_MD_SIZE || off % size !== 0 || size !== 4) return NO;
  if (off === 0) return { ok: true, type: 'pkt' };
  if (off === 4) return { ok: true, type: 'pkt_end' };
  if (off === 8) return { ok: true, type: 'pkt_meta' };
  return SCALAR;
}

/** sizeof(struct __sk_buff). */
export const SK_BUFF_SIZE = 192;
const CB_START = 48;
const CB_END = 68;

/**
 * sk_filter_is_valid_access over bpf_skb_is_valid_access: no direct packet access (data,
 * data_end, data_meta), none of the socket fields (family .. local_port), tc_classid, tstamp,
 * wire_len, hwtstamp, flow_keys; writes only to cb[]; other u32 fields readable by narrow loads.
 * The `sk` pointer (168) is not modelled and refused.
 */
function socketAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off < 0 || off >= SK_BUFF_SIZE || off % size !== 0) return NO;
  const refused: readonly [number, number][] = [
    [72, 76], [76, 80], [80, 84], [140, 144], [88, 140], [152, 160], [160, 164], [184, 192], [144, 152], [168, 176], [180, 184],
  ];
  if (refused.some(([a, b]) => off >= a && off < b)) return NO;
  if (off >= CB_START && off < CB_END) return off + size <= CB_END ? SCALAR : NO;
  if (write) return NO;
  // bpf_ctx_narrow_access_ok on u32 fields: 1, 2 or 4 bytes inside the field.
  if (size === 8) return NO;
  return SCALAR;
}

/**
 * tc_cls_act_is_valid_access over bpf_skb_is_valid_access: data, data_meta, data_end load packet
 * pointers (4-byte loads); writes to mark, tc_index, priority, tc_classid, cb[], queue_mapping and
 * tstamp; no socket fields (family .. local_port), flow_keys or sk (not modelled).
 */
function tcAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off < 0 || off >= SK_BUFF_SIZE || off % size !== 0) return NO;
  const inField = (start: number, bytes: number): boolean => off >= start && off < start + bytes;
  if (write) {
    const writable = inField(8, 4) || inField(44, 4) || inField(32, 4) || inField(72, 4) || inField(12, 4) || (off >= CB_START && off + size <= CB_END) || (off === 152 && size === 8);
    if (!writable) return NO;
  }
  if (off === 76 || off === 80 || off === 140) {
    if (size !== 4) return NO;
    return { ok: true, type: off === 76 ? 'pkt' : off === 80 ? 'pkt_end' : 'pkt_meta' };
  }
  if (inField(76, 8) || inField(140, 4)) return NO;
  if (inField(88, 52) || inField(144, 8) || inField(168, 8) || inField(180, 4)) return NO;
  if (off >= CB_START && off < CB_END) return off + size <= CB_END ? SCALAR : NO;
  if (off === 152 || off === 184) return size === 8 ? SCALAR : NO;
  if (inField(152, 8) || inField(184, 8)) return NO;
  return size === 8 ? NO : SCALAR;
}

/** Returns what a context access of `size` bytes at `off` gives, for a program type. */
export function ctxAccess(type: ProgType, off: number, size: number, write: boolean): CtxAccess {
  switch (type) {
    case 'xdp':
      return xdpAccess(off, size, write);
    case 'socket_filter':
      return socketAccess(off, size, write);
    case 'tc':
      return tcAccess(off, size, write);
    case 'raw':
      return NO;
    default:
      return type satisfies never;
  }
}

/** Tells whether LD_ABS/LD_IND are allowed (may_access_skb: socket filters, tc). */
export const mayLdAbs = (type: ProgType): boolean => type === 'socket_filter' || type === 'tc';
