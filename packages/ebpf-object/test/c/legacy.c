/* A socket-style program on raw memory with a legacy `maps` section: counts bytes by their value. */
#include "bpf.h"

struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct bpf_map_def SEC("maps") histogram = { BPF_MAP_TYPE_ARRAY, 4, 8, 256, 0 };

SEC("socket")
int bytes(unsigned char *mem, long len) {
  __u64 total = 0;
  for (int i = 0; i < 64 && i < len; i++) {
    __u32 key = mem[i];
    __u64 *count = bpf_map_lookup_elem(&histogram, &key);
    if (count) *count += 1;
    total += key;
  }
  return total;
}

char LICENSE[] SEC("license") = "GPL";
