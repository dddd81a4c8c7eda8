/**
 * The helpers compiled filters call for their rare paths, passed to each factory as parameters
 * (and imported by standalone modules from `@ea/jit/runtime`). Packet and image loads are the
 * interpreter's own functions, so both engines share one implementation of the kernel's
 * negative-offset, zero-fill and tail-zero rules; `ancillary` follows the interpreter's
 * reading of the PacketContext fields.
 */
import {
  SKF_AD_CPU, SKF_AD_HATYPE, SKF_AD_IFINDEX, SKF_AD_MARK, SKF_AD_NLATTR, SKF_AD_NLATTR_NEST,
  SKF_AD_PAY_OFFSET, SKF_AD_PKTTYPE, SKF_AD_PROTOCOL, SKF_AD_QUEUE, SKF_AD_RANDOM, SKF_AD_RXHASH,
  SKF_AD_VLAN_TAG, SKF_AD_VLAN_TAG_PRESENT, SKF_AD_VLAN_TPID, SECCOMP_DATA_SIZE,
} from '@ea/bpf';
import {
  BatchContexts, batchCount, checkImage, defaultRandom, nlattr, nlattrNest, type PacketBatch, type PacketContext,
} from '@ea/interpreter';

export { badPacket, loadImageIndirect, loadImageWord, loadPacket, moveContext, packetLength, tailZero } from '@ea/interpreter';

/**
 * Checks a seccomp/EA view at the entry of a standalone module's exact path: a DataView of at
 * least `need` bytes (64 for seccomp, the interpreter's imageSize for ea), else the
 * interpreter's typed 'BAD_INPUT' error.
 */
export function checkView(view: unknown, need: number): void {
  checkImage(view, need, need > SECCOMP_DATA_SIZE ? 'ea' : 'seccomp', 'run');
}

/** The packet's readable length, already checked by packetLength at entry. */
function packetBytes(ctx: PacketContext): number {
  return ctx.length ?? ctx.data.byteLength - (ctx.offset ?? 0);
}

/**
 * Returns a dispatch table of a standalone module (dispatch.ts makes them: one byte per key, two
 * when a dispatch has more than 255 targets).
 */
export function table(values: readonly number[]): Uint8Array | Uint16Array {
  return values.some((v) => v > 0xff) ? Uint16Array.from(values) : Uint8Array.from(values);
}

/** Math.imul, captured when the module loads so compiled code never looks up a global. */
export const imul: (a: number, b: number) => number = Math.imul;

/**
 * Returns the ancillary field at SKF_AD_OFF + `n` as a u32, or -1 for ifindex/hatype when the
 * packet has no device (the kernel's converted program then exits returning A). `a` and `x`
 * are the registers (nlattr searches from offset A for attribute type X); `little` is the
 * host byte order of netlink headers. SKF_AD_ALU_XOR_X is compiled inline.
 */
export function ancillary(ctx: PacketContext, n: number, a: number, x: number, little: boolean): number {
  switch (n) {
    case SKF_AD_PROTOCOL:
      return (ctx.protocol ?? 0) >>> 0;
    case SKF_AD_PKTTYPE:
      return (ctx.pktType ?? 0) >>> 0;
    case SKF_AD_IFINDEX:
      return ctx.ifindex === undefined ? -1 : ctx.ifindex >>> 0;
    case SKF_AD_NLATTR:
      return nlattr(ctx.data, ctx.offset ?? 0, packetBytes(ctx), a, x, little);
    case SKF_AD_NLATTR_NEST:
      return nlattrNest(ctx.data, ctx.offset ?? 0, packetBytes(ctx), a, x, little);
    case SKF_AD_MARK:
      return (ctx.mark ?? 0) >>> 0;
    case SKF_AD_QUEUE:
      return (ctx.queue ?? 0) >>> 0;
    case SKF_AD_HATYPE:
      return ctx.hatype === undefined ? -1 : ctx.hatype >>> 0;
    case SKF_AD_RXHASH:
      return (ctx.rxhash ?? 0) >>> 0;
    case SKF_AD_CPU:
      return (ctx.cpu ?? 0) >>> 0;
    case SKF_AD_VLAN_TAG:
      return (ctx.vlanTci ?? 0) >>> 0;
    case SKF_AD_VLAN_TAG_PRESENT:
      return ctx.vlanPresent === true ? 1 : 0;
    case SKF_AD_PAY_OFFSET:
      return (ctx.payOffset ?? 0) >>> 0;
    case SKF_AD_RANDOM:
      return (ctx.random ?? defaultRandom)() >>> 0;
    case SKF_AD_VLAN_TPID:
      return (ctx.vlanTpid ?? 0) >>> 0;
    default:
      // The verifier admits only the offsets above (and ALU_XOR_X, compiled inline).
      return 0;
  }
}

/** The generated batch loop (batch.ts, generateBatch): called only with a checked batch. */
export type BatchLoop = (
  view: DataView,
  offsets: PacketBatch['offsets'],
  lengths: PacketBatch['lengths'],
  wires: PacketBatch['lengths'],
  count: number,
  out: Uint32Array | null,
  input: PacketContext | null,
  batch: PacketBatch,
) => number;

/**
 * Runs a socket filter over every packet of a batch (a capture in memory), writing each result
 * to `results` when given; returns how many results were non-zero (libpcap's match count).
 */
export type RunBatch = (batch: PacketBatch, results?: Uint32Array) => number;

/**
 * Returns runBatch for a generated loop: checks the batch first (typed arrays at least `count`
 * long, `results` a Uint32Array), so the loop only ever indexes what it may. `needsContext`:
 * the loop has rare paths that read a context (ancillary loads, negative offsets), so it gets
 * one, this entry's own (BatchContexts), reset per call and moved to each packet that needs it.
 */
export function batchEntry(loop: BatchLoop, needsContext: boolean): RunBatch {
  // One context, reused call after call (BatchContexts: a fresh one only for a nested call).
  const contexts = needsContext ? new BatchContexts() : null;
  return (batch, results) => {
    const count = batchCount(batch, results);
    if (contexts === null) return loop(batch.data, batch.offsets, batch.lengths, batch.wireLengths ?? batch.lengths, count, results ?? null, null, batch);
    const input = contexts.take(batch);
    try {
      return loop(batch.data, batch.offsets, batch.lengths, batch.wireLengths ?? batch.lengths, count, results ?? null, input, batch);
    } finally {
      contexts.release(input);
    }
  };
}
