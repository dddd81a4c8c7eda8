/*
 * The playground's test object: an XDP program that tallies frames per IP protocol (per EtherType
 * when not IPv4) in a BTF-defined array map and counts every byte in .bss, through a subprogram in
 * .text; so its listing shows the three kinds of relocation by name (map, data, call). A second
 * program in section tc makes the page offer a choice of program.
 */
#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} tally SEC(".maps");

__u64 total_bytes = 0;

/* 0 ICMP, 1 TCP, 2 UDP, 3 other IPv4, 4 IPv6, 5 ARP, 6 anything else. */
__attribute__((noinline)) static __u32 slot(__u32 ethertype, __u32 proto) {
  if (ethertype == 0x0800) return proto == 1 ? 0 : proto == 6 ? 1 : proto == 17 ? 2 : 3;
  return ethertype == 0x86dd ? 4 : ethertype == 0x0806 ? 5 : 6;
}

SEC("xdp")
int tally_frames(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (data + 14 > end) return XDP_ABORTED;
  __u32 type = (data[12] << 8) | data[13];
  __u32 proto = data + 24 <= end ? data[23] : 0;
  __u32 key = slot(type, proto);
  __u64 *n = bpf_map_lookup_elem(&tally, &key);
  if (n) *n += 1;
  total_bytes += end - data;
  return key == 2 ? XDP_DROP : XDP_PASS;
}

/* A second program (section tc: the __sk_buff context), so the page offers a choice: counts every frame in slot 7. */
SEC("tc")
int tally_all(void *ctx) {
  __u32 key = 7;
  __u64 *n = bpf_map_lookup_elem(&tally, &key);
  if (n) *n += 1;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
