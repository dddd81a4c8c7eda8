/**
 * Running allocates nothing (issue 19): not per packet and not per call. A batch call once built
 * closures to check the batch and the scope of the libpcap path's closure (40 to 400 bytes per
 * call, whatever the batch's size), so each entry is called 10,000 times here and the heap may
 * grow by no more than the measurement's own few bytes per call.
 */
import { heapGrowth } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { assemble } from '@ea/bpf';
import { type Profile, verify } from '@ea/verifier';
import { type PacketBatch, packetContext, prepare } from '../src/index.js';

const CALLS = 10_000;
/** Far below one allocated object per call (a 16-byte heap number would give 160,000). */
const BOUND = 4 * CALLS;

// `ip` as tcpdump compiles it (a superinstruction and a folded return), and `tcp port 80`'s
// shape: indirect loads after `ldxb 4*([14]&0xf)`, RET #0xffffffff (a u32 >= 2^31).
const IP = 'ldh [12]\njeq #0x800, yes, no\nyes: ret #262144\nno: ret #0';
const TCP80 = `ldh [12]
jne #0x800, drop
ldb [23]
jne #6, drop
ldh [20]
jset #0x1fff, drop
ldxb 4*([14]&0xf)
ldh [x + 14]
jeq #80, keep
ldh [x + 16]
jeq #80, keep, drop
keep: ret #-1
drop: ret #0`;

function frame(dport: number): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes[12] = 0x08;
  bytes[14] = 0x45;
  bytes[23] = 6;
  bytes[36] = dport >> 8;
  bytes[37] = dport & 0xff;
  return bytes;
}

describe('runs allocate nothing per call', () => {
  const capture = new Uint8Array(128);
  capture.set(frame(80), 0);
  capture.set(frame(22), 64);
  const batch: PacketBatch = { data: new DataView(capture.buffer), offsets: new Int32Array([0, 64]), lengths: new Int32Array([64, 60]) };
  const results = new Uint32Array(2);

  for (const [name, text, profile] of [
    ['ip', IP, 'socket'],
    ['tcp port 80', TCP80, 'socket'],
    ['tcp port 80, libpcap profile', TCP80, 'libpcap'],
  ] as const) {
    const run = prepare(verify(assemble(text), { profile: profile as Profile }));
    it(`${name}: runBatch without results`, () => {
      expect(run.runBatch(batch)).toBeGreaterThan(0);
      expect(heapGrowth(() => run.runBatch(batch), CALLS)).toBeLessThan(BOUND);
    });
    it(`${name}: runBatch with results`, () => {
      run.runBatch(batch, results);
      expect(results[0]).not.toBe(0);
      expect(heapGrowth(() => run.runBatch(batch, results), CALLS)).toBeLessThan(BOUND);
    });
    it(`${name}: runPacket`, () => {
      const ctx = packetContext(frame(80));
      expect(run.runPacket(ctx)).not.toBe(0);
      expect(heapGrowth(() => run.runPacket(ctx), CALLS)).toBeLessThan(BOUND);
    });
  }

  it('runBatch of a program that reads the context (one context, reused)', () => {
    const run = prepare(verify(assemble('ld proto\nld ifidx\nret a'), { profile: 'socket' }));
    const shared: PacketBatch = { ...batch, context: { ifindex: 3, protocol: 0x800 } };
    expect(run.runBatch(shared, results)).toBe(2);
    expect(heapGrowth(() => run.runBatch(shared, results), CALLS)).toBeLessThan(BOUND);
  });

  it('runBatch of a libpcap program with a backward jump (one budgeted run per packet)', () => {
    // `ja` at 4 jumps back to 2 (pcap_filter adds k as a signed offset), then on to `ret #0`.
    const insns = assemble('ldh [12]\nja l3\nret #-1\nl3: jeq #0x800, l4, l5\nl4: ja l5\nl5: ret #0');
    insns[4] = { ...insns[4]!, k: (2 - 4 - 1) >>> 0 };
    const run = prepare(verify(insns, { profile: 'libpcap' }));
    expect(run.runBatch(batch, results)).toBe(2); // both frames are IPv4
    expect([...results]).toEqual([0xffffffff, 0xffffffff]);
    expect(heapGrowth(() => run.runBatch(batch, results), CALLS)).toBeLessThan(BOUND);
  });

  it('runSeccomp returning a u32 >= 2^31', () => {
    const run = prepare(verify(assemble('ld [0]\njeq #2, allow, kill\nallow: ret #0x7fff0000\nkill: ret #0x80000000'), { profile: 'seccomp' }));
    const view = new DataView(new ArrayBuffer(64));
    expect(run.runSeccomp(view)).toBe(0x80000000);
    expect(heapGrowth(() => run.runSeccomp(view), CALLS)).toBeLessThan(BOUND);
  });
});
