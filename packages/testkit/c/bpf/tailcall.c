/* Tail calls through a program array: the entry jumps to slot data[0] & 3; `again` calls itself. */
#include "bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __uint(key_size, 4);
  __uint(value_size, 4);
} jumps SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} depth SEC(".maps");

SEC("xdp")
int entry(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (data + 1 > end) return XDP_ABORTED;
  bpf_tail_call(ctx, &jumps, data[0] & 3);
  return XDP_PASS; /* an empty slot */
}

SEC("xdp/drop")
int drop(struct xdp_md *ctx) { return XDP_DROP; }

SEC("xdp/again")
int again(struct xdp_md *ctx) {
  __u32 zero = 0;
  __u64 *n = bpf_map_lookup_elem(&depth, &zero);
  if (n) *n += 1;
  bpf_tail_call(ctx, &jumps, 2);
  return XDP_TX; /* the chain limit was reached */
}

char LICENSE[] SEC("license") = "GPL";
