import { BPF_ANY, BPF_EXIST, BPF_NOEXIST, createMap, MAP_TYPES, MapError, type BpfMap, type RingBuffer } from '@ea/ebpf-object';
import { describe, expect, it } from 'vitest';

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const errnoOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof MapError) return e.errno;
    throw e;
  }
  return 'ok';
};
const def = (type: number, maxEntries = 2) => ({ name: 'm', type, keySize: 4, valueSize: 8, maxEntries, flags: 0 });

describe('array maps (kernel/bpf/arraymap.c)', () => {
  it('starts zeroed, updates in place, refuses NOEXIST, out-of-range and delete', () => {
    const m = createMap(def(MAP_TYPES.array));
    expect(m.lookup(u32(1))).toEqual(new Uint8Array(8));
    expect(m.lookup(u32(2))).toBeUndefined();
    m.update(u32(1), new Uint8Array(8).fill(7), BPF_EXIST);
    expect(m.lookup(u32(1))).toEqual(new Uint8Array(8).fill(7));
    expect(errnoOf(() => m.update(u32(0), new Uint8Array(8), BPF_NOEXIST))).toBe('EEXIST');
    expect(errnoOf(() => m.update(u32(2), new Uint8Array(8)))).toBe('E2BIG');
    expect(errnoOf(() => m.delete(u32(0)))).toBe('EINVAL');
    expect(errnoOf(() => m.update(u32(0), new Uint8Array(8), 3))).toBe('EINVAL');
    expect(errnoOf(() => m.lookup(new Uint8Array(3)))).toBe('EINVAL');
    expect(m.keys().map((k) => k[0])).toEqual([0, 1]);
  });
  it('refuses shapes the kernel refuses', () => {
    expect(errnoOf(() => createMap({ ...def(MAP_TYPES.array), keySize: 8 }))).toBe('EINVAL');
    expect(errnoOf(() => createMap({ ...def(MAP_TYPES.hash), maxEntries: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => createMap({ ...def(99) }))).toBe('EINVAL');
  });
});

describe('hash maps (kernel/bpf/hashtab.c)', () => {
  it('gives ENOENT, EEXIST and E2BIG where the kernel does', () => {
    const m = createMap(def(MAP_TYPES.hash));
    expect(errnoOf(() => m.update(u32(5), new Uint8Array(8), BPF_EXIST))).toBe('ENOENT');
    m.update(u32(5), new Uint8Array(8).fill(1), BPF_NOEXIST);
    expect(errnoOf(() => m.update(u32(5), new Uint8Array(8), BPF_NOEXIST))).toBe('EEXIST');
    m.update(u32(6), new Uint8Array(8).fill(2), BPF_ANY);
    expect(errnoOf(() => m.update(u32(7), new Uint8Array(8), BPF_ANY))).toBe('E2BIG');
    m.update(u32(6), new Uint8Array(8).fill(3), BPF_EXIST); // a full map still updates existing keys
    expect(m.lookup(u32(6))).toEqual(new Uint8Array(8).fill(3));
    m.delete(u32(5));
    expect(errnoOf(() => m.delete(u32(5)))).toBe('ENOENT');
    expect(m.lookup(u32(5))).toBeUndefined();
    m.update(u32(7), new Uint8Array(8).fill(4));
    expect(m.keys().map((k) => k[0]).sort()).toEqual([6, 7]);
  });
  it('LRU evicts the least recently used key when full', () => {
    const m = createMap(def(MAP_TYPES.lru_hash));
    m.update(u32(1), new Uint8Array(8).fill(1));
    m.update(u32(2), new Uint8Array(8).fill(2));
    m.lookup(u32(1)); // 2 is now the least recently used
    m.update(u32(3), new Uint8Array(8).fill(3));
    expect(m.lookup(u32(2))).toBeUndefined();
    expect(m.lookup(u32(1))).toEqual(new Uint8Array(8).fill(1));
    expect(m.lookup(u32(3))).toEqual(new Uint8Array(8).fill(3));
  });
});

describe('ring buffers (kernel/bpf/ringbuf.c)', () => {
  it('refuses shapes ringbuf_map_alloc refuses, has no elements, delivers records, refuses what cannot fit', () => {
    const ring = (maxEntries: number, keySize = 0) => ({ name: 'r', type: MAP_TYPES.ringbuf, keySize, valueSize: 0, maxEntries, flags: 0 });
    expect(errnoOf(() => createMap(ring(4096, 4)))).toBe('EINVAL');
    expect(errnoOf(() => createMap(ring(6144)))).toBe('EINVAL');
    expect(errnoOf(() => createMap(ring(2048)))).toBe('EINVAL');
    const r = createMap(ring(4096)) as RingBuffer;
    expect(errnoOf(() => (r as BpfMap).lookup(u32(0)))).toBe('EINVAL');
    const got: number[] = [];
    r.onRecord = (rec) => got.push(rec.length);
    expect(r.output(new Uint8Array(4088))).toBeNull();
    expect(r.output(new Uint8Array(4089))?.[0]).toBe('EAGAIN');
    expect(got).toEqual([4088]);
  });
});
