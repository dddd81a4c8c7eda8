/**
 * The verifier on corrupted clang objects and random instruction bytes: every outcome is a verdict
 * (accepted, or an EbpfVerifierError naming reason and pc) or a typed load error — never another
 * exception or a hang (a budget of 20,000 instructions keeps each walk short). EA_FUZZ=1 runs ten
 * times as many.
 */
import { decodeBytes, EbpfLoadError } from '@ea/ebpf';
import { contextOf, kernelView, loadObject, MapError, ObjectError, progTypeOf } from '@ea/ebpf-object';
import { checkEbpf, type ProgType } from '@ea/ebpf-verifier';
import { seededFloats } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { clangUnavailable, compileC, OBJECT_C_DIR } from './support.js';

const noClang = clangUnavailable();
const N = process.env.EA_FUZZ === '1' ? 3000 : 300;

const random = seededFloats;

function outcome(body: () => string): string {
  try {
    return body();
  } catch (e) {
    if (e instanceof EbpfLoadError || e instanceof ObjectError) return e.reason;
    if (e instanceof MapError) return 'map_error';
    throw new Error(`untyped ${String(e)}`, { cause: e });
  }
}

describe.skipIf(noClang !== null)('fuzzed inputs', () => {
  for (const name of ['counter', 'tailcall', 'socket']) {
    it(`${name}.o with ${N} corruptions: verdicts or typed errors`, () => {
      const good = compileC(OBJECT_C_DIR, name);
      const next = random(name.length * 104729);
      const seen = new Map<string, number>();
      for (let i = 0; i < N; i++) {
        const bytes = good.slice();
        for (let f = 0; f < 1 + Math.floor(next() * 3); f++) {
          const at = Math.floor(next() * bytes.length);
          bytes[at] = bytes[at]! ^ (1 << Math.floor(next() * 8));
        }
        const o = outcome(() => {
          const object = loadObject(bytes);
          return object.programs.map((p) => {
            const progType = progTypeOf(contextOf(p.section));
            if (progType === null) return 'raw';
            const view = kernelView(object, p);
            const v = checkEbpf(decodeBytes(view.bytes), { progType, maps: view.maps, budget: 20_000 });
            return v.accepted ? 'accepted' : v.error.reason;
          }).join(',');
        });
        seen.set(o, (seen.get(o) ?? 0) + 1);
      }
      expect(seen.size).toBeGreaterThan(1);
    });
  }

  it(`${N * 10} random programs of 2-40 instructions: verdicts or typed errors`, () => {
    const next = random(0xbeef);
    const types: ProgType[] = ['xdp', 'socket_filter', 'tc', 'raw'];
    const reasons = new Set<string>();
    for (let i = 0; i < N * 10; i++) {
      const bytes = new Uint8Array(8 * (2 + Math.floor(next() * 39)));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
      // End with exit so some programs get past the structural checks.
      bytes.set([0x95, 0, 0, 0, 0, 0, 0, 0], bytes.length - 8);
      const o = outcome(() => {
        const v = checkEbpf(bytes, { progType: types[i % 4]!, memSize: 16, maps: [{ type: 2, keySize: 4, valueSize: 8, maxEntries: 1 }], budget: 20_000 });
        return v.accepted ? 'accepted' : v.error.reason;
      });
      reasons.add(o);
    }
    // Random bytes reach many refusals (decode errors, then the verifier's own).
    expect(reasons.size).toBeGreaterThan(2);
  });
});
