/**
 * runBatch over a PacketBatch: the same answers as runPacket on one context per packet, with the
 * per-packet fields (wire length, network/link offsets, protocol) each packet's own.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '@ea/bpf';
import { verify } from '@ea/verifier';
import { batchContext, moveContext, type PacketBatch, prepare } from '../src/index.js';

const program = (text: string) => prepare(verify(assemble(text), { profile: 'socket' }));

describe('runBatch', () => {
  const bytes = new Uint8Array([9, 9, 0x45, 1, 2, 3, 9, 0x60, 7, 8, 9]);
  const data = new DataView(bytes.buffer);
  const batch: PacketBatch = {
    data,
    offsets: new Int32Array([2, 7, 11]),
    lengths: new Int32Array([4, 3, 0]),
    wireLengths: new Uint32Array([400, 3, 0xffffffff]),
    networkOffsets: new Int32Array([1, 0, 0]),
    linkOffsets: new Int32Array([0, -1, 0]),
    protocols: new Uint16Array([0x800, 0x86dd, 0]),
  };

  it('reads each packet inside its own bounds', () => {
    // ld [1] fails on the third (empty) packet; the others read their own second byte.
    const out = new Uint32Array(3);
    expect(program('ldb [1]\nadd #1\nret a').runBatch(batch, out)).toBe(2);
    expect([...out]).toEqual([2, 8, 0]);
  });

  it('gives each packet its wire length, offsets and protocol', () => {
    const out = new Uint32Array(3);
    program('ld #len\nret a').runBatch(batch, out);
    expect([...out]).toEqual([400, 3, 0xffffffff]);
    program('ldb [0xffe00000]\nret a').runBatch(batch, out); // SKF_LL_OFF + 0: MAC header or fail
    expect([...out]).toEqual([0x45, 0, 0]);
    program('ldb [0xfff00000]\nret a').runBatch(batch, out); // SKF_NET_OFF + 0
    expect([...out]).toEqual([1, 0x60, 0]);
    program('ld proto\nret a').runBatch(batch, out);
    expect([...out]).toEqual([0x800, 0x86dd, 0]);
  });

  it('resets its reused context per call, and a nested call gets its own', () => {
    // No device: `ld ifidx` ends the run returning the current A (9).
    const run = program('ld #9\nld ifidx\nret a');
    const out = new Uint32Array(3);
    run.runBatch({ ...batch, context: { ifindex: 3 } }, out);
    expect([...out]).toEqual([3, 3, 3]);
    run.runBatch(batch, out);
    expect([...out]).toEqual([9, 9, 9]);
    // A `random` that runs the same interpreter over another batch must not move this run's context.
    const nested = program('ld rand\nld ifidx\nret a');
    const inner = new Uint32Array(3);
    const random = (): number => nested.runBatch({ ...batch, context: { ifindex: 7 } }, inner);
    nested.runBatch({ ...batch, context: { ifindex: 5, random } }, out);
    expect([...out]).toEqual([5, 5, 5]);
    expect([...inner]).toEqual([7, 7, 7]);
  });

  it('moves one context: linkOffset < 0 means no MAC header', () => {
    const ctx = batchContext(batch);
    moveContext(ctx, batch, 1, 7, 3);
    expect(ctx).toMatchObject({ offset: 7, length: 3, wireLength: 3, networkOffset: 0, linkOffset: undefined, protocol: 0x86dd });
    moveContext(ctx, batch, 0, 2, 4);
    expect(ctx).toMatchObject({ offset: 2, length: 4, wireLength: 400, networkOffset: 1, linkOffset: 0, protocol: 0x800 });
  });
});
