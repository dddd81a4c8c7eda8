/**
 * The default interpreter: registers as int32 pairs in two Int32Arrays (low and high halves), the
 * program pre-decoded into an Int32Array (predecode.ts), one switch over dense op numbers in one
 * loop, 64-bit arithmetic from 32-bit operations (pair.ts, shared with the JIT), no allocation on
 * a run. The memory model is memory.ts's: a pointer's high half is the region tag, its low half the
 * offset, and every load, store and atomic is checked against its whole region (`out_of_bounds`
 * at the pc). Results, errors and their pcs equal the BigInt reference's (reference.ts), which
 * runs traced runs (`onStep`) and is the oracle of this engine's differential test.
 */
import { type BoundEbpf, bindRegions, type RegionBinding, windowLength } from './bound.js';
import type { CheckedProgram } from './check.js';
import { EbpfRunError } from './errors.js';
import type { HelperRegistry } from './helpers.js';
import { predecode } from './predecode.js';
import { interpretReference, type RunOptions } from './reference.js';
import { execute } from './run.js';
import { State } from './state.js';


const NO_REGIONS: readonly Uint8Array[] = [];
const EMPTY = new Uint8Array(0);

/** A program prepared for repeated runs (the interpreter's counterpart of the JIT's compile()). */
export interface PreparedEbpf {
  /** Runs on `input` (the context, writable) and extra regions; returns r0 as an unsigned 64-bit bigint. */
  readonly run: (input: Uint8Array, regions?: readonly Uint8Array[]) => bigint;
  /** Runs and returns r0's low 32 bits, unsigned, without allocating. */
  readonly run32: (input: Uint8Array, regions?: readonly Uint8Array[]) => number;
  /** r0's high 32 bits, unsigned, of the last run. */
  readonly high: () => number;
  /** Binds regions 1.. (bound.ts) for runs that give only the input and region 0; high() above also gives their r0's high half. */
  readonly bind: (rest: readonly Uint8Array[]) => BoundEbpf;
}

/** Options of prepare(): those of a run, less the per-run regions and tracing. */
export type PrepareOptions = Omit<RunOptions, 'regions' | 'onStep'>;

/** Prepares a checked program for the fast interpreter; runs reuse one register file and stack. */
export function prepare(program: CheckedProgram, options: PrepareOptions = {}): PreparedEbpf {
  assertCheckedProgram(program, 'prepare');
  const code = predecode(program);
  const helpers = options.helpers;
  // NaN never stops the reference (`steps > NaN` is false): here it means no budget as well.
  const budget = options.budget === undefined || Number.isNaN(options.budget) ? Number.POSITIVE_INFINITY : options.budget;
  const ubpf = (options.convention ?? 'ubpf') === 'ubpf';
  let state: State | null = null;
  let hi = 0;
  // binding: a bound run's regions (then `first` is region 0), or null for a plain run.
  const start = (input: Uint8Array, regions: readonly Uint8Array[], binding: RegionBinding | null, first: Uint8Array): number => {
    // `length`, not `byteLength`: the same for a Uint8Array, and V8 inlines only the former.
    if (!(input instanceof Uint8Array) || input.length > 0x7fffffff) throw new EbpfRunError('bad_input', -1, 'the input must be a Uint8Array of less than 2 GiB');
    // A helper may run this same program again (re-entry): that run gets a state of its own.
    const s = state === null || state.busy ? new State() : state;
    state = s;
    if (binding === null) s.enter(input, regions, ubpf);
    else s.enterBound(input, binding, first, ubpf);
    s.busy = true;
    try {
      const lo = execute(code, s, helpers, budget);
      hi = s.H[0]!;
      return lo >>> 0;
    } finally {
      s.busy = false;
    }
  };
  const run32 = (input: Uint8Array, regions: readonly Uint8Array[] = NO_REGIONS): number => start(input, regions, null, EMPTY);
  return {
    run32,
    bind: (rest) => {
      const binding = bindRegions(rest);
      return {
        run32: (input, data, offset = 0, length) => {
          const n = windowLength(data, offset, length);
          // The interpreter reads regions as Uint8Arrays: a window that is not all of data is a subarray.
          return start(input, NO_REGIONS, binding, offset === 0 && n === data.length ? data : data.subarray(offset, offset + n));
        },
        high: () => hi >>> 0,
      };
    },
    run: (input, regions) => {
      const lo = run32(input, regions);
      return (BigInt(hi >>> 0) << 32n) | BigInt(lo);
    },
    high: () => hi >>> 0,
  };
}

/** Remembers a few prepared forms per program (by helpers, budget and convention), most recent first. */
interface Cached {
  readonly helpers: HelperRegistry | undefined;
  readonly budget: number | undefined;
  readonly convention: RunOptions['convention'];
  readonly prepared: PreparedEbpf;
}
const prepared = new WeakMap<CheckedProgram, Cached[]>();
const KEPT = 4;

/**
 * Runs a program on `input` (the context region; writable); returns r0 as an unsigned 64-bit
 * bigint. r1 points at the input and r2 is its length (uBPF's convention) unless
 * `convention: 'ctx'`. A traced run (`onStep`) runs on the reference interpreter.
 */
export function interpret(program: CheckedProgram, input: Uint8Array, options: RunOptions = {}): bigint {
  assertCheckedProgram(program, 'interpret');
  if (options.onStep !== undefined) return interpretReference(program, input, options);
  const { helpers, budget, convention } = options;
  let list = prepared.get(program);
  if (list === undefined) {
    list = [];
    prepared.set(program, list);
  }
  let hit = list.find((c) => c.helpers === helpers && c.budget === budget && c.convention === convention);
  if (hit === undefined) {
    hit = { helpers, budget, convention, prepared: prepare(program, { ...(helpers && { helpers }), ...(budget !== undefined && { budget }), ...(convention && { convention }) }) };
    list.unshift(hit);
    if (list.length > KEPT) list.pop();
  }
  return hit.prepared.run(input, options.regions);
}

/**
 * Throws EbpfRunError `bad_input` unless `program` has the shape load() and check() return: a
 * caller's mistake (undefined, a raw byte array, a plain object) is a typed error at the entry,
 * never a TypeError from deep inside a run.
 */
export function assertCheckedProgram(program: unknown, entry: string): asserts program is CheckedProgram {
  const p = program as { insns?: unknown } | null;
  if (p === null || typeof p !== 'object' || !Array.isArray(p.insns) || p.insns.length === 0) {
    throw new EbpfRunError('bad_input', -1, `${entry} takes a checked program (load() or check()), not ${describe(program)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'a Uint8Array (decode and check it with load())';
  return typeof value === 'object' ? 'an object without instructions' : typeof value;
}
