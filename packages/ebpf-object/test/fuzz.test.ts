/**
 * loadObject on truncated and corrupted objects: every outcome is a loaded object or a typed
 * error (ObjectError, MapError, or EbpfLoadError when the relocated code is malformed), never
 * another exception or a hang; and a program that does load runs with bounds checks, so it ends
 * with r0 or a typed run error. EA_FUZZ=1 runs ten times as many mutations.
 */
import { EbpfLoadError, EbpfRunError } from '@ea/ebpf';
import { loadObject, MapError, ObjectError, ObjectRunner } from '@ea/ebpf-object';
import { describe, expect, it } from 'vitest';
import { clangUnavailable, compileC, packet, random } from './support.js';

const noClang = clangUnavailable();
const N = process.env.EA_FUZZ === '1' ? 20_000 : 2_000;

function typed(e: unknown): boolean {
  return e instanceof ObjectError || e instanceof MapError || e instanceof EbpfLoadError || e instanceof EbpfRunError;
}

describe('malformed objects', () => {
  it('names what is wrong and where', () => {
    expect(() => loadObject(new Uint8Array(10))).toThrow(/truncated at byte 10/);
    expect(() => loadObject(new Uint8Array(64))).toThrow(/not_elf at byte 0/);
    const header = new Uint8Array(64);
    header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    header[18] = 62; // EM_X86_64
    expect(() => loadObject(header)).toThrow(/machine 62 is not EM_BPF/);
    expect(() => loadObject('x' as unknown as Uint8Array)).toThrow(ObjectError);
  });
});

describe.skipIf(noClang !== null)('fuzzed clang objects', () => {
  for (const name of ['counter', 'parser', 'legacy', 'ringbuf', 'tailcall', 'socket', 'reserve']) {
    it(`${name}.o truncated at 400 lengths and with ${N} random corruptions: typed errors only`, () => {
      const good = compileC(name).bytes;
      const next = random(name.length * 7919);
      const outcomes = new Map<string, number>();
      const attempt = (bytes: Uint8Array): void => {
        let outcome: string;
        try {
          const object = loadObject(bytes);
          for (const program of object.programs) {
            // verify: false keeps this about the loader and the run's bounds checks; @ea/ebpf-verifier's
            // fuzz.test.ts fuzzes the verifier on the same objects.
            const runner = new ObjectRunner(object, program, { engine: 'interp', budget: 100_000, verify: false });
            for (let i = 0; i < 3; i++) runner.run(packet(next, 14));
          }
          outcome = 'ran';
        } catch (e) {
          if (!typed(e)) throw new Error(`untyped ${String(e)}`, { cause: e });
          outcome = (e as { reason?: string; errno?: string }).reason ?? (e as { errno: string }).errno;
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      };
      for (let length = 0; length < good.length; length += Math.max(1, Math.floor(good.length / 400))) attempt(good.subarray(0, length));
      for (let i = 0; i < N; i++) {
        const bytes = good.slice();
        const flips = 1 + Math.floor(next() * 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(next() * bytes.length);
          bytes[at] = next() < 0.5 ? bytes[at]! ^ (1 << Math.floor(next() * 8)) : Math.floor(next() * 256);
        }
        attempt(bytes);
      }
      expect(outcomes.get('ran') ?? 0).toBeGreaterThan(0);
      expect(outcomes.get('truncated') ?? 0).toBeGreaterThan(0);
    });
  }
});
