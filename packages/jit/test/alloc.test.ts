/**
 * The JIT's runBatch allocates nothing per call (issue 19), with and without a results array and
 * with a context for the rare paths (reused call after call): 10,000 calls may grow the heap by
 * no more than the measurement's own few bytes per call. It once allocated the batch check's
 * closures and a fresh context on every call.
 */
import { heapGrowth } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { assemble } from '@ea/bpf';
import { verify } from '@ea/verifier';
import { compile, type PacketBatch, type RunBatch } from '../src/index.js';

const CALLS = 10_000;
/** Far below one allocated object per call (a 16-byte heap number would give 160,000). */
const BOUND = 4 * CALLS;

describe("the JIT's runBatch allocates nothing per call", () => {
  const capture = new Uint8Array(128);
  capture[12] = 0x08;
  capture[14] = 0x45;
  capture[34] = 0x12; // at x + 14 in the first packet (x = 20)
  const batch: PacketBatch = { data: new DataView(capture.buffer), offsets: new Int32Array([0, 64]), lengths: new Int32Array([64, 60]) };
  const results = new Uint32Array(2);

  for (const [name, text, context] of [
    ['ip', 'ldh [12]\njeq #0x800, yes, no\nyes: ret #-1\nno: ret #0', undefined],
    ['indirect loads (a context for out-of-range offsets)', 'ldxb 4*([14]&0xf)\nldh [x + 14]\nret a', undefined],
    ['ancillary loads', 'ld proto\nld ifidx\nret a', { ifindex: 3, protocol: 0x800 }],
  ] as const) {
    const runBatch = compile(verify(assemble(text), { profile: 'socket' })).runBatch as RunBatch;
    const shared: PacketBatch = context === undefined ? batch : { ...batch, context };
    it(`${name}: without results`, () => {
      expect(runBatch(shared)).toBeGreaterThan(0);
      expect(heapGrowth(() => runBatch(shared), CALLS)).toBeLessThan(BOUND);
    });
    it(`${name}: with results`, () => {
      runBatch(shared, results);
      expect(results[0]).not.toBe(0);
      expect(heapGrowth(() => runBatch(shared, results), CALLS)).toBeLessThan(BOUND);
    });
  }
});
