/*
 * A parser with a bounded loop over IPv6-style extension headers, global data (.data, .rodata,
 * .bss), a subprogram in .text, an array map and trace_printk.
 */
#include "bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} hops SEC(".maps");

volatile __u32 seen = 0;            /* .bss */
volatile __u32 limit = 6;           /* .data */
const volatile __u8 magic[4] = { 0xde, 0xad, 0xbe, 0xef }; /* .rodata */

static __noinline int checksum(unsigned char *p, unsigned char *end, int n) {
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
  __u32 off = 4;
  __u32 n;
  for (n = 0; n < 8; n++) {
    if (n >= limit || off > 512) break;
    unsigned char *p = data + off;
    asm volatile("" : "+r"(p)); /* keeps the bounds check on the pointer the loads use */
    if (p + 2 > end) break;
    unsigned len = p[1];
    __u64 *hist = bpf_map_lookup_elem(&hops, &n);
    if (hist) *hist += len;
    if (p[0] == 0) { n++; break; }
    off += 2 + (len & 0x3f);
  }
  return (n << 8) | (checksum(data, end, 16) & 0xff);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
