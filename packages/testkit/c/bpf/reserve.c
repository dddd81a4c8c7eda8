/* Reserves a record per IPv4 packet in a ring buffer, fills it in place and submits it, or discards
 * it for UDP; two reservations at once for TCP, submitted in the reverse order. */
#include "bpf.h"

static void *(*bpf_ringbuf_reserve)(void *ringbuf, __u64 size, __u64 flags) = (void *)131;
static void (*bpf_ringbuf_submit)(void *data, __u64 flags) = (void *)132;
static void (*bpf_ringbuf_discard)(void *data, __u64 flags) = (void *)133;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

struct event { __u32 proto; __u32 len; unsigned char head[6]; };

SEC("xdp")
int report(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (data + 34 > end) return XDP_PASS;
  if (data[12] != 0x08 || data[13] != 0x00) return XDP_PASS;
  struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) return XDP_ABORTED;
  e->proto = data[23];
  e->len = end - data;
  for (int i = 0; i < 6; i++) e->head[i] = data[i];
  if (data[23] == 17) {
    bpf_ringbuf_discard(e, 0);
    return XDP_DROP;
  }
  if (data[23] == 6) {
    __u32 *second = bpf_ringbuf_reserve(&events, sizeof(__u32), 0);
    if (!second) {
      bpf_ringbuf_discard(e, 0);
      return XDP_ABORTED;
    }
    *second = 0x12345678;
    bpf_ringbuf_submit(second, 0);
  }
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
