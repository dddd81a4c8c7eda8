/** Ancillary loads SKF_AD_* and their documented defaults (an AF_UNIX datagram, docs/kernel-facts.md, observed 8). */
import { describe, expect, it } from 'vitest';
import { ANCILLARY, SKF_AD_OFF } from '@ea/bpf';
import { runSocket } from './support/run.js';

/** The absolute offset of an ancillary load, for the sizes bpf_asm only spells numerically. */
function anc(name: string): string {
  const entry = ANCILLARY.find((a) => a.name === name);
  if (entry === undefined) throw new Error(name);
  return `0x${((SKF_AD_OFF + entry.offset) >>> 0).toString(16)}`;
}

describe('ancillary loads', () => {
  it('reads context fields, in any load size', () => {
    const ctx = {
      protocol: 0x0800, pktType: 3, ifindex: 7, mark: 0xdeadbeef, queue: 2, hatype: 772, rxhash: 0x1234,
      cpu: 1, vlanTci: 0x0123, vlanPresent: true, vlanTpid: 0x8100, payOffset: 42, random: () => 0xfeedf00d,
    };
    const cases: [string, number][] = [
      ['proto', 0x0800], ['type', 3], ['ifidx', 7], ['mark', 0xdeadbeef], ['queue', 2], ['hatype', 772],
      ['rxhash', 0x1234], ['cpu', 1], ['vlan_tci', 0x0123], ['vlan_avail', 1], ['vlan_tpid', 0x8100],
      ['poff', 42], ['rand', 0xfeedf00d],
    ];
    for (const [name, want] of cases) {
      expect(runSocket(`ld #${name}\nret a`, [1], ctx), name).toBe(want);
      expect(runSocket(`ldb [${anc(name)}]\nret a`, [1], ctx), name).toBe(want);
      expect(runSocket(`ldh [${anc(name)}]\nret a`, [1], ctx), name).toBe(want);
    }
  });
  it('defaults to an AF_UNIX datagram: zeros, and no device', () => {
    for (const name of ['proto', 'type', 'mark', 'queue', 'rxhash', 'vlan_tci', 'vlan_avail', 'vlan_tpid', 'poff']) {
      expect(runSocket(`ld #9\nld #${name}\nret a`, [1]), name).toBe(0);
    }
    // No device: the program ends at once returning the current A (not 0).
    expect(runSocket('ld #9\nld #ifidx\nret #1', [1])).toBe(9);
    expect(runSocket('ld #11\nld #hatype\nret #1', [1])).toBe(11);
  });
  it('xors X into A', () => {
    expect(runSocket('ld #0xf0\nldx #0xff\nld #xor_x\nret a', [1])).toBe(0x0f);
  });
  it('finds netlink attributes (nla_find) and nested ones', () => {
    // Two attributes: len 5 type 1 (padded to 8), then len 12 type 0x4002 (NESTED|2) holding len 8 type 3.
    const pkt = [5, 0, 1, 0, 0xaa, 0, 0, 0, 12, 0, 2, 0x40, 8, 0, 3, 0, 1, 2, 3, 4];
    expect(runSocket('ld #0\nldx #2\nld #nla\nret a', pkt)).toBe(8);
    expect(runSocket('ld #0\nldx #1\nld #nla\nret a', pkt)).toBe(0);
    expect(runSocket('ld #0\nldx #9\nld #nla\nret a', pkt)).toBe(0);
    expect(runSocket('ld #8\nldx #3\nld #nlan\nret a', pkt)).toBe(12);
    expect(runSocket('ld #8\nldx #4\nld #nlan\nret a', pkt)).toBe(0);
    expect(runSocket('ld #17\nldx #3\nld #nla\nret a', pkt)).toBe(0);
  });
});
