import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Capture,
  CaptureError,
  captureFromPackets,
  forEachPacket,
  generateCapture,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  networkOffset,
  packets,
  readCapture,
  writePcap,
  writePcapng,
} from '@ea/pcap';

const FUZZ = process.env['EA_FUZZ'] ? 20 : 1;

function sample(): Capture {
  return captureFromPackets([
    { data: Uint8Array.of(1, 2, 3, 4, 5), wireLength: 60, linkType: LINKTYPE_ETHERNET, timestamp: { seconds: 10, nanoseconds: 123_456_789 } },
    { data: Uint8Array.of(0x45, 0, 0, 20), wireLength: 4, linkType: LINKTYPE_ETHERNET, timestamp: { seconds: 11, nanoseconds: 0 } },
    { data: new Uint8Array(0), wireLength: 1500, linkType: LINKTYPE_ETHERNET, timestamp: { seconds: 4_000_000_000, nanoseconds: 999_999_000 } },
  ]);
}

function summary(c: Capture): unknown[] {
  return [...packets(c)].map((p) => [Array.from(p.data), p.wireLength, p.linkType, p.timestamp.seconds, p.timestamp.nanoseconds]);
}

describe('pcap', () => {
  for (const littleEndian of [true, false]) {
    for (const nanosecond of [true, false]) {
      it(`round-trips ${littleEndian ? 'little' : 'big'}-endian ${nanosecond ? 'nano' : 'micro'}second files`, () => {
        const c = sample();
        const bytes = writePcap(c, { littleEndian, nanosecond });
        const back = readCapture(bytes);
        const expected = summary(c).map((row) => {
          const r = [...(row as unknown[])];
          if (!nanosecond) r[4] = Math.floor((r[4] as number) / 1000) * 1000;
          return r;
        });
        expect(summary(back)).toEqual(expected);
      });
    }
  }

  it('masks the FCS bits of the link-type field and rejects unknown link types at its offset', () => {
    const bytes = writePcap(sample());
    const view = new DataView(bytes.buffer);
    view.setUint32(20, 0x1000_0000 | LINKTYPE_ETHERNET, true);
    expect(readCapture(bytes).linkTypes[0]).toBe(LINKTYPE_ETHERNET);
    view.setUint32(20, 147, true);
    expect(() => readCapture(bytes)).toThrow(expect.objectContaining({ code: 'UNKNOWN_LINK_TYPE', offset: 20 }));
  });

  it('names the offset of a truncated record', () => {
    const bytes = writePcap(sample());
    // header 24, record 1 at 24 (16 + 5), record 2 at 45 (16 + 4), record 3 at 65.
    expect(() => readCapture(bytes.subarray(0, 63))).toThrow(expect.objectContaining({ code: 'TRUNCATED', offset: 61 }));
    expect(() => readCapture(bytes.subarray(0, 70))).toThrow(expect.objectContaining({ code: 'TRUNCATED', offset: 65 }));
    expect(() => readCapture(bytes.subarray(0, 10))).toThrow(expect.objectContaining({ code: 'TOO_SHORT', offset: 0 }));
  });

  it('rejects a record whose caplen exceeds the maximum snap length', () => {
    const bytes = writePcap(sample());
    new DataView(bytes.buffer).setUint32(24 + 8, 0x7fff_ffff, true);
    expect(() => readCapture(bytes)).toThrow(expect.objectContaining({ code: 'TOO_LARGE', offset: 32 }));
  });

  it('rejects unknown magic numbers', () => {
    expect(() => readCapture(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toThrow(expect.objectContaining({ code: 'BAD_MAGIC', offset: 0 }));
  });
});

describe('pcapng', () => {
  const mixed = (): Capture =>
    captureFromPackets([
      { data: Uint8Array.of(1, 2, 3), wireLength: 3, linkType: LINKTYPE_ETHERNET, timestamp: { seconds: 5, nanoseconds: 7 } },
      { data: Uint8Array.of(0x45, 1, 2, 3, 4, 5), wireLength: 9, linkType: LINKTYPE_RAW, timestamp: { seconds: 6, nanoseconds: 8 } },
      { data: Uint8Array.of(9), wireLength: 1, linkType: LINKTYPE_ETHERNET, timestamp: { seconds: 7, nanoseconds: 9 } },
      { data: new Uint8Array(20).fill(3), wireLength: 20, linkType: LINKTYPE_LINUX_SLL2, timestamp: { seconds: 8, nanoseconds: 10 } },
    ]);

  for (const littleEndian of [true, false]) {
    it(`round-trips several interfaces, ${littleEndian ? 'little' : 'big'}-endian`, () => {
      const c = mixed();
      expect(summary(readCapture(writePcapng(c, { littleEndian })))).toEqual(summary(c));
    });
  }

  it('reads simple packet blocks, the default microsecond resolution and skips unknown blocks (big-endian)', () => {
    const words: number[] = [];
    const block = (type: number, body: number[]): void => {
      const total = 12 + body.length * 4;
      words.push(type, total, ...body, total);
    };
    block(0x0a0d0d0a, [0x1a2b3c4d, 0x00010000, 0xffffffff, 0xffffffff]);
    block(1, [0x00010000, 4]); // Ethernet, snaplen 4, no options
    block(0x0bad, [1, 2, 3]);
    block(3, [6, 0x01020304, 0x05060000]); // wire 6, captured min(6, 8, snaplen 4) = 4
    block(6, [0, 0, 2_000_001, 2, 3, 0x0a0b0000]); // 2.000001 s in microseconds
    const bytes = new Uint8Array(words.length * 4);
    const view = new DataView(bytes.buffer);
    for (const [i, w] of words.entries()) view.setUint32(i * 4, w >>> 0, false);
    const c = readCapture(bytes);
    expect(summary(c)).toEqual([
      [[1, 2, 3, 4], 6, 1, 0, 0],
      [[10, 11], 3, 1, 2, 1000],
    ]);
  });

  it('names the offset of packets for an undeclared interface, bad lengths and truncation', () => {
    const bytes = writePcapng(mixed());
    const view = new DataView(bytes.buffer);
    const firstEpb = 28 + 32 * 3;
    expect(view.getUint32(firstEpb, true)).toBe(6);
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(firstEpb + 8, 9, true);
    expect(() => readCapture(bad)).toThrow(expect.objectContaining({ code: 'UNKNOWN_INTERFACE', offset: firstEpb + 8 }));
    const odd = bytes.slice();
    new DataView(odd.buffer).setUint32(firstEpb + 4, 30, true);
    expect(() => readCapture(odd)).toThrow(expect.objectContaining({ code: 'BAD_LENGTH', offset: firstEpb + 4 }));
    expect(() => readCapture(bytes.subarray(0, firstEpb + 10))).toThrow(expect.objectContaining({ code: 'TRUNCATED', offset: firstEpb }));
    const unknown = bytes.slice();
    new DataView(unknown.buffer).setUint16(28 + 8, 4242, true);
    expect(() => readCapture(unknown)).toThrow(expect.objectContaining({ code: 'UNKNOWN_LINK_TYPE', offset: 36 }));
  });
});

describe('hostile input', () => {
  const valid = [
    writePcap(generateCapture({ count: 30, seed: 3 })),
    writePcap(generateCapture({ count: 30, seed: 4 }), { littleEndian: false, nanosecond: true }),
    writePcapng(generateCapture({ count: 30, seed: 5 }), { littleEndian: false }),
    writePcapng(generateCapture({ count: 30, seed: 6 })),
  ];

  const onlyCaptureErrors = (bytes: Uint8Array): void => {
    try {
      const c = readCapture(bytes);
      // Whatever is accepted must describe packets inside the buffer.
      forEachPacket(c, (data, off, cap) => {
        if (off < 0 || cap < 0 || off + cap > data.length) throw new Error(`packet outside the buffer at ${off}+${cap}`);
      });
    } catch (error) {
      if (!(error instanceof CaptureError)) throw error;
      expect(error.offset).toBeGreaterThanOrEqual(0);
      expect(error.offset).toBeLessThanOrEqual(bytes.length);
    }
  };

  it('random bytes raise only CaptureError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, ...b)),
          fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, ...b)),
        ),
        onlyCaptureErrors,
      ),
      { numRuns: 2000 * FUZZ },
    );
  });

  it('mutated and truncated valid captures raise only CaptureError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.option(fc.nat()),
        (which, edits, cut) => {
          const bytes = valid[which]!.slice();
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          onlyCaptureErrors(cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
        },
      ),
      { numRuns: 2000 * FUZZ },
    );
  });
});

describe('networkOffset', () => {
  it('skips stacked VLAN tags and clamps to the captured length', () => {
    const eth = new Uint8Array(30);
    eth.set([0x81, 0x00, 0, 1, 0x88, 0xa8, 0, 2, 0x08, 0x00], 12);
    expect(networkOffset(LINKTYPE_ETHERNET, eth)).toBe(22);
    eth.set([0x08, 0x00], 12);
    expect(networkOffset(LINKTYPE_ETHERNET, eth)).toBe(14);
    expect(networkOffset(LINKTYPE_ETHERNET, eth.subarray(0, 10))).toBe(10);
    expect(networkOffset(LINKTYPE_RAW, eth)).toBe(0);
    expect(networkOffset(LINKTYPE_LINUX_SLL2, eth)).toBe(20);
  });
});
