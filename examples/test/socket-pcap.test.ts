import { spawnSync } from 'node:child_process';
import { generateCapture } from '@ea/pcap';
import { describe, expect, it } from 'vitest';
import { PACKETS, SEED, runSocketPcap } from '../socket-pcap.js';
import { runExample } from './support/run-example.js';

/**
 * `tcp port 80` decided by hand from the frame bytes, as libpcap's program decides it: untagged
 * Ethernet, IPv6 with TCP as the next header (ports at fixed offsets) or IPv4 TCP, first
 * fragment only, ports after the IHL. A load past the captured bytes rejects the packet.
 */
function tcpPort80(p: Uint8Array): boolean {
  const u16 = (at: number): number | null => (at + 2 <= p.length ? (p[at]! << 8) | p[at + 1]! : null);
  const u8 = (at: number): number | null => (at < p.length ? p[at]! : null);
  const type = u16(12);
  if (type === 0x86dd) {
    if (u8(20) !== 6) return false;
    const src = u16(54);
    if (src === null) return false;
    return src === 80 || u16(56) === 80;
  }
  if (type !== 0x0800 || u8(23) !== 6) return false;
  const frag = u16(20);
  if (frag === null || (frag & 0x1fff) !== 0) return false;
  const ihl = 4 * ((u8(14) ?? 0) & 0xf);
  const src = u16(14 + ihl);
  if (src === null) return false;
  return src === 80 || u16(16 + ihl) === 80;
}

const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

describe('examples/socket-pcap.ts', () => {
  const result = runSocketPcap();

  it('accepts exactly the packets a hand-written tcp-port-80 test accepts, with both engines', () => {
    const capture = generateCapture({ count: PACKETS, seed: SEED });
    const expected: number[] = [];
    for (let i = 0; i < capture.count; i++) {
      const start = capture.offsets[i]!;
      if (tcpPort80(capture.data.subarray(start, start + capture.capLengths[i]!))) expected.push(i);
    }
    expect(expected.length).toBeGreaterThan(10); // the capture really has port-80 traffic
    expect(expected.length).toBeLessThan(PACKETS / 2);
    expect(result.matches).toEqual(expected);
    expect(result.interpreterMatched).toBe(expected.length);
    expect(result.jitMatched).toBe(expected.length);
    expect(result.accelerated).toBe(true);
    expect(result.total).toBe(PACKETS);
    expect(result.text).toContain(`interpreter (run per packet): ${expected.length} of ${PACKETS} packets matched`);
  });

  it.skipIf(!hasTcpdump)('agrees with the live tcpdump (skipped: tcpdump not installed)', () => {
    expect(result.tcpdump).not.toBeNull();
    expect(result.tcpdump!.sameProgram).toBe(true);
    expect(result.tcpdump!.matched).toBe(result.interpreterMatched);
  });

  it('runs as a script without tcpdump', () => {
    const out = runExample('socket-pcap', { EA_NO_TCPDUMP: '1' });
    expect(out).toContain('skipped the optional live cross-check');
    expect(out).toContain(`JIT (one runBatch call):      ${result.jitMatched} of ${PACKETS} packets matched`);
    expect(out).toMatch(/ldxb 4\*\(\[14\]&0xf\)/);
  });
});
