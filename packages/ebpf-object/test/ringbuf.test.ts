/**
 * bpf_ringbuf_reserve/submit/discard: @ea/testkit's c/bpf/reserve.c fills records in place, discards some and
 * submits two in reverse order; both engines must deliver what a model of the C source expects,
 * in reservation order; as root with bpftool the kernel's return values agree (its ring buffer has
 * no consumer, so only as many packets as fit its 4096 bytes).
 */
import { EbpfRunError } from '@ea/ebpf';
import { loadObject, ObjectRunner, RingBuffer } from '@ea/ebpf-object';
import { describe, expect, it } from 'vitest';
import { bpftoolUnavailable, clangUnavailable, compileC, kernelLoad, packet, random } from './support.js';

const noClang = clangUnavailable();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const u32 = (n: number): string => hex(new Uint8Array(new Uint32Array([n]).buffer));

/** reserve.c, in JavaScript: r0 and the records it sends. */
function model(p: Uint8Array, records: string[]): number {
  if (p.length < 34 || p[12] !== 8 || p[13] !== 0) return 2;
  if (p[23] === 17) return 1;
  records.push(u32(p[23]!) + u32(p.length) + hex(p.subarray(0, 6)) + '0000');
  if (p[23] === 6) records.push(u32(0x12345678));
  return 2;
}

function ring(object: ReturnType<typeof loadObject>): RingBuffer {
  const events = object.maps.find((m) => m.def.name === 'events');
  if (!(events instanceof RingBuffer)) throw new Error('events is not a ring buffer');
  return events;
}

describe.skipIf(noClang !== null)('ring buffer reserve, submit and discard', () => {
  for (const engine of ['jit', 'interp'] as const) {
    it(`reserve.c delivers records in reservation order (${engine})`, () => {
      const object = loadObject(compileC('reserve').bytes);
      const records: string[] = [];
      ring(object).onRecord = (r) => records.push(hex(r));
      // verify: false: @ea/ebpf-verifier has no prototypes for ringbuf_reserve/submit/discard (reference tracking).
      const runner = new ObjectRunner(object, object.programs[0]!, { engine, verify: false });
      const next = random(23);
      const expected: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const p = packet(next);
        expect(runner.run32(p), `packet ${i}`).toBe(model(p, expected));
      }
      expect(expected.filter((r) => r === u32(0x12345678)).length).toBeGreaterThan(10);
      expect(records).toEqual(expected);
    });
  }

  it('refuses what the kernel would: a record past the free space, an unknown commit; abandon drops pending ones', () => {
    const object = loadObject(compileC('reserve').bytes);
    const events = ring(object);
    expect(events.reserve(4096)).toBe(-1);
    expect(events.reserve(4088)).toBe(8);
    expect(events.reserve(1)).toBe(-1); // full while the first is pending
    const got: number[] = [];
    events.onRecord = (r) => got.push(r.length);
    expect(events.commit(9, false)).toBe(false);
    expect(events.commit(8, false)).toBe(true);
    expect(got).toEqual([4088]);
    expect(events.reserve(16)).toBe(8); // room again
    events.abandon();
    expect(events.reserved).toBe(0);
  });

  it('a program exiting with a reservation held is an error', () => {
    // Not a clang program the kernel would load: hand-made by dropping reserve.c's final submit.
    const object = loadObject(compileC('reserve').bytes);
    const runner = new ObjectRunner(object, object.programs[0]!, { engine: 'jit', verify: false });
    const submits = runner.program.insns.flatMap((i, pc) => (i?.kind === 'call' && i.helper === 132 ? [pc] : []));
    expect(submits.length).toBeGreaterThan(0);
    const bytes = object.programs[0]!.bytes.slice();
    bytes[submits[submits.length - 1]! * 8 + 4] = 7; // submit -> get_prandom_u32
    const patched = { ...object, programs: [{ ...object.programs[0]!, bytes }] };
    const broken = new ObjectRunner(patched, patched.programs[0]!, { engine: 'jit', verify: false });
    const ipv4 = new Uint8Array(40);
    ipv4.set([8, 0], 12);
    expect(() => broken.run32(ipv4)).toThrow(EbpfRunError);
    expect(ring(object).reserved).toBe(0);
  });

  it.skipIf(noClang !== null || bpftoolUnavailable() !== null)('the kernel returns the same r0 (BPF_PROG_TEST_RUN)', () => {
    const { bytes, path } = compileC('reserve');
    const object = loadObject(bytes);
    const runner = new ObjectRunner(object, object.programs[0]!, { engine: 'jit', verify: false });
    const kernel = kernelLoad(path);
    try {
      const next = random(29);
      for (let i = 0; i < 60; i++) {
        const p = packet(next, 14); // BPF_PROG_TEST_RUN refuses a shorter XDP frame
        expect(runner.run32(p), `packet ${i}: ${hex(p)}`).toBe(kernel.run(p));
      }
    } finally {
      kernel.close();
    }
  });
});
