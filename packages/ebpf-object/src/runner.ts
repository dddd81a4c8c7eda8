/**
 * Runs one program of a loaded object on packets, through the interpreter or the JIT, with the
 * object's maps and global data as regions that persist across runs (so state carries from one
 * packet to the next, as in the kernel). Regions: 0 the packet, then the global data sections,
 * then the maps' values (mapRegions: a region per value, or per map for a big map).
 */
import { assertNever, type CheckedProgram, EbpfRunError, interpretReference, load, prepare } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { type HelperEnvironment, objectHelpers } from './helpers.js';
import { rewriteLegacyLoads } from './ldabs.js';
import { mapRegions, RingBuffer } from './maps.js';
import type { BpfObject, ObjectProgram } from './object.js';
import { ETH_HLEN, SKB_CTX_BYTES, SKB_POINTERS, type SkbPacket, skbHelpers, skbRefusal, writeSkbContext } from './skb.js';
import { verifyOnce } from './verify.js';
import { rewriteContextPointers, rewriteXdp, writeXdpContext, XDP_CTX_BYTES } from './xdp.js';

/** How many tail calls one chain may make (the kernel's MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALL_CNT = 33;

/**
 * How a program sees its input: `xdp` (r1 = struct xdp_md), `socket` (a socket filter: r1 =
 * struct __sk_buff, the packet from the network header), `tc` (a tc classifier: __sk_buff with
 * data/data_end from the MAC header), or `raw` (r1 = the packet, r2 = its length).
 */
export type ContextKind = 'xdp' | 'socket' | 'tc' | 'raw';

/** Options of a runner. */
export interface RunnerOptions extends HelperEnvironment {
  /**
   * `jit` (default) or `interp` (the int32-pair interpreter); both call the helpers' pair forms.
   * `reference` is @ea/ebpf's BigInt interpreter calling the helpers' BigInt forms: slow, the
   * oracle the other two are tested against.
   */
  readonly engine?: 'jit' | 'interp' | 'reference';
  /** Default: from the section name (`xdp*` xdp, `socket*` socket, `tc*`/`classifier*`/`tcx*` tc, anything else raw), as libbpf names program types. */
  readonly context?: ContextKind;
  /** Instructions one run may execute (default 1,000,000, the kernel's verifier limit). */
  readonly budget?: number;
  /**
   * Verify the program with @ea/ebpf-verifier before running it, as the kernel does at load time
   * (default true; `raw` programs have no kernel counterpart and are not verified). A refusal is
   * an EbpfVerifierError naming the pc and the kernel's log line.
   */
  readonly verify?: boolean;
}

/** Returns the context a section name implies. */
export function contextOf(section: string): ContextKind {
  if (/^xdp(\b|[./_]|$)/.test(section)) return 'xdp';
  if (/^socket(\b|[./_]|$)/.test(section)) return 'socket';
  if (/^(tc|tcx|classifier)(\b|[./_]|$)/.test(section)) return 'tc';
  return 'raw';
}

/** Returns a program with the rewrites the kernel's verifier would make for its context. */
function prepareProgram(bytes: Uint8Array, context: ContextKind): CheckedProgram {
  switch (context) {
    case 'xdp': return rewriteXdp(bytes);
    case 'socket': return rewriteLegacyLoads(load(bytes));
    case 'tc': return rewriteContextPointers(rewriteLegacyLoads(load(bytes)), SKB_POINTERS);
    case 'raw': return load(bytes);
    default: return assertNever(context);
  }
}

/** Finds a program by section or function name (the first program when `name` is undefined). */
export function findProgram(object: BpfObject, name?: string): ObjectProgram {
  const program = name === undefined ? object.programs[0] : object.programs.find((p) => p.section === name || p.name === name);
  if (program === undefined) {
    throw new EbpfRunError('bad_input', -1, `no program ${JSON.stringify(name)} (sections: ${object.programs.map((p) => p.section).join(', ')})`);
  }
  return program;
}

/**
 * Is the packets of a capture as `@ea/pcap`'s Capture holds them (packet i is `capLengths[i]`
 * bytes at `offsets[i]` of `data`): runCapture takes one without this package depending on pcap.
 */
export interface PacketList {
  readonly count: number;
  readonly data: Uint8Array;
  readonly offsets: Int32Array;
  readonly capLengths: Int32Array;
}

/**
 * Runs one program of an object on packets. Everything a run needs is made once, here: the
 * regions (global data and map values, which persist), the context region and its view, the
 * compiled program and its helpers. A run only swaps the packet in (its bytes and length).
 */
export class ObjectRunner {
  readonly context: ContextKind;
  readonly program: CheckedProgram;
  /**
   * Runs on a context with region 0 the window `length` bytes at `offset` of `data` and the
   * persistent regions bound once (@ea/ebpf's bound.ts: a run compares none of them); returns r0's
   * low 32 bits, unsigned; #high then gives the high half.
   */
  readonly #run32: (ctx: Uint8Array, data: Uint8Array, offset: number, length: number) => number;
  readonly #high: () => number;
  /** The persistent regions (region 1 on: global data, then map values). */
  readonly #regions: Uint8Array[];
  readonly #ctx: Uint8Array;
  readonly #ctxView: DataView;
  /** The object's ring buffers, checked after each run for reservations left pending. */
  readonly #rings: RingBuffer[];
  /** The frame of the current run, as the socket/tc packet helpers read it. */
  readonly #packet: SkbPacket = { frame: EMPTY, data: 0 };
  readonly #options: RunnerOptions;
  /** Runners of the programs this one tail-calls, by program index, made on first use. */
  readonly #tails = new Map<number, ObjectRunner>();
  #depth = 0;
  /** Region 0 of the current run: `#windowLength` bytes at `#windowOffset` of `#window`. */
  #window: Uint8Array = EMPTY;
  /** What r1 points at in the current run: the context struct, or the packet itself for `raw` (a tail call keeps it). */
  #input: Uint8Array = EMPTY;
  #windowOffset = 0;
  #windowLength = 0;

  constructor(readonly object: BpfObject, source: ObjectProgram, options: RunnerOptions = {}) {
    this.context = options.context ?? contextOf(source.section);
    if (options.verify !== false) verifyOnce(object, source, this.context);
    this.program = prepareProgram(source.bytes, this.context);
    this.#ctx = new Uint8Array(this.context === 'xdp' ? XDP_CTX_BYTES : SKB_CTX_BYTES);
    this.#rings = object.maps.filter((m): m is RingBuffer => m instanceof RingBuffer);
    this.#ctxView = new DataView(this.#ctx.buffer);
    this.#input = this.#ctx;
    const helpers = objectHelpers(object.maps, 1 + object.globals.length, options, (index, pc) => this.#tailCall(index, pc));
    if (this.context === 'socket' || this.context === 'tc') for (const [id, helper] of skbHelpers(this.#packet)) helpers.set(id, helper);
    this.#options = options;
    const budget = options.budget ?? 1_000_000;
    this.#regions = [...object.globals.map((g) => g.bytes), ...mapRegions(object.maps).regions];
    if (options.engine === 'reference') {
      const program = this.program;
      const regions = [EMPTY, ...this.#regions];
      let last = 0n;
      this.#run32 = (ctx, data, offset, length) => {
        regions[0] = data.subarray(offset, offset + length);
        last = interpretReference(program, ctx, { regions, helpers, budget });
        return Number(last & 0xffffffffn);
      };
      this.#high = () => Number(last >> 32n);
    } else {
      const engine = options.engine === 'interp' ? prepare(this.program, { helpers, budget }) : compile(this.program, { helpers, budget });
      const bound = engine.bind(this.#regions);
      this.#run32 = bound.run32;
      this.#high = bound.high;
    }
  }

  /**
   * bpf_tail_call: runs program `index` on the same packet and maps, or returns null (the call
   * fails and the caller goes on) past MAX_TAIL_CALL_CNT (33) calls in a chain, as in the kernel.
   * Each runner in a chain has its own depth, so a program that tail-calls itself gets one runner
   * per level (at most 33).
   */
  #tailCall(index: number, pc: number): bigint | null {
    const source = this.object.programs[index];
    if (source === undefined) throw new EbpfRunError('helper_error', pc, `tail call to program ${index}; the object has ${this.object.programs.length}`);
    if (this.#depth >= MAX_TAIL_CALL_CNT) return null;
    let runner = this.#tails.get(index);
    if (runner === undefined) {
      runner = new ObjectRunner(this.object, source, { ...this.#options, context: this.context });
      runner.#depth = this.#depth + 1;
      this.#tails.set(index, runner);
    }
    // The callee runs on this run's context and packet as they are now (a tail call keeps the
    // context: what the caller wrote in cb[] or mark, the callee reads).
    runner.#packet.frame = this.#packet.frame;
    runner.#packet.data = this.#packet.data;
    runner.#window = this.#window;
    runner.#windowOffset = this.#windowOffset;
    runner.#windowLength = this.#windowLength;
    runner.#input = this.#input;
    const lo = runner.#run32(this.#input, this.#window, this.#windowOffset, this.#windowLength);
    return (BigInt(runner.#high()) << 32n) | BigInt(lo);
  }

  /** Runs the program on one packet (XDP may rewrite it in place); returns r0. */
  run(packet: Uint8Array): bigint {
    const lo = this.run32(packet);
    return (BigInt(this.#high()) << 32n) | BigInt(lo);
  }

  /**
   * Runs the program on one packet; returns r0's low 32 bits, unsigned: what the kernel's
   * bpf_prog_run returns (a u32), and BPF_PROG_TEST_RUN's retval. No BigInt is made.
   */
  run32(packet: Uint8Array): number {
    if (!(packet instanceof Uint8Array)) throw new EbpfRunError('bad_input', -1, 'the packet must be a Uint8Array');
    return this.#runAt(packet, 0, packet.length);
  }

  /** Runs on the packet `length` bytes at `offset` of `data` (checked by the caller). */
  #runAt(data: Uint8Array, offset: number, length: number): number {
    if (this.#rings.length === 0) return this.#enter(data, offset, length);
    let r0: number;
    try {
      r0 = this.#enter(data, offset, length);
    } catch (error) {
      for (const ring of this.#rings) ring.abandon();
      throw error;
    }
    // The kernel's verifier refuses a program that can exit holding a reservation ("Unreleased
    // reference"); here the reservations are dropped and the run is an error: fail closed.
    if (this.#rings.some((ring) => ring.reserved > 0)) {
      for (const ring of this.#rings) ring.abandon();
      throw new EbpfRunError('helper_error', -1, 'the program exited holding a ring buffer reservation (neither submitted nor discarded)');
    }
    return r0;
  }

  #enter(data: Uint8Array, offset: number, length: number): number {
    if (this.context === 'xdp') {
      // The packet is region 0 as a window of data: no subarray (a capture's packets share one buffer).
      this.#window = data;
      this.#windowOffset = offset;
      this.#windowLength = length;
      writeXdpContext(this.#ctxView, length, 0);
      return this.#run32(this.#ctx, data, offset, length);
    }
    const packet = offset === 0 && length === data.length ? data : data.subarray(offset, offset + length);
    switch (this.context) {
      case 'raw':
        this.#window = EMPTY;
        this.#windowOffset = 0;
        this.#windowLength = 0;
        this.#input = packet;
        return this.#run32(packet, EMPTY, 0, 0);
      case 'socket':
      case 'tc': {
        const refusal = skbRefusal(packet);
        if (refusal !== null) throw new EbpfRunError('bad_input', -1, `a ${this.context} program's packet must be ${refusal}, as BPF_PROG_TEST_RUN requires (else EINVAL)`);
        const tc = this.context === 'tc';
        this.#packet.frame = packet;
        this.#packet.data = tc ? 0 : ETH_HLEN;
        // A socket filter has no direct packet access (the kernel's verifier refuses data/data_end):
        // it reads the packet through LD_ABS/LD_IND and helpers only.
        this.#window = tc ? packet : EMPTY;
        this.#windowOffset = 0;
        this.#windowLength = tc ? packet.length : 0;
        writeSkbContext(this.#ctxView, packet, tc, 0);
        return this.#run32(this.#ctx, this.#window, 0, this.#windowLength);
      }
      default:
        return assertNever(this.context);
    }
  }

  /**
   * Runs every packet of a capture in order (state carries from one to the next), as `runBatch`
   * does for classic BPF; returns each r0's low 32 bits. A packet whose bytes lie outside `data`
   * is a `bad_input` error naming it.
   */
  runCapture(capture: PacketList, results = new Uint32Array(capture.count)): Uint32Array {
    const { count, data, offsets, capLengths } = capture;
    if (!(data instanceof Uint8Array) || !Number.isInteger(count) || count < 0 || offsets.length < count || capLengths.length < count || results.length < count) {
      throw new EbpfRunError('bad_input', -1, 'a capture needs data bytes and count offsets, lengths and result slots');
    }
    for (let i = 0; i < count; i++) {
      const base = offsets[i]!;
      const length = capLengths[i]!;
      if (!(base >= 0 && length >= 0 && base + length <= data.length)) throw new EbpfRunError('bad_input', -1, `packet ${i}: ${length} bytes at ${base} are outside the capture's ${data.length}`);
      results[i] = this.#runAt(data, base, length);
    }
    return results;
  }
}

const EMPTY = new Uint8Array(0);
