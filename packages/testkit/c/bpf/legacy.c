/* A program on raw memory (uBPF's convention: r1 the memory, r2 its length) with a legacy `maps`
 * section: counts bytes by their value. Its section name is none of libbpf's program types. */
#include "bpf.h"

struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct bpf_map_def SEC("maps") histogram = { BPF_MAP_TYPE_ARRAY, 4, 8, 256, 0 };

SEC("raw")
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
