import { describe, expect, it } from 'vitest';
import { captureBatch, captureFromPackets, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_RAW } from '@ea/pcap';

const frame = (bytes: number[], linkType: number, wireLength?: number) =>
  wireLength === undefined ? { data: new Uint8Array(bytes), linkType } : { data: new Uint8Array(bytes), linkType, wireLength };

describe('captureBatch', () => {
  const ether = [...Array(12).fill(0xaa), 0x08, 0x00, 0x45, 0];
  const vlan = [...Array(12).fill(0xbb), 0x81, 0x00, 0x00, 0x05, 0x86, 0xdd, 0x60];
  const short = [1, 2, 3];
  const capture = captureFromPackets([
    frame(ether, LINKTYPE_ETHERNET, 60),
    frame(vlan, LINKTYPE_ETHERNET),
    frame(short, LINKTYPE_ETHERNET),
    frame([0x45, 0, 0, 20], LINKTYPE_RAW),
    frame(Array(20).fill(0), LINKTYPE_LINUX_SLL),
  ]);
  const batch = captureBatch(capture);

  it('shares the capture bytes and per-packet lengths', () => {
    expect(batch.count).toBe(5);
    expect(batch.data.buffer).toBe(capture.data.buffer);
    expect([...batch.offsets]).toEqual([0, 16, 35, 38, 42]);
    expect([...batch.lengths]).toEqual([16, 19, 3, 4, 20]);
    expect([...batch.wireLengths]).toEqual([60, 19, 3, 4, 20]);
    expect(batch.data.getUint8(batch.offsets[1]! + 12)).toBe(0x81);
  });

  it('finds the network header after VLAN tags, the EtherType there, and a MAC header only for Ethernet', () => {
    expect([...batch.networkOffsets]).toEqual([14, 18, 3, 0, 16]);
    expect([...batch.protocols]).toEqual([0x800, 0x86dd, 0, 0, 0]);
    expect([...batch.linkOffsets]).toEqual([0, 0, 0, -1, -1]);
  });
});
