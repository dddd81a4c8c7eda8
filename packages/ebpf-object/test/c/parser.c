/*
 * A parser with a bounded loop over IPv6-style extension headers, global data (.data, .rodata,
 * .bss), a subprogram in .text, a legacy `maps` array and trace_printk.
 */
#include "bpf.h"

struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct bpf_map_def SEC("maps") hops = { BPF_MAP_TYPE_ARRAY, 4, 8, 8, 0 };

volatile __u32 seen = 0;            /* .bss */
volatile __u32 limit = 6;           /* .data */
const volatile __u8 magic[4] = { 0xde, 0xad, 0xbe, 0xef }; /* .rodata */

__noinline int checksum(unsigned char *p, unsigned char *end, int n) {
  int sum = 0;
  for (int i = 0; i < 32; i++) {
    if (i >= n || p + i + 1 > end) break;
    sum += p[i];
  }
  return sum;
}

SEC("xdp")
int parse(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  seen++;
  if (data + 4 > end) return XDP_ABORTED;
  if (data[0] == magic[0] && data[1] == magic[1]) {
    char fmt[] = "magic %d\n";
    bpf_trace_printk(fmt, sizeof(fmt), data[2]);
  }
  /* Walk a chain of (next, length) headers starting at byte 4: at most `limit` of them. */
  unsigned off = 4;
  __u32 n;
  for (n = 0; n < 8; n++) {
    if (n >= limit) break;
    if (data + off + 2 > end) break;
    unsigned len = data[off + 1];
    __u64 *hist = bpf_map_lookup_elem(&hops, &n);
    if (hist) *hist += len;
    if (data[off] == 0) { n++; break; }
    off += 2 + (len & 0x3f);
  }
  return (n << 8) | (checksum(data, end, 16) & 0xff);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
