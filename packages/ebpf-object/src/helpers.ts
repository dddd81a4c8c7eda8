/**
 * The kernel helpers an object's programs call, over its maps (ids from include/uapi/linux/bpf.h
 * ___BPF_FUNC_MAPPER): map_lookup_elem (1), map_update_elem (2), map_delete_elem (3),
 * ktime_get_ns (5), trace_printk (6), get_prandom_u32 (7), get_smp_processor_id (8), tail_call (12),
 * ringbuf_output, reserve, submit and discard (130-133). A map
 * argument is a map handle (see loadObject); anything else is a `helper_error`. Keys and values
 * are read through the run's memory, bounds-checked like any access. Failures return the negated
 * errno as the kernel's helpers do.
 */
import { EbpfRunError, type Helper, type Memory, type PairOut, pointer, REGION_EXTRA, withPairs } from '@ea/ebpf';
import { ERRNO } from './errors.js';
import { type BpfMap, mapRegions, ProgArray, type Refusal, RingBuffer } from './maps.js';
import { MAP_HANDLE_BASE } from './object.js';

/** Helper ids. */
export const HELPER_IDS = {
  map_lookup_elem: 1, map_update_elem: 2, map_delete_elem: 3, ktime_get_ns: 5, trace_printk: 6, get_prandom_u32: 7, get_smp_processor_id: 8,
  tail_call: 12, ringbuf_output: 130, ringbuf_reserve: 131, ringbuf_submit: 132, ringbuf_discard: 133,
} as const;

/** What the environment provides to helpers (all injectable, for reproducible runs). */
export interface HelperEnvironment {
  /** ktime_get_ns: nanoseconds (default: performance.now()). */
  readonly now?: () => bigint;
  /** get_prandom_u32 (default: Math.random). */
  readonly random?: () => number;
  /** trace_printk's formatted line (default: dropped). */
  readonly print?: (line: string) => void;
}

/** Runs program `index` of the object on the current context for bpf_tail_call; returns its r0, or null when the chain is too long. */
export type TailCall = (program: number, pc: number) => bigint | null;

const M64 = (1n << 64n) - 1n;

/** Copies `size` bytes at a program pointer (bounds-checked). */
function bytesAt(memory: Memory, address: bigint, size: number, pc: number): Uint8Array {
  const view = memory.resolve(address, size, pc);
  return new Uint8Array(view.buffer, view.byteOffset + memory.at, size).slice();
}

/** Returns the bytes at a pointer given as pairs (bounds-checked), as a view of them: no copy. */
function bytesAtPair(memory: Memory, lo: number, hi: number, size: number, pc: number): Uint8Array {
  const view = memory.resolvePair(hi, lo, size, pc);
  return new Uint8Array(view.buffer, view.byteOffset + memory.at, size);
}

/** Returns r0 for a refusal as pairs: 0, or the negated errno (high half all ones). */
function errnoPair(refusal: Refusal | null, out: PairOut): number {
  if (refusal === null) return 0;
  out.hi = -1;
  return -ERRNO[refusal[0]];
}

/**
 * Returns the helper registry for an object's maps, whose regions (mapRegions) start at extra
 * region `firstMapRegion`: a value pointer is (its own region, 0) for a map with a region per
 * value, else (the map's region, slot * value_size).
 * The map helpers and get_prandom_u32 come in both forms (withPairs): BigInt arguments for the
 * interpreter, int32 halves for the JIT, so a helper called per packet allocates no BigInt.
 */
export function objectHelpers(maps: readonly BpfMap[], firstMapRegion: number, env: HelperEnvironment = {}, tailCall?: TailCall): Map<number, Helper> {
  const mapOf = (handle: bigint, pc: number): [BpfMap, number] => {
    const i = Number(handle - BigInt(MAP_HANDLE_BASE));
    const map = handle >= BigInt(MAP_HANDLE_BASE) ? maps[i] : undefined;
    if (map === undefined) throw new EbpfRunError('helper_error', pc, `0x${handle.toString(16)} is not a map`);
    return [map, i];
  };
  const layout = mapRegions(maps);
  /** Sets a value pointer: returns its low half (the offset) and leaves the tag in out.hi. */
  const valuePointer = (i: number, slot: number): [number, number] => {
    const region = REGION_EXTRA + firstMapRegion + layout.first[i]!;
    return layout.perValue[i] ? [region + slot, 0] : [region, slot * maps[i]!.def.valueSize];
  };
  /**
   * bpf_ringbuf_submit/discard: `data` must be what ringbuf_reserve returned and has not been
   * committed (the kernel's verifier tracks this reference); anything else is a helper_error.
   */
  const commitRecord = (data: bigint, discard: boolean, pc: number): bigint => {
    const tag = Number(data >> 32n);
    const i = maps.findIndex((map, k) => map instanceof RingBuffer && valuePointer(k, 0)[0] === tag);
    const ring = maps[i];
    if (!(ring instanceof RingBuffer) || !ring.commit(Number(data & 0xffffffffn), discard)) {
      throw new EbpfRunError('helper_error', pc, `0x${data.toString(16)} is not a pending ring buffer reservation`);
    }
    return 0n;
  };
  const mapAt = (lo: number, hi: number, pc: number): number => {
    const i = (lo >>> 0) - MAP_HANDLE_BASE;
    if (hi !== 0 || i < 0 || i >= maps.length) return mapOf(BigInt.asUintN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0)), pc)[1];
    return i;
  };
  const errno = (refusal: Refusal | null): bigint => (refusal === null ? 0n : BigInt.asUintN(64, BigInt(-ERRNO[refusal[0]])));
  const now = env.now ?? (() => BigInt(Math.round(performance.now() * 1e6)));
  const random = env.random ?? (() => Math.floor(Math.random() * 2 ** 32));
  return new Map<number, Helper>([
    [HELPER_IDS.map_lookup_elem, withPairs(([m, key], memory, pc) => {
      const [map, i] = mapOf(m, pc);
      const slot = map.slotOf(bytesAt(memory, key, map.def.keySize, pc));
      if (slot < 0) return 0n;
      const [tag, offset] = valuePointer(i, slot);
      return pointer(tag, offset);
    }, (a, memory, pc, out) => {
      const i = mapAt(a[0]!, a[1]!, pc);
      const map = maps[i]!;
      const view = memory.resolvePair(a[3]!, a[2]!, map.def.keySize, pc);
      const slot = map.slotAt(view, memory.at);
      if (slot < 0) return 0;
      const [tag, offset] = valuePointer(i, slot);
      out.hi = tag;
      return offset;
    })],
    [HELPER_IDS.map_update_elem, withPairs(([m, key, value, flags], memory, pc) => {
      const [map] = mapOf(m, pc);
      const k = bytesAt(memory, key, map.def.keySize, pc);
      const v = bytesAt(memory, value, map.def.valueSize, pc);
      return errno(map.tryUpdate(k, v, flags > 0xffffffffn ? -1 : Number(flags)));
    }, (a, memory, pc, out) => {
      const map = maps[mapAt(a[0]!, a[1]!, pc)]!;
      const k = bytesAtPair(memory, a[2]!, a[3]!, map.def.keySize, pc);
      const v = bytesAtPair(memory, a[4]!, a[5]!, map.def.valueSize, pc);
      return errnoPair(map.tryUpdate(k, v, a[7] !== 0 ? -1 : a[6]! >>> 0), out);
    })],
    [HELPER_IDS.map_delete_elem, withPairs(([m, key], memory, pc) => {
      const [map] = mapOf(m, pc);
      return errno(map.tryDelete(bytesAt(memory, key, map.def.keySize, pc)));
    }, (a, memory, pc, out) => {
      const map = maps[mapAt(a[0]!, a[1]!, pc)]!;
      return errnoPair(map.tryDelete(bytesAtPair(memory, a[2]!, a[3]!, map.def.keySize, pc)), out);
    })],
    // bpf_tail_call: on success the caller never resumes (r0 is the callee's); an empty slot or an
    // index out of range returns to the caller, which goes on (kernel: bpf_tail_call falls through).
    [HELPER_IDS.tail_call, ([, m, index], _memory, pc) => {
      const [map] = mapOf(m, pc);
      if (!(map instanceof ProgArray)) throw new EbpfRunError('helper_error', pc, `tail_call through map ${map.def.name}, a ${map.typeName}`);
      const program = index < BigInt(map.def.maxEntries) ? map.program(Number(index)) : undefined;
      const r0 = program === undefined || tailCall === undefined ? null : tailCall(program, pc);
      return r0 === null ? BigInt.asUintN(64, BigInt(-ERRNO.ENOENT)) : { exit: r0 };
    }],
    [HELPER_IDS.ringbuf_output, ([m, data, size], memory, pc) => {
      const [map] = mapOf(m, pc);
      if (!(map instanceof RingBuffer)) throw new EbpfRunError('helper_error', pc, `ringbuf_output on map ${map.def.name}, a ${map.typeName}`);
      if (size > 0xffffffffn) return errno(['EINVAL', 'size']);
      return errno(map.output(bytesAt(memory, data, Number(size), pc)));
    }],
    // bpf_ringbuf_reserve(ringbuf, size, flags): a pointer to size bytes of the ring's data area
    // (its region), or NULL: flags other than 0, or no room (kernel/bpf/ringbuf.c).
    [HELPER_IDS.ringbuf_reserve, ([m, size, flags], _memory, pc) => {
      const [map, i] = mapOf(m, pc);
      if (!(map instanceof RingBuffer)) throw new EbpfRunError('helper_error', pc, `ringbuf_reserve on map ${map.def.name}, a ${map.typeName}`);
      if (flags !== 0n || size > 0xffffffffn) return 0n;
      const at = map.reserve(Number(size));
      if (at < 0) return 0n;
      const [tag] = valuePointer(i, 0);
      return pointer(tag, at);
    }],
    [HELPER_IDS.ringbuf_submit, ([data], _memory, pc) => commitRecord(data, false, pc)],
    [HELPER_IDS.ringbuf_discard, ([data], _memory, pc) => commitRecord(data, true, pc)],
    [HELPER_IDS.ktime_get_ns, () => now() & M64],
    [HELPER_IDS.get_prandom_u32, withPairs(() => BigInt(random() >>> 0), () => random() | 0)],
    [HELPER_IDS.get_smp_processor_id, withPairs(() => 0n, () => 0)],
    [HELPER_IDS.trace_printk, ([fmt, size, a1, a2, a3], memory, pc) => {
      const n = Number(size > 512n ? 512n : size);
      const text = String.fromCharCode(...bytesAt(memory, fmt, n, pc)).replace(/\0.*$/s, '');
      const line = formatPrintk(text, [a1, a2, a3]);
      env.print?.(line);
      return BigInt(line.length);
    }],
  ]);
}

/** Formats a bpf_trace_printk line: %d %i %u %x %p with l/ll modifiers, %%; other conversions verbatim. */
export function formatPrintk(format: string, args: readonly bigint[]): string {
  let next = 0;
  return format.replace(/%(%|l{0,2}[diuxp])/g, (whole, spec: string) => {
    if (spec === '%') return '%';
    const arg = args[next++];
    if (arg === undefined) return whole;
    const conv = spec[spec.length - 1];
    const wide = spec.startsWith('l') || conv === 'p';
    const v = wide ? arg : arg & 0xffffffffn;
    if (conv === 'd' || conv === 'i') return (wide ? BigInt.asIntN(64, v) : BigInt.asIntN(32, v)).toString();
    if (conv === 'x') return v.toString(16);
    if (conv === 'p') return `0x${v.toString(16)}`;
    return v.toString();
  });
}
