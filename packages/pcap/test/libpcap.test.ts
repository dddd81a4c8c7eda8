/**
 * The readers against libpcap (pcap_open_offline / pcap_next_ex through @ea/oracle's
 * run_libpcap): the same packets, captured lengths and wire lengths, and damage found after the
 * same packets. Snap lengths are where the two used to differ: libpcap keeps only the first
 * snaplen bytes of a longer pcap record, and refuses a pcapng packet longer than its interface's
 * snap length.
 */
import { libpcapUnavailable, type LibpcapReport, runLibpcap } from '@ea/oracle';
import { describe, expect, it } from 'vitest';
import { type Capture, CaptureError, generateCapture, readCapture, writePcap, writePcapng } from '@ea/pcap';

/** What our reader makes of a file, in the oracle's shape. */
function ours(bytes: Uint8Array): { packets: { capLength: number; wireLength: number }[]; damaged: boolean } {
  let capture: Capture;
  let damaged = false;
  try {
    capture = readCapture(bytes);
  } catch (error) {
    if (!(error instanceof CaptureError) || error.partial === null) throw error;
    capture = error.partial;
    damaged = true;
  }
  const packets = Array.from({ length: capture.count }, (_, i) => ({
    capLength: capture.capLengths[i]!,
    wireLength: capture.wireLengths[i]!,
  }));
  return { packets, damaged };
}

function theirs(bytes: Uint8Array): { packets: { capLength: number; wireLength: number }[]; damaged: boolean; report: LibpcapReport } {
  const report = runLibpcap(bytes);
  expect(report.openError).toBeNull();
  return { packets: report.packets.map((p) => ({ capLength: p.capLength, wireLength: p.wireLength })), damaged: report.error !== null, report };
}

function agree(bytes: Uint8Array): { packets: number; damaged: boolean } {
  const want = theirs(bytes);
  const got = ours(bytes);
  expect(got.packets).toEqual(want.packets);
  expect(got.damaged, want.report.error ?? 'no error').toBe(want.damaged);
  return { packets: got.packets.length, damaged: got.damaged };
}

const capture = generateCapture({ count: 1000, seed: 1 });

describe.skipIf(libpcapUnavailable())('readers agree with libpcap', () => {
  it('keeps the first snaplen bytes of longer pcap records (the issue 17 capture)', () => {
    const bytes = writePcap(capture, { snapLength: 64 });
    const read = readCapture(bytes);
    // Many records of this capture are longer than 64 bytes: the rule matters here.
    expect(Array.from(capture.capLengths).filter((n) => n > 64).length).toBeGreaterThan(500);
    expect(Math.max(...read.capLengths)).toBe(64);
    expect(agree(bytes)).toEqual({ packets: 1000, damaged: false });
  });

  // 0 and anything above INT_MAX are bogus: libpcap reads with the maximum, 262144.
  for (const snapLength of [0, 1, 14, 54, 65535, 262144, 0x7fffffff, 0x80000000, 0xffffffff]) {
    for (const littleEndian of [true, false]) {
      it(`reads a pcap file with snaplen ${snapLength} (${littleEndian ? 'little' : 'big'}-endian) as libpcap does`, () => {
        expect(agree(writePcap(capture, { snapLength, littleEndian })).packets).toBe(1000);
      });
    }
  }

  it('stops at a record longer than 262144 bytes, after the same packets', () => {
    const bytes = writePcap(capture, { snapLength: 64 });
    const view = new DataView(bytes.buffer);
    // Record 3's caplen: 24-byte header, then records of 16 + caplen bytes.
    let off = 24;
    for (let i = 0; i < 3; i++) off += 16 + view.getUint32(off + 8, true);
    view.setUint32(off + 8, 262_145, true);
    expect(agree(bytes)).toEqual({ packets: 3, damaged: true });
  });

  it('reports the packets before a truncation, at every kind of cut', () => {
    const full = writePcap(capture, { snapLength: 100 });
    for (const cut of [30, 40, 41, 1000, 5001, full.length - 1]) {
      const { damaged } = agree(full.subarray(0, cut));
      expect(damaged).toBe(true);
    }
  });

  it('refuses a pcapng packet longer than its interface snap length, after the packets before it', () => {
    const bytes = writePcapng(capture, { snapLength: 64 });
    const first = Array.from(capture.capLengths).findIndex((n) => n > 64);
    expect(agree(bytes)).toEqual({ packets: first, damaged: true });
    expect(() => readCapture(bytes)).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
  });

  for (const snapLength of [0, 1514, 262144, 0x80000000]) {
    it(`reads pcapng with interface snaplen ${snapLength} as libpcap does`, () => {
      expect(agree(writePcapng(capture, { snapLength, littleEndian: false })).packets).toBe(1000);
    });
  }

  it('reports the packets before a truncated pcapng block', () => {
    const full = writePcapng(capture);
    for (const cut of [200, 5003, full.length - 2]) expect(agree(full.subarray(0, cut)).damaged).toBe(true);
  });
});
