/**
 * PacketContext.offset / .length: a packet at offset N inside a larger buffer of random bytes
 * runs exactly like the same packet alone in its own view (random programs, random packets and
 * random surroundings), and contexts whose offset/length leave the view throw BAD_INPUT.
 */
import { verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InterpreterError, type PacketContext, packetContext, prepare } from '../src/index.js';
import { programArb } from '@ea/testkit';
import { program, runSocket } from './support/run.js';

const RUNS = process.env['EA_FUZZ'] ? 20_000 : 1_000;

/** A packet of random bytes, mostly short (so loads near and past its end are common). */
const bytesArb = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 48 }), fc.uint8Array({ minLength: 49, maxLength: 120 }));

/** Ancillary fields both contexts share (networkOffset/linkOffset are relative to the packet). */
const fieldsArb = fc.record(
  {
    networkOffset: fc.nat(40),
    linkOffset: fc.nat(20),
    wireLength: fc.oneof(fc.nat(200), fc.constant(0xffffffff)),
    ifindex: fc.nat(10),
    hatype: fc.nat(1000),
    protocol: fc.constantFrom(0x800, 0x86dd, 0),
  },
  { requiredKeys: [] },
);

function embedded(bytes: Uint8Array, before: Uint8Array, after: Uint8Array, fields: Omit<PacketContext, 'data'>): PacketContext {
  const buffer = new Uint8Array(before.length + bytes.length + after.length);
  buffer.set(before, 0);
  buffer.set(bytes, before.length);
  buffer.set(after, before.length + bytes.length);
  return {
    ...fields,
    data: new DataView(buffer.buffer),
    offset: before.length,
    length: bytes.length,
  };
}

describe('a packet at an offset in a bigger buffer runs like the packet alone', () => {
  it('for random socket programs, packets and surrounding garbage', () => {
    const garbage = fc.uint8Array({ minLength: 0, maxLength: 64 });
    fc.assert(
      fc.property(programArb('packet', 40), bytesArb, garbage, garbage, fieldsArb, (insns, bytes, before, after, fields) => {
        const interp = prepare(verify(insns, { profile: 'socket' }));
        const alone = interp.runPacket(packetContext(bytes, fields));
        const inside = interp.runPacket(embedded(bytes, before, after, fields));
        expect(inside).toBe(alone);
        // The same bytes with the garbage inverted: nothing outside the packet may matter.
        const flipped = interp.runPacket(embedded(bytes, before.map((b) => b ^ 0xff), after.map((b) => b ^ 0xff), fields));
        expect(flipped).toBe(alone);
      }),
      { numRuns: RUNS },
    );
  });

  it('reads each load at offset + k, fails past length, and defaults length to the rest of the view', () => {
    const buf = new Uint8Array([0xee, 0xee, 0x45, 0x01, 0x02, 0x03, 0xaa, 0xbb]);
    const data = new DataView(buf.buffer);
    const run = (text: string, ctx: Omit<PacketContext, 'data'>): number =>
      prepare(program('socket', text)).runPacket({ ...ctx, data });
    expect(run('ldb [0]\nret a', { offset: 2 })).toBe(0x45);
    expect(run('ld [0]\nret a', { offset: 2, length: 4 })).toBe(0x45010203);
    expect(run('ldb [4]\nret #7', { offset: 2, length: 4 })).toBe(0); // 0xaa is past length
    expect(run('ldb [4]\nret #7', { offset: 2 })).toBe(7); // default length: to the view's end
    expect(run('ld #len\nret a', { offset: 2, length: 4 })).toBe(4); // wireLength defaults to length
    expect(run('ld #len\nret a', { offset: 2 })).toBe(6);
    expect(run('ldx #3\nldh [x + 0]\nret #7', { offset: 2, length: 4 })).toBe(0); // needs bytes 3 and 4
    expect(run('ldx #2\nldh [x + 0]\nret a', { offset: 2, length: 4 })).toBe(0x0203);
    expect(run('ldxb 4*([0]&0xf)\ntxa\nret a', { offset: 2 })).toBe(20);
    // SKF_NET_OFF + j reads packet byte networkOffset + j, i.e. data byte offset + networkOffset + j.
    expect(run('ldb [0xfff00001]\nret a', { offset: 2, networkOffset: 1 })).toBe(0x02);
    expect(run('ldb [0xfff00003]\nret #7', { offset: 2, length: 4, networkOffset: 1 })).toBe(0);
    expect(run('ldb [0xffe00000]\nret a', { offset: 2, linkOffset: 0 })).toBe(0x45);
    expect(run('ldb [0]\nret #7', { offset: 8 })).toBe(0); // an empty packet at the very end
    expect(run('ld #len\nret a', { offset: 8 })).toBe(0);
  });

  it('runs netlink attribute searches relative to the packet', () => {
    // Garbage, then attributes (host byte order, little-endian): [len 4, type 1], [len 8, type 2, 4 bytes].
    const attrs = [4, 0, 1, 0, 8, 0, 2, 0, 9, 9, 9, 9];
    const prefix = [8, 0, 2, 0, 8, 0, 2, 0];
    const buf = new Uint8Array([...prefix, ...attrs, 4, 0, 2, 0]);
    const text = 'ldx #2\nld #0\nld #nla\nret a';
    const alone = runSocket(text, attrs);
    expect(alone).toBe(4);
    const interp = prepare(program('socket', text));
    expect(interp.runPacket({ data: new DataView(buf.buffer), offset: prefix.length, length: attrs.length })).toBe(4);
    // Attribute search never reads past length: the trailing [4, 0, 2, 0] is outside the packet.
    const only = [4, 0, 1, 0];
    const buf2 = new Uint8Array([...only, 4, 0, 2, 0]);
    expect(interp.runPacket({ data: new DataView(buf2.buffer), length: 4 })).toBe(0);
    expect(interp.runPacket({ data: new DataView(buf2.buffer) })).toBe(4);
  });
});

describe('a context whose offset or length leave the view is BAD_INPUT', () => {
  const interp = prepare(program('socket', 'ldb [0]\nret a'));
  const data = new DataView(new ArrayBuffer(8));
  const bad: Omit<PacketContext, 'data'>[] = [
    { offset: -1 },
    { offset: 9 },
    { offset: 1.5 },
    { offset: Number.NaN },
    { offset: Number.POSITIVE_INFINITY },
    { length: -1 },
    { length: 9 },
    { length: 0.5 },
    { offset: 4, length: 5 },
    { offset: 8, length: 1 },
    { length: Number.NaN },
  ];
  for (const fields of bad) {
    it(`rejects ${JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}`, () => {
      let error: unknown;
      try {
        interp.runPacket({ ...fields, data });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InterpreterError);
      expect((error as InterpreterError).code).toBe('BAD_INPUT');
      expect(() => interp.trace({ ...fields, data }, () => {})).toThrow(InterpreterError);
    });
  }
  it('accepts the edges: an empty packet at the end, the whole view', () => {
    expect(interp.runPacket({ data, offset: 8 })).toBe(0);
    expect(interp.runPacket({ data, offset: 8, length: 0 })).toBe(0);
    expect(interp.runPacket({ data, offset: 0, length: 8 })).toBe(0);
    expect(interp.runPacket({ data, offset: 7, length: 1 })).toBe(0);
  });
});
