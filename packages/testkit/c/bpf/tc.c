/* A tc classifier: reads __sk_buff fields, the packet through data/data_end (direct packet
 * access), LD_ABS and bpf_skb_load_bytes, writes mark and cb[], keeps them in an array map, and
 * returns TC_ACT_OK (0) or TC_ACT_SHOT (2) by the IP protocol. */
#include "bpf.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
static long (*bpf_skb_load_bytes)(const void *skb, __u32 offset, void *to, __u32 len) = (void *)26;

struct fields {
  __u32 len, pkt_type, protocol, ifindex, mark, tc_index, cb, wire_len, first, ld_abs_14, load_bytes_rc, load_bytes_word;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fields);
} last SEC(".maps");

SEC("tc")
int classify(struct __sk_buff *skb) {
  __u32 zero = 0;
  struct fields *f = bpf_map_lookup_elem(&last, &zero);
  if (!f) return 2;
  unsigned char *data = (void *)(long)skb->data;
  unsigned char *end = (void *)(long)skb->data_end;
  f->len = skb->len;
  f->pkt_type = skb->pkt_type;
  f->protocol = skb->protocol;
  f->ifindex = skb->ifindex;
  skb->mark = skb->len + 1;
  f->mark = skb->mark;
  f->tc_index = skb->tc_index;
  skb->cb[1] = 9;
  f->cb = skb->cb[1] + skb->cb[0];
  f->wire_len = skb->wire_len;
  f->first = data + 1 <= end ? data[0] : 0xffff;
  f->ld_abs_14 = load_byte(skb, 14);
  __u32 word = 0;
  f->load_bytes_rc = bpf_skb_load_bytes(skb, 12, &word, 4);
  f->load_bytes_word = word;
  if (data + 34 > end) return 0;
  return data[23] == 17 ? 2 : 0;
}

char LICENSE[] SEC("license") = "GPL";
