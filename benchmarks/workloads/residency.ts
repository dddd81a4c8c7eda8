/**
 * Where the packets are: the cache-resident workload (the capture's first 2,000 packets, 50
 * passes per timed run, the C peers timed the same way through EA_HARNESS_PASSES) and the cold
 * one (one pass over the whole capture after writing a buffer larger than the last-level cache,
 * on both sides: EA_HARNESS_EVICT in the C harness). Each has a "JS floor": the same kind of loop
 * reading the same bytes (each packet's EtherType through one DataView over the capture) and
 * doing nothing else, which bounds what any filter in JavaScript can cost.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketBatch, PacketIndex } from '@ea/interpreter';
import { type Capture, captureFromPackets, writePcap } from '@ea/pcap';
import type { JsEngine } from '../engines.js';
import { median, timePass, type TimingOptions } from '../measure.js';
import { buildLibpcapHarness, buildNativeHarness, nativeUnavailable, runHarness } from '../native/build.js';
import { type FilterProgram, packetBatch, packetSet } from './packets.js';

/** ns per packet of each way; null when it did not run. */
export interface ResidencyRow {
  readonly name: string;
  readonly insns: number;
  readonly jit: number | null;
  readonly interpreter: number | null;
  readonly libpcap: number | null;
  readonly native: number | null;
  /** Whether the match counts of every way that ran agree. */
  readonly agree: boolean;
}

export interface ResidencyResults {
  readonly packets: number;
  readonly passes: number;
  readonly floor: number;
  /** The floor's read in a function given the batch as arguments, as runBatch is (argumentFloor). */
  readonly floorArgs: number;
  /** The same, checking each packet's range against the view first, as runBatch must. */
  readonly floorChecked: number;
  readonly rows: readonly ResidencyRow[];
  readonly note: string | null;
}

/** Bytes written between cold passes: more than any last-level cache this runs on. */
export const EVICT_BYTES = 256 << 20;

/** The first `n` packets of a capture, as a capture of their own. */
export function headOf(capture: Capture, n: number): Capture {
  const list = [];
  for (let i = 0; i < Math.min(n, capture.count); i++) {
    const at = capture.offsets[i]!;
    list.push({ data: capture.data.subarray(at, at + capture.capLengths[i]!), wireLength: capture.wireLengths[i]!, linkType: capture.linkTypes[i]! });
  }
  return captureFromPackets(list);
}

/** One read of each packet's EtherType through one view over the capture, `passes` times. */
function floorPass(batch: PacketBatch, count: number, passes: number): () => number {
  const view = batch.data;
  const { offsets, lengths } = batch;
  return () => {
    let matched = 0;
    for (let p = 0; p < passes; p++) {
      for (let i = 0; i < count; i++) if (lengths[i]! >= 14 && view.getUint16(offsets[i]! + 12) === 0x0800) matched++;
    }
    return matched;
  };
}

/**
 * The floor's loop as a function that is given the batch, the way every runBatch is: one call
 * per pass with the view and arrays as arguments. The floor above captures one batch in its
 * closure, and V8 compiles that closure for those very objects: in its machine code the offsets
 * array is read at a constant address without a map or bounds check, and the view's length is a
 * constant. Here the maps, lengths and data pointers are loaded and checked on every iteration
 * (V8 does not hoist them out of the loop), which is what any filter over a caller's batch pays.
 */
function argumentFloor(view: DataView, offsets: PacketIndex, lengths: PacketIndex, count: number): number {
  let matched = 0;
  for (let i = 0; i < count; i++) if (lengths[i]! >= 14 && view.getUint16(offsets[i]! + 12) === 0x0800) matched++;
  return matched;
}

/**
 * argumentFloor, checking first that each packet lies inside the view, as runBatch must: a packet
 * outside it is an error naming it, never a verdict (the same test as the generated loop's).
 */
function checkedFloor(view: DataView, offsets: PacketIndex, lengths: PacketIndex, count: number): number {
  const total = view.byteLength;
  let matched = 0;
  for (let i = 0; i < count; i++) {
    const base = offsets[i]!;
    const len = lengths[i]!;
    if (!(base >= 0 && len >= 0 && base + len <= total)) throw new RangeError(`packet ${i} lies outside the view`);
    if (len >= 14 && view.getUint16(base + 12) === 0x0800) matched++;
  }
  return matched;
}

/**
 * `passes` calls of a floor given the batch as arguments. The calls alternate between two batch
 * objects over the same view and arrays: were the floor inlined into this closure over one batch,
 * V8 could again compile it for that batch's objects.
 */
function argumentPass(floor: typeof argumentFloor, batch: PacketBatch, count: number, passes: number): () => number {
  const twins = [{ ...batch }, { ...batch }] as const;
  return () => {
    let matched = 0;
    for (let p = 0; p < passes; p++) {
      const b = p & 1 ? twins[1] : twins[0];
      matched += floor(b.data, b.offsets, b.lengths, count);
    }
    return matched;
  };
}

let sink = 0;
/** Returns what the timed passes folded together, so no engine can skip them as dead code. */
export function residencySink(): number {
  return sink;
}
const evictBuffer = { bytes: null as Uint8Array | null };

/** Writes every cache line of a buffer larger than the last-level cache (outside the timing). */
function evict(): void {
  evictBuffer.bytes ??= new Uint8Array(EVICT_BYTES);
  const b = evictBuffer.bytes;
  for (let i = 0; i < b.length; i += 64) b[i] = (b[i]! + 1) & 0xff;
  sink ^= b[64]!;
}

/** Times `pass` `reps` times, each right after an eviction: median ns per packet. */
function timeCold(pass: () => number, count: number, reps: number): number {
  pass(); // warm the code, not the data
  const ns: number[] = [];
  for (let r = 0; r < reps; r++) {
    evict();
    const t0 = process.hrtime.bigint();
    sink ^= pass();
    ns.push(Number(process.hrtime.bigint() - t0) / count);
  }
  return median(ns);
}

/**
 * Runs the resident (`mode` 'resident': first `head` packets x `passes`) or the cold workload
 * over `programs`, JIT and interpreter runBatch against libpcap and the gcc translation.
 */
export function runResidencyWorkload(
  mode: 'resident' | 'cold',
  capture: Capture,
  programs: readonly FilterProgram[],
  engines: readonly JsEngine[],
  dir: string,
  timing: TimingOptions & { readonly reps: number },
  log: (line: string) => void = () => {},
): ResidencyResults {
  const head = mode === 'resident' ? headOf(capture, 2000) : capture;
  const passes = mode === 'resident' ? 50 : 1;
  mkdirSync(dir, { recursive: true });
  const pcapPath = join(dir, `${mode}-${head.count}.pcap`);
  writeFileSync(pcapPath, writePcap(head));
  const batch = packetBatch(packetSet(head));
  const count = head.count * passes;
  const time = (name: string, pass: () => number): number =>
    mode === 'resident' ? timePass(name, pass, count, timing) : timeCold(pass, count, timing.smoke ? 1 : timing.reps);
  const floor = time(`${mode} floor`, floorPass(batch, head.count, passes));
  const floorArgs = time(`${mode} floor, batch as arguments`, argumentPass(argumentFloor, batch, head.count, passes));
  const floorChecked = time(`${mode} floor, batch as arguments, ranges checked`, argumentPass(checkedFloor, batch, head.count, passes));
  const env: Record<string, string> = mode === 'resident' ? { EA_HARNESS_PASSES: String(passes) } : { EA_HARNESS_EVICT: String(EVICT_BYTES) };
  let note = nativeUnavailable();
  let lib: string | null = null;
  let gcc: string | null = null;
  if (note === null) {
    try {
      lib = buildLibpcapHarness();
      gcc = buildNativeHarness(programs.map((p) => p.insns), 'packet');
    } catch (error) {
      note = `C harnesses failed: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  const reps = Math.max(1, timing.smoke ? 1 : timing.reps);
  const native = (binary: string | null, i: number, files: readonly string[]): { ns: number; matched: number } | null => {
    if (binary === null) return null;
    const r = runHarness(binary, pcapPath, reps, files, i, env)[0];
    return r === undefined ? null : { ns: median(r.ns), matched: r.matched };
  };
  const jit = engines.find((e) => e.name === 'jit' && e.missing === null);
  const interp = engines.find((e) => e.name === 'interpreter' && e.missing === null);
  const rows = programs.map((p, i): ResidencyRow => {
    log(`${mode} ${i + 1}/${programs.length} ${p.name}`);
    const c1 = native(lib, i, programs.map((q) => q.binPath));
    const g1 = native(gcc, i, []);
    const counts: number[] = [];
    const js = (engine: JsEngine | undefined): number | null => {
      if (engine === undefined) return null;
      const run = engine.packetBatch(p.program);
      counts.push(run(batch) * passes);
      const pass = (): number => {
        let m = 0;
        for (let k = 0; k < passes; k++) m += run(batch);
        return m;
      };
      return time(`${mode} ${engine.name} ${p.name}`, pass);
    };
    const jitNs = js(jit);
    const interpNs = js(interp);
    const c2 = native(lib, i, programs.map((q) => q.binPath));
    const g2 = native(gcc, i, []);
    // The C loops ran in two halves around the JavaScript engines, as in the main workloads.
    const both = (a: { ns: number; matched: number } | null, b: { ns: number; matched: number } | null): number | null => {
      if (a === null || b === null) return null;
      counts.push(a.matched * passes, b.matched * passes);
      return (a.ns + b.ns) / 2;
    };
    const libpcap = both(c1, c2);
    const gccNs = both(g1, g2);
    return { name: p.name, insns: p.insns.length, jit: jitNs, interpreter: interpNs, libpcap, native: gccNs, agree: counts.every((c) => c === counts[0]) };
  });
  return { packets: head.count, passes, floor, floorArgs, floorChecked, rows, note };
}
