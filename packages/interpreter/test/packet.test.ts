/** Socket filter packet access: ABS/IND/MSH, failed loads, SKF_NET_OFF/SKF_LL_OFF, LEN (§4.2). */
import { describe, expect, it } from 'vitest';
import { prepare } from '../src/index.js';
import { program, runSocket } from './support/run.js';

const PKT = [0x45, 0x01, 0x02, 0x03, 0x84, 0x05, 0x06, 0x07, 0x08, 0x09];

describe('absolute loads', () => {
  it('reads B, H and W big-endian', () => {
    expect(runSocket('ldb [4]\nret a', PKT)).toBe(0x84);
    expect(runSocket('ldh [3]\nret a', PKT)).toBe(0x0384);
    expect(runSocket('ld [4]\nret a', PKT)).toBe(0x84050607);
  });
  it('returns 0 at once when a load runs past the end', () => {
    expect(runSocket('ld [7]\nret #5', PKT)).toBe(0);
    expect(runSocket('ldh [9]\nret #5', PKT)).toBe(0);
    expect(runSocket('ldb [10]\nret #5', PKT)).toBe(0);
    expect(runSocket('ld [6]\nret #5', PKT)).toBe(5);
    expect(runSocket('ldb [0x7fffffff]\nret #5', PKT)).toBe(0);
    expect(runSocket('ldb [0]\nret #5', [])).toBe(0);
  });
});

describe('indirect loads', () => {
  it('reads at X + k', () => {
    expect(runSocket('ldx #2\nldh [x + 2]\nret a', PKT)).toBe(0x8405);
    expect(runSocket('ldx #4\nld [x + 2]\nret a', PKT)).toBe(0x06070809);
    expect(runSocket('ldx #4\nld [x + 3]\nret #1', PKT)).toBe(0);
  });
  it('wraps X + k at 32 bits (docs/kernel-facts.md, observed 7)', () => {
    expect(runSocket('ldx #0xffffffff\nldb [x + 1]\nret a', PKT)).toBe(0x45);
    expect(runSocket('ldx #0xfffffffe\nldh [x + 5]\nret a', PKT)).toBe(0x0384);
  });
  it('reads a negative X + k as a SKF_NET_OFF / SKF_LL_OFF offset', () => {
    expect(runSocket('ldx #0xfff00000\nldb [x + 4]\nret a', PKT)).toBe(0x84);
    expect(runSocket('ldx #0xffe00000\nldb [x + 4]\nret #3', PKT)).toBe(0);
    expect(runSocket('ldx #0xfffff000\nldb [x + 0]\nret #3', PKT)).toBe(0);
  });
});

describe('negative offsets', () => {
  it('reads the network header at SKF_NET_OFF (offset 0 by default)', () => {
    expect(runSocket('ldb [0xfff00000]\nret a', PKT)).toBe(0x45);
    expect(runSocket('ld [0xfff00006]\nret a', PKT)).toBe(0x06070809);
    expect(runSocket('ld [0xfff00007]\nret #1', PKT)).toBe(0);
    expect(runSocket('ldb [0xfff00001]\nret a', PKT, { networkOffset: 4 })).toBe(0x05);
  });
  it('fails SKF_LL_OFF loads without a MAC header and reads them with one', () => {
    expect(runSocket('ldb [0xffe00000]\nret #1', PKT)).toBe(0);
    expect(runSocket('ldh [0xffe00002]\nret a', PKT, { linkOffset: 0 })).toBe(0x0203);
  });
  it('fails below SKF_LL_OFF', () => {
    expect(runSocket('ldb [0xffdfffff]\nret #1', PKT, { linkOffset: 0 })).toBe(0);
    expect(runSocket('ldb [0x80000000]\nret #1', PKT)).toBe(0);
  });
});

describe('LDX MSH and LEN', () => {
  it('sets X = 4 * (P[k] & 0xf) and keeps A', () => {
    expect(runSocket('ld #7\nldxb 4*([0]&0xf)\nadd x\nret a', PKT)).toBe(7 + 20);
    expect(runSocket('ldxb 4*([0xfff00004]&0xf)\ntxa\nret a', PKT)).toBe(16);
    expect(runSocket('ldxb 4*([10]&0xf)\nret #1', PKT)).toBe(0);
  });
  it('gives the wire length, defaulting to the data length', () => {
    expect(runSocket('ld #len\nret a', PKT)).toBe(10);
    expect(runSocket('ldx #len\ntxa\nret a', PKT, { wireLength: 1500 })).toBe(1500);
  });
});

describe('reuse', () => {
  it('runs one prepared program over many packets', () => {
    const run = prepare(program('socket', 'ldb [0]\nret a'));
    const ctx = { data: new DataView(new Uint8Array([9]).buffer) };
    expect(run.runPacket(ctx)).toBe(9);
    ctx.data = new DataView(new Uint8Array([]).buffer);
    expect(run.runPacket(ctx)).toBe(0);
  });
});
