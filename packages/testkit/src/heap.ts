/**
 * Heap growth of a call repeated many times, for the engines' allocation-free checks. The collector is
 * reached through V8's flag (vitest starts node without --expose-gc). Calls run in chunks small
 * enough that a per-call allocation of up to a few hundred bytes fills no young generation
 * (1 MB at least), so no scavenge runs inside a chunk to hide it: each chunk starts right after
 * a full collection and its growth is read at its end. Deterministic for a call that allocates
 * nothing (only the measurement's own objects), and large for one that allocates per call.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null = null;

/** Returns V8's full collection, exposing it on first use (not at import: @ea/testkit is imported by every test). */
function gcFunction(): () => void {
  if (collect === null) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/**
 * Returns the heap growth, in bytes, of `calls` calls of `f`: the median chunk's growth times
 * the number of chunks. The median keeps a one-off (the measuring loop's own tier-up in its
 * first chunks) from counting; the measurement itself adds about 1 byte per call.
 */
export function heapGrowth(f: () => unknown, calls = 10_000, chunk = 250): number {
  const gc = gcFunction();
  for (let i = 0; i < calls; i++) f(); // let the JIT tiers settle (compiled code is heap too)
  const growth: number[] = [];
  for (let done = 0; done < calls; done += chunk) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < chunk; i++) f();
    growth.push(process.memoryUsage().heapUsed - before);
  }
  growth.sort((a, b) => a - b);
  return growth[growth.length >> 1]! * growth.length;
}
