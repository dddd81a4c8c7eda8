/**
 * Helper prototypes (struct bpf_func_proto): what each helper id takes in r1-r5 and returns in r0,
 * as the kernel declares them (kernel/bpf/helpers.c, net/core/filter.c, kernel/trace/bpf_trace.c).
 * The verifier checks every call against its prototype; users extend the table for their own
 * helpers (`options.helpers`).
 */

/** Names an argument type (enum bpf_arg_type), the subset the table uses. */
export type ArgType =
  | 'anything'
  | 'const_map_ptr'
  | 'ptr_to_map_key'
  | 'ptr_to_map_value'
  | 'ptr_to_ctx'
  /** Readable memory whose size is the next argument. */
  | 'ptr_to_mem'
  /** Memory the helper writes (may be uninitialised), size in the next argument. */
  | 'ptr_to_uninit_mem'
  | 'const_size'
  | 'const_size_or_zero';

/** Names a return type (enum bpf_return_type). */
export type RetType = 'integer' | 'void' | 'map_value_or_null';

/** Is one helper's prototype. */
export interface HelperProto {
  readonly name: string;
  readonly ret: RetType;
  readonly args: readonly ArgType[];
  /** Only GPL-compatible programs may call it (gpl_only). */
  readonly gplOnly?: boolean;
  /** The helper may move or resize the packet (bpf_helper_changes_pkt_data): packet pointers die. */
  readonly changesPacket?: boolean;
  /** Map types it takes (BPF_MAP_TYPE_* numbers) when it takes a map; undefined: any but prog array and ring buffer. */
  readonly mapTypes?: readonly number[];
  /** Program types that may call it; undefined: all. */
  readonly progTypes?: readonly ProgType[];
}

/** Names the program types the verifier models. */
/** Lists the program types the verifier models. */
export const PROG_TYPES = ['xdp', 'socket_filter', 'tc', 'raw'] as const;
/** Names a program type the verifier models. */
export type ProgType = (typeof PROG_TYPES)[number];

/** BPF_MAP_TYPE_PROG_ARRAY. */
export const MAP_TYPE_PROG_ARRAY = 3;
/** BPF_MAP_TYPE_RINGBUF. */
export const MAP_TYPE_RINGBUF = 27;

/** The prototypes of the helpers @ea/ebpf-object provides, by id (include/uapi/linux/bpf.h). */
export const HELPER_PROTOS: ReadonlyMap<number, HelperProto> = new Map<number, HelperProto>([
  [1, { name: 'map_lookup_elem', ret: 'map_value_or_null', args: ['const_map_ptr', 'ptr_to_map_key'] }],
  [2, { name: 'map_update_elem', ret: 'integer', args: ['const_map_ptr', 'ptr_to_map_key', 'ptr_to_map_value', 'anything'] }],
  [3, { name: 'map_delete_elem', ret: 'integer', args: ['const_map_ptr', 'ptr_to_map_key'] }],
  [5, { name: 'ktime_get_ns', ret: 'integer', args: [] }],
  [6, { name: 'trace_printk', ret: 'integer', args: ['ptr_to_mem', 'const_size'], gplOnly: true }],
  [7, { name: 'get_prandom_u32', ret: 'integer', args: [] }],
  [8, { name: 'get_smp_processor_id', ret: 'integer', args: [] }],
  [12, { name: 'tail_call', ret: 'void', args: ['ptr_to_ctx', 'const_map_ptr', 'anything'], mapTypes: [MAP_TYPE_PROG_ARRAY] }],
  [26, { name: 'skb_load_bytes', ret: 'integer', args: ['ptr_to_ctx', 'anything', 'ptr_to_uninit_mem', 'const_size'], progTypes: ['socket_filter', 'tc'] }],
  [44, { name: 'xdp_adjust_head', ret: 'integer', args: ['ptr_to_ctx', 'anything'], changesPacket: true, progTypes: ['xdp'] }],
  [130, { name: 'ringbuf_output', ret: 'integer', args: ['const_map_ptr', 'ptr_to_mem', 'const_size_or_zero', 'anything'], mapTypes: [MAP_TYPE_RINGBUF] }],
]);
