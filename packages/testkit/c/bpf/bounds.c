/* Reads one u64 past the value map_lookup_elem returned when the packet's first byte says so: the
 * kernel's verifier refuses this program ("invalid access to map value"); at run time the access
 * must fail at its pc instead of reading the neighbouring value. */
#include "bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

SEC("xdp")
int peek(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  if ((void *)(data + 2) > (void *)(long)ctx->data_end) return XDP_ABORTED;
  __u32 key = data[1] & 3;
  __u64 *v = bpf_map_lookup_elem(&values, &key);
  if (!v) return XDP_ABORTED;
  *v += 1;
  return data[0] ? (__u32)v[data[0]] : (__u32)*v;
}

char LICENSE[] SEC("license") = "GPL";
