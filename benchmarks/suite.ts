/**
 * Runs every workload through every engine in one process run: our interpreter and
 * JIT in this process (benchmark.js), libpcap's bpf_filter and the gcc -O2
 * translation in child processes built by native/build.ts. Match counts and a hash
 * of all return values are compared across engines; any disagreement is reported
 * loudly (stderr and RESULTS.md).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Insn } from '@ea/bpf';
import type { Capture } from '@ea/pcap';
import type { TranslateMode } from './native/translate.js';
import { type JsEngine, loadEngines } from './engines.js';
import { type Allocation, measureAllocation, median, timePass } from './measure.js';
import { buildLibpcapHarness, buildNativeHarness, CACHE_DIR, type NativeResult, nativeUnavailable, runHarness } from './native/build.js';
import { runCompileWorkload, type CompileRow } from './workloads/latency.js';
import { batchHash, batchPass, packetHash, packetPass, preparePacketWorkload } from './workloads/packets.js';
import { prepareSeccompWorkload, seccompHash, seccompPass } from './workloads/seccomp.js';
import { type EaRow, runEaWorkload } from './workloads/ea.js';

export const ENGINE_NAMES = ['interpreter', 'jit', 'interpreterBatch', 'jitBatch', 'libpcap', 'native'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface EngineResult {
  /** Median nanoseconds per packet or call; null when the engine did not run. */
  readonly ns: number | null;
  readonly matched?: number;
  readonly hash?: number;
  /** Why the engine did not run. */
  readonly note?: string;
  readonly allocation?: Allocation | null;
}

export interface Row {
  readonly name: string;
  readonly insns: number;
  readonly engines: Readonly<Record<EngineName, EngineResult>>;
  /** A description of any disagreement between engines, or null. */
  readonly mismatch: string | null;
}

export interface Results {
  readonly smoke: boolean;
  readonly packetCount: number;
  readonly packets: readonly Row[];
  /** ns per packet of the JS loop itself, calling a function that reads nothing. */
  readonly packetFloor: number;
  /** The same loop whose function reads one 16-bit word through the packet's DataView. */
  readonly packetReadFloor: number;
  /** One 16-bit read per packet through a single DataView over the whole capture (offsets, no per-packet views). */
  readonly packetFlatFloor: number;
  readonly seccompFloor: number;
  readonly seccompCount: number;
  readonly seccompSource: string;
  readonly seccomp: readonly Row[];
  readonly compile: readonly CompileRow[];
  readonly eaCalls: number;
  /** EA rows, or why the workload could not run. */
  readonly ea: readonly EaRow[] | string;
}

export interface SuiteOptions {
  readonly smoke?: boolean;
  readonly packets?: number;
  readonly calls?: number;
  /** Repetitions of the C loops (median reported). */
  readonly reps?: number;
  /** Seconds benchmark.js may spend per engine and workload. */
  readonly maxTime?: number;
  readonly log?: (line: string) => void;
}

/** One way of running a program in a JS engine: one pass over the inputs, and the hash of every result. */
interface JsRun {
  readonly name: EngineName;
  readonly pass: () => number;
  readonly hash: () => number;
}

interface Workload<P> {
  readonly label: string;
  readonly count: number;
  readonly programs: readonly { readonly name: string; readonly insns: readonly unknown[]; readonly binPath: string }[];
  /** Runs one program through a JS engine: its ways of running (per call, batch), each a pass and a hash. */
  js(engine: JsEngine, index: number): readonly JsRun[];
  native(): P;
}

/** A native peer that times one program per call (`only`: its index), `reps` timed loops. */
type Peer = (only: number, reps: number) => NativeResult[];

function runWorkload(
  w: Workload<{ libpcap: Peer; native: Peer }>,
  engines: readonly JsEngine[],
  options: Required<Pick<SuiteOptions, 'smoke' | 'maxTime'>> & { readonly reps: number },
  log: (line: string) => void,
): Row[] {
  const nativeMissing = nativeUnavailable();
  let peers: { libpcap: Peer; native: Peer } | null = null;
  let buildNote: string | null = nativeMissing;
  if (buildNote === null) {
    try {
      log(`${w.label}: building the C harnesses`);
      peers = w.native();
    } catch (error) {
      buildNote = `failed: ${(error as Error).message.split('\n')[0]}`;
      log(`${w.label}: C harnesses ${buildNote}`);
    }
  }
  // Each program's C loops run in two halves, right before and right after its JavaScript
  // engines, so the machine's drift (minutes apart) does not land on one side of a ratio.
  const half = Math.max(1, Math.ceil(options.reps / 2));
  const timeNative = (name: 'libpcap' | 'native', i: number): NativeResult | string => {
    if (peers === null) return buildNote ?? 'not built';
    try {
      const r = peers[name](i, half)[0];
      return r === undefined ? 'no result' : r;
    } catch (error) {
      return `failed: ${(error as Error).message.split('\n')[0]}`;
    }
  };
  return w.programs.map((p, i): Row => {
    const before = { libpcap: timeNative('libpcap', i), native: timeNative('native', i) };
    const results: Partial<Record<EngineName, EngineResult>> = {};
    for (const engine of engines) {
      if (engine.missing !== null) {
        results[engine.name] = { ns: null, note: `not available: ${engine.missing}` };
        continue;
      }
      let runs: readonly JsRun[];
      try {
        runs = w.js(engine, i);
      } catch (error) {
        results[engine.name] = { ns: null, note: `failed: ${(error as Error).message.split('\n')[0]}` };
        continue;
      }
      for (const { name, pass, hash } of runs) {
        try {
          const matched = pass();
          const h = hash();
          log(`${w.label} ${i + 1}/${w.programs.length} ${p.name}: ${name}`);
          const ns = timePass(`${name} ${p.name}`, pass, w.count, options);
          const allocation = options.smoke ? null : measureAllocation(pass, w.count, 5);
          results[name] = { ns, matched, hash: h, allocation };
        } catch (error) {
          results[name] = { ns: null, note: `failed: ${(error as Error).message.split('\n')[0]}` };
        }
      }
    }
    for (const name of ['libpcap', 'native'] as const) {
      const first = before[name];
      const second = timeNative(name, i);
      if (typeof first === 'string' || typeof second === 'string') {
        results[name] = { ns: null, note: typeof first === 'string' ? first : (second as string) };
      } else {
        const same = first.matched === second.matched && first.hash === second.hash;
        results[name] = same
          ? { ns: median([...first.ns, ...second.ns]), matched: first.matched, hash: first.hash }
          : { ns: null, note: 'the two halves of the C run disagree' };
      }
    }
    // Ways of running a workload does not have (no batch for seccomp) stay empty, without a note.
    for (const name of ENGINE_NAMES) results[name] ??= { ns: null };
    const engineResults = results as Record<EngineName, EngineResult>;
    const mismatch = crossCheck(engineResults);
    if (mismatch !== null) {
      log(`!!!!!!!! MISMATCH in ${w.label} "${p.name}": ${mismatch} !!!!!!!!`);
    }
    return { name: p.name, insns: p.insns.length, engines: engineResults, mismatch };
  });
}

/**
 * Builds both C harnesses for a workload's programs and returns them as per-program peers:
 * libpcap reads `libpcapInput` (byte-swapped records for seccomp), the gcc translation `nativeInput`.
 */
function nativePeers(
  programs: readonly { readonly insns: readonly Insn[]; readonly binPath: string }[],
  mode: TranslateMode,
  libpcapInput: string,
  nativeInput: string,
): { libpcap: Peer; native: Peer } {
  const lib = buildLibpcapHarness();
  const gcc = buildNativeHarness(programs.map((p) => p.insns), mode);
  const files = programs.map((p) => p.binPath);
  return {
    libpcap: (only, n) => runHarness(lib, libpcapInput, n, files, only),
    native: (only, n) => runHarness(gcc, nativeInput, n, [], only),
  };
}

/** One pass reading the EtherType of every packet through one DataView over the whole capture. */
function flatReadPass(capture: Capture): () => number {
  const { data, offsets, capLengths, count } = capture;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return () => {
    let matched = 0;
    for (let i = 0; i < count; i++) {
      if (capLengths[i]! >= 14 && view.getUint16(offsets[i]! + 12) === 0x0800) matched++;
    }
    return matched;
  };
}

/** Compares match counts and return-value hashes of every engine that ran. */
export function crossCheck(results: Readonly<Record<EngineName, EngineResult>>): string | null {
  const ran = ENGINE_NAMES.filter((e) => results[e].matched !== undefined);
  const first = ran[0];
  if (first === undefined) return null;
  const ref = results[first];
  const bad = ran.filter((e) => results[e].matched !== ref.matched || results[e].hash !== ref.hash);
  if (bad.length === 0) return null;
  return ran.map((e) => `${e} matched ${results[e].matched} hash ${results[e].hash}`).join('; ');
}

/** Runs every workload and returns the numbers (writing nothing but harness inputs in the cache). */
export async function runSuite(options: SuiteOptions = {}): Promise<Results> {
  const smoke = options.smoke ?? false;
  const log = options.log ?? ((line: string) => process.stderr.write(`[bench] ${line}\n`));
  const packetCount = options.packets ?? (smoke ? 2000 : 100_000);
  const calls = options.calls ?? (smoke ? 2000 : 100_000);
  const reps = options.reps ?? (smoke ? 1 : 51);
  const timing = { smoke, maxTime: options.maxTime ?? 1, reps };
  const dir = join(CACHE_DIR, smoke ? 'smoke' : 'full');
  const engines = await loadEngines();
  for (const e of engines) if (e.missing !== null) log(`engine ${e.name} not available: ${e.missing}`);

  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('the packet workload compiles its filters with tcpdump: apt-get install tcpdump (.ci/run installs it)');
  }
  log(`generating ${packetCount} packets and compiling the filters with tcpdump -ddd`);
  const pw = preparePacketWorkload(dir, packetCount);
  const packets = runWorkload(
    {
      label: 'packets',
      count: pw.capture.count,
      programs: pw.programs,
      js(engine, i) {
        const program = pw.programs[i]!.program;
        const run = engine.packet(program);
        const batch = engine.packetBatch(program);
        return [
          { name: engine.name, pass: packetPass(pw.set, run), hash: () => packetHash(pw.set, run) },
          { name: `${engine.name}Batch`, pass: batchPass(pw.set, batch), hash: () => batchHash(pw.set, batch) },
        ];
      },
      native: () => nativePeers(pw.programs, 'packet', pw.pcapPath, pw.pcapPath),
    },
    engines,
    timing,
    log,
  );

  const packetFloor = timePass('floor', packetPass(pw.set, (ctx) => ctx.wireLength! & 1), pw.capture.count, timing);
  const packetReadFloor = timePass(
    'floor with a read',
    packetPass(pw.set, (ctx) => (ctx.length! >= 14 ? ctx.data.getUint16(ctx.offset! + 12) : 0)),
    pw.capture.count,
    timing,
  );
  const packetFlatFloor = timePass('flat floor', flatReadPass(pw.capture), pw.capture.count, timing);

  log(`building ${calls} syscalls and the seccomp policies`);
  const sw = prepareSeccompWorkload(dir, calls);
  const seccomp = runWorkload(
    {
      label: 'seccomp',
      count: sw.count,
      programs: sw.programs,
      js(engine, i) {
        const run = engine.seccomp(sw.programs[i]!.program);
        return [{ name: engine.name, pass: seccompPass(sw.views, run), hash: () => seccompHash(sw.views, run) }];
      },
      native: () => nativePeers(sw.programs, 'seccomp', sw.swappedPcapPath, sw.pcapPath),
    },
    engines,
    timing,
    log,
  );

  const seccompFloor = timePass('floor', seccompPass(sw.views, (view) => view.getUint32(0, true) & 1), sw.count, timing);

  log('compile latency');
  const compile = runCompileWorkload(engines, smoke);

  log('EA flatten + filter');
  const eaCalls = smoke ? 100 : 10_000;
  let ea: readonly EaRow[] | string;
  try {
    ea = runEaWorkload(engines, eaCalls, timing);
    for (const r of ea) if (r.mismatch !== null) log(`!!!!!!!! MISMATCH in EA "${r.name}": ${r.mismatch} !!!!!!!!`);
  } catch (error) {
    ea = `failed: ${(error as Error).message.split('\n')[0]}`;
    log(`EA workload ${ea}`);
  }
  return {
    smoke,
    packetCount: pw.capture.count,
    packets,
    packetFloor,
    packetReadFloor,
    packetFlatFloor,
    seccompFloor,
    seccompCount: sw.count,
    seccompSource: sw.source,
    seccomp,
    compile,
    eaCalls,
    ea,
  };
}
