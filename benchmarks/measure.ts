/**
 * Timing and allocation measurement for the JavaScript engines: benchmark.js for
 * throughput (the median of its samples), and heap growth over a long run
 * (with --expose-gc) for the zero-allocation goal.
 */
import Benchmark from 'benchmark';

/** Returns the median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface TimingOptions {
  /** Seconds benchmark.js may spend (default 1). */
  readonly maxTime?: number;
  /** Smoke mode: run once, no statistics. */
  readonly smoke?: boolean;
}

/**
 * Times `pass` (one full pass over `opsPerPass` inputs) and returns the median
 * nanoseconds per input over benchmark.js's samples.
 */
export function timePass(name: string, pass: () => unknown, opsPerPass: number, options: TimingOptions = {}): number {
  if (options.smoke) {
    const t0 = process.hrtime.bigint();
    pass();
    return Number(process.hrtime.bigint() - t0) / opsPerPass;
  }
  const bench = new Benchmark(name, pass, { maxTime: options.maxTime ?? 1, minSamples: 7, initCount: 1 });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return (median(bench.stats.sample) * 1e9) / opsPerPass;
}

export interface Allocation {
  /** Heap growth while running one pass (no collection in between), bytes per input; median of 5 passes. */
  readonly bytesPerOp: number;
  /** Heap retained after `passes` more passes and a full collection, in bytes. */
  readonly retained: number;
}

type Gc = () => void;

/**
 * Measures heap growth of `pass`; null when node was not started with --expose-gc.
 * The median of several single-pass measurements keeps a one-off (a tier-up or a
 * deoptimization during one pass) from being reported as per-run allocation.
 */
export function measureAllocation(pass: () => unknown, opsPerPass: number, passes: number): Allocation | null {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc === undefined) return null;
  pass(); // let the JIT tiers settle first
  const growth: number[] = [];
  for (let i = 0; i < 5; i++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    pass();
    growth.push(Math.max(0, process.memoryUsage().heapUsed - before) / opsPerPass);
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < passes; i++) pass();
  gc();
  const after = process.memoryUsage().heapUsed;
  return { bytesPerOp: median(growth), retained: after - before };
}
