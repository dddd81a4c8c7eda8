/**
 * Where a legacy packet load (LD_ABS, LD_IND) reads, shared by every engine. The kernel rewrites
 * each into a call of bpf_skb_load_helper_{8,16,32} (bpf_gen_ld_abs): an offset >= 0 reads the
 * packet from skb->data; a negative one goes to bpf_internal_load_pointer_neg_helper, where
 * [SKF_NET_OFF, 0) reads from the network header and [SKF_LL_OFF, SKF_NET_OFF) from the
 * link-layer header; anything else fails, and a failed load ends the program with r0 = 0.
 *
 * Here the context is the packet from its network header on (skb->data of a socket filter, and
 * what BPF_PROG_TEST_RUN gives one after the Ethernet header), so [SKF_NET_OFF + j] reads context
 * byte j, as `k` does. The context has no link-layer header before it, so [SKF_LL_OFF + j] fails,
 * as it does on an AF_UNIX socket (where the kernel sets no MAC header).
 */
import { SKF_NET_OFF } from '@ea/bpf';

const NET_OFF = SKF_NET_OFF | 0;

/**
 * Returns the context offset a legacy load of `size` bytes at the 32-bit signed offset `off`
 * reads, or -1 when the kernel's load would fail (the program then ends with r0 = 0).
 */
export function legacyLoadAt(off: number, size: number, length: number): number {
  const at = off >= 0 ? off : off >= NET_OFF ? off - NET_OFF : -1;
  return at >= 0 && at <= length - size ? at : -1;
}
