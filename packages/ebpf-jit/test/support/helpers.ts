/** Test helpers that read memory through the helpers' facade, in both forms (BigInt and pairs). */
import { type Helper, withPairs } from '@ea/ebpf';

/** Helper 1 of the region tests: the u32 at pointer r1 (bounds-checked by the memory facade). */
export const readU32: Helper = withPairs(
  ([p], memory, pc) => BigInt(memory.resolve(p, 4, pc).getUint32(memory.at, true)),
  (a, memory, pc) => memory.resolvePair(a[1]!, a[0]!, 4, pc).getInt32(memory.at, true),
);
