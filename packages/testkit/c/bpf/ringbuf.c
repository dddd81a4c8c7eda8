/* Sends a record (protocol, length, first 8 bytes) to a ring buffer for each IPv4 packet. */
#include "bpf.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

struct event { __u32 proto; __u32 len; unsigned char head[8]; };

SEC("xdp")
int report(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (data + 34 > end) return XDP_PASS;
  if (data[12] != 0x08 || data[13] != 0x00) return XDP_PASS;
  struct event e = { data[23], end - data, {0} };
  for (int i = 0; i < 8; i++) e.head[i] = data[i];
  return bpf_ringbuf_output(&events, &e, sizeof(e), 0) == 0 ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
