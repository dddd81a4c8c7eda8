/* A socket filter: reads __sk_buff fields, the packet through LD_ABS/LD_IND (clang's load_byte/
 * load_half/load_word builtins) and bpf_skb_load_bytes, counts packets per protocol and port,
 * writes and reads cb[], and keeps the fields of the last packet in an array map. */
#include "bpf.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");
static long (*bpf_skb_load_bytes)(const void *skb, __u32 offset, void *to, __u32 len) = (void *)26;

struct fields {
  __u32 len, pkt_type, protocol, ifindex, hash, mark, priority, queue_mapping, vlan_present, vlan_tci, vlan_proto;
  __u32 tc_index, cb, napi_id, ingress_ifindex, narrow, first_word, far_word, load_bytes_rc, load_bytes_word;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} by_proto SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fields);
} last SEC(".maps");

SEC("socket")
int filter(struct __sk_buff *skb) {
  __u32 zero = 0;
  struct fields *f = bpf_map_lookup_elem(&last, &zero);
  if (!f) return 0;
  f->len = skb->len;
  f->pkt_type = skb->pkt_type;
  f->protocol = skb->protocol;
  f->ifindex = skb->ifindex;
  f->hash = skb->hash;
  f->mark = skb->mark;
  f->priority = skb->priority;
  f->queue_mapping = skb->queue_mapping;
  f->vlan_present = skb->vlan_present;
  f->vlan_tci = skb->vlan_tci;
  f->vlan_proto = skb->vlan_proto;
  f->tc_index = skb->tc_index;
  f->napi_id = skb->napi_id;
  f->ingress_ifindex = skb->ingress_ifindex;
  skb->cb[0] = skb->len * 3;
  skb->cb[2] = 5;
  f->cb = skb->cb[0] + skb->cb[1] + skb->cb[2];
  f->narrow = *(volatile __u8 *)((char *)&skb->protocol + 1);
  f->first_word = skb->len >= 4 ? load_word(skb, 0) : 1;
  __u32 word = 0;
  f->load_bytes_rc = bpf_skb_load_bytes(skb, skb->len > 10 ? 6 : 0, &word, 4);
  f->load_bytes_word = word;

  __u32 key;
  if (skb->protocol == 0x0008) { /* htons(ETH_P_IP) */
    __u32 ihl = (load_byte(skb, 0) & 0xf) * 4;
    key = load_byte(skb, 9);
    if (key == 6 || key == 17) key |= load_half(skb, ihl + 2) << 8; /* LD_IND: may fall off the packet (r0 = 0) */
  } else {
    key = 0x1000000 | skb->protocol;
  }
  __u64 *count = bpf_map_lookup_elem(&by_proto, &key);
  if (count) {
    *count += 1;
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&by_proto, &key, &one, BPF_NOEXIST);
  }
  f->far_word = load_word(skb, 60); /* past a short packet: the program ends with 0 here */
  return skb->len > 64 ? 64 : skb->len;
}

char LICENSE[] SEC("license") = "GPL";
