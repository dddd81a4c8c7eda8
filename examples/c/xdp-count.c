/* Counts packets and bytes per protocol in a hash map: the IPv4 protocol, 0x100 | the IPv6 next
 * header, or 0x10000 | the EtherType of anything else. Frames too short for their headers are
 * dropped. Built with `clang -O2 -g -target bpf -c xdp-count.c` (no libbpf headers needed). */
#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;

struct stats { __u64 packets; __u64 bytes; };

struct {
  int (*type)[BPF_MAP_TYPE_HASH];
  int (*max_entries)[256];
  __u32 *key;
  struct stats *value;
} by_protocol SEC(".maps");

SEC("xdp")
int count(struct xdp_md *ctx) {
  unsigned char *p = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (p + 14 > end) return XDP_DROP;
  __u32 type = (p[12] << 8) | p[13];
  __u32 key;
  if (type == 0x0800) {
    if (p + 34 > end) return XDP_DROP;
    key = p[23];
  } else if (type == 0x86dd) {
    if (p + 54 > end) return XDP_DROP;
    key = 0x100 | p[20];
  } else {
    key = 0x10000 | type;
  }
  struct stats *s = bpf_map_lookup_elem(&by_protocol, &key);
  if (s) {
    s->packets += 1;
    s->bytes += end - p;
  } else {
    struct stats fresh = { 1, end - p };
    bpf_map_update_elem(&by_protocol, &key, &fresh, BPF_NOEXIST);
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
