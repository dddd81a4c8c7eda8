/*
 * Programs clang compiles without complaint and the kernel's verifier refuses (or, for the *_ok
 * ones, accepts): each is one section, named after what it shows. bpf.h is @ea/ebpf-object's
 * test header (-I on its directory).
 */
#include "bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64[4]);
} table SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} hash SEC(".maps");

/* Reads the EtherType without comparing with data_end first. */
SEC("xdp/no_bounds_check")
int no_bounds_check(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  return data[12] == 8 ? XDP_PASS : XDP_DROP;
}

/* Compares 14 bytes and reads the 15th. */
SEC("xdp/off_by_one")
int off_by_one(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (data + 14 > end) return XDP_ABORTED;
  return *(volatile unsigned char *)(data + 14) ? XDP_PASS : XDP_DROP;
}

/* Uses a hash map value without checking the lookup for NULL. */
SEC("xdp/no_null_check")
int no_null_check(struct xdp_md *ctx) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&hash, &key);
  return (int)*(volatile __u64 *)v;
}

/* The same on an array with a constant key below max_entries: the lookup cannot fail (6.18 knows). */
SEC("xdp/array_const_key_ok")
int array_const_key_ok(struct xdp_md *ctx) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&table, &key);
  return (int)*(volatile __u64 *)v;
}

/* Indexes a map value with a packet byte: up to 255 for 4 elements. */
SEC("xdp/unbounded_index")
int unbounded_index(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  __u32 key = 0;
  if (data + 1 > end) return XDP_ABORTED;
  __u64 *v = bpf_map_lookup_elem(&table, &key);
  if (!v) return XDP_PASS;
  __u32 i = data[0];
  asm volatile("" : "+r"(i));
  return (int)v[i];
}

/* The same index masked to the value's 4 elements. */
SEC("xdp/masked_index_ok")
int masked_index_ok(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  __u32 key = 0;
  if (data + 1 > end) return XDP_ABORTED;
  __u64 *v = bpf_map_lookup_elem(&table, &key);
  if (!v) return XDP_PASS;
  return (int)v[data[0] & 3];
}

/* Sums packet bytes in a loop whose every read is checked. */
SEC("xdp/checked_loop_ok")
int checked_loop_ok(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  __u32 sum = 0;
  for (int i = 0; i < 64; i++) {
    if (data + i + 1 > end) break;
    sum += data[i];
  }
  return sum & 3;
}

/* Loops as many times as a 32-bit packet word says: no bound the verifier can prove. */
SEC("xdp/unbounded_loop")
int unbounded_loop(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (data + 4 > end) return XDP_ABORTED;
  __u32 n = *(__u32 *)data;
  __u32 acc = 0;
  for (__u32 i = 0; i < n; i++) {
    acc = acc * 31 + i;
    asm volatile("" : "+r"(acc));
  }
  return acc & 3;
}

char LICENSE[] SEC("license") = "GPL";
