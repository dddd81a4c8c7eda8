import {
  EA_FLAG_FAULT,
  EA_FLAG_PRESENT,
  EA_FLAG_TRUNCATED,
  EA_IMAGE_MAX,
  EA_META_ESIZE,
  EA_META_FLAGS,
  EA_META_ROOT,
  EA_META_USIZE,
  EA_REGION_OFFSET,
} from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import { AddressSpace, Flattener, LayoutError, WINDOW_FAULT, flatten } from '@ea/layout';

const BASE = 0x10000;
const u32 = (img: Uint8Array, at: number): number => new DataView(img.buffer, img.byteOffset).getUint32(at, true);
const meta = (img: Uint8Array) => ({
  usize: u32(img, EA_META_USIZE),
  esize: u32(img, EA_META_ESIZE),
  root: u32(img, EA_META_ROOT),
  flags: u32(img, EA_META_FLAGS),
});

function mem(bytes: Record<number, number> = {}, size = 4096): AddressSpace {
  const b = new Uint8Array(size);
  for (const [k, v] of Object.entries(bytes)) b[Number(k)] = v;
  return new AddressSpace().map(BASE, b);
}

describe('flatten: the root struct', () => {
  it('writes seccomp_data, ea_meta and the caller struct at root', () => {
    const img = flatten('openat2', { args: [-100, 0x1234, BASE, 24], ip: 0xdeadbeef }, mem({ 0: 2, 17: 8 }));
    expect(u32(img, 0)).toBe(437);
    expect(u32(img, 4)).toBe(0xc000003e);
    expect(u32(img, 8)).toBe(0xdeadbeef);
    expect(u32(img, 16)).toBe(0xffffff9c);
    expect(u32(img, 20)).toBe(0xffffffff);
    expect(meta(img)).toEqual({ usize: 24, esize: 18, root: EA_REGION_OFFSET, flags: EA_FLAG_PRESENT });
    expect(img[EA_REGION_OFFSET]).toBe(2);
    expect(img[EA_REGION_OFFSET + 17]).toBe(8);
  });

  it('copies the whole usize (for the tail-zero load) and zero-fills to the filter need', () => {
    const f = new Flattener('openat2', { root: 64 });
    const m = mem({ 0: 1, 39: 7 });
    expect(f.flatten({ args: [0, 0, BASE, 40] }, m)).toBe(EA_REGION_OFFSET + 64);
    expect(meta(f.image)).toMatchObject({ usize: 40, esize: 40 });
    expect(f.image[EA_REGION_OFFSET + 39]).toBe(7);
    // a shorter call next: the buffer is reused and everything past usize is zero again
    f.flatten({ args: [0, 0, BASE, 8] }, m);
    expect(meta(f.image)).toMatchObject({ usize: 8, esize: 1 });
    expect(f.image.subarray(EA_REGION_OFFSET + 8, EA_REGION_OFFSET + 64).every((b) => b === 0)).toBe(true);
  });

  it('reads the size from inside the struct (sched_attr, 0 means 48)', () => {
    const img = flatten('sched_setattr', { args: [0, BASE, 0] }, mem({ 4: 1 }));
    expect(meta(img)).toMatchObject({ usize: 48, esize: 5, flags: EA_FLAG_PRESENT });
  });

  it('clamps sizes over a page and flags them TRUNCATED', () => {
    const img = flatten('clone3', { args: [BASE, 5000] }, mem({}, 8192));
    // clamped to a page, then to the 4008 bytes that fit after clone3's 88-byte root table
    expect(meta(img)).toMatchObject({ usize: 4008, flags: EA_FLAG_PRESENT | EA_FLAG_TRUNCATED });
  });

  it('keeps a full page exact when its tail past the image end is zero, fail-safe when not', () => {
    const f = new Flattener('clone3', {}, { strategy: 'jump-table' });
    f.flatten({ args: [BASE, 4096] }, mem({ 0: 1 }));
    // clone3's root table takes 88 bytes, so 4008 bytes of the struct fit; the rest is zero
    expect(meta(f.image)).toMatchObject({ usize: 4008, esize: 1, root: 168, flags: EA_FLAG_PRESENT });
    expect(f.length).toBe(EA_IMAGE_MAX);
    f.flatten({ args: [BASE, 4096] }, mem({ 4095: 1 }));
    expect(meta(f.image)).toMatchObject({ usize: 4096, esize: 4096, flags: EA_FLAG_PRESENT | EA_FLAG_TRUNCATED });
  });

  it('faults fail-safe (no PRESENT, zero struct) or throws when strict', () => {
    const m = mem({ 0: 1 });
    const img = flatten('openat2', { args: [0, 0, BASE + 4090, 24] }, m);
    expect(meta(img)).toMatchObject({ flags: EA_FLAG_FAULT, esize: 0 });
    expect(img.subarray(EA_REGION_OFFSET).every((b) => b === 0)).toBe(true);
    try {
      flatten('openat2', { args: [0, 0, BASE + 4090, 24] }, m, {}, { strict: true });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LayoutError);
      expect((e as LayoutError).code).toBe('FAULT');
      expect((e as LayoutError).offset).toBe(6);
    }
    expect(meta(flatten('openat2', { args: [0, 0, 0, 24] }, m)).flags).toBe(EA_FLAG_FAULT);
    expect(meta(flatten('openat2', { args: [0, 0, 2n ** 63n, 24] }, m)).flags).toBe(EA_FLAG_FAULT);
  });

  it('a failed copy looks alike in both strategies: FAULT, a zero root as long as a copy, slots 0, windows FAULT', () => {
    for (const [ptr, memory] of [[0, mem()], [0x7000000, mem()], [BASE + 4040, mem()]] as const) {
      const images = (['jump-table', 'fixed-window'] as const).map((strategy) => {
        const f = new Flattener('clone3', { root: 88, pointees: { set_tid: 8 } }, { strategy });
        f.flatten({ args: [ptr, 88] }, memory);
        const img = f.image.subarray(0, f.length);
        const root = meta(img).root;
        // The root reaches as far as a copy of 88 bytes would: `ld [x + 0]` through ea_meta.root is inside.
        expect(f.length, `${strategy} ${ptr}`).toBe(root + 88);
        expect(img.subarray(root).every((b) => b === 0)).toBe(true);
        return { f, img, root };
      });
      const [jump, window] = images;
      expect(meta(jump!.img)).toEqual({ usize: 88, esize: 0, root: jump!.root, flags: EA_FLAG_FAULT });
      expect(meta(window!.img)).toEqual({ ...meta(jump!.img), root: window!.root });
      // jump-table: every slot of the root table absent; fixed-window: the set_tid window faulted.
      expect(jump!.img.subarray(EA_REGION_OFFSET, jump!.root).every((b) => b === 0)).toBe(true);
      const w = window!.f.windows[0]!;
      expect([u32(window!.img, w.offset), u32(window!.img, w.offset + 4)]).toEqual([0, WINDOW_FAULT]);
    }
  });

  it('refuses bad needs and registers with typed errors', () => {
    expect(() => new Flattener('clone3', { root: -1 })).toThrow(LayoutError);
    expect(() => new Flattener('clone3', { pointees: { nope: 4 } })).toThrow(/nope/);
    expect(() => new Flattener('clone3', { pointees: { pidfd: 4 } })).toThrow(LayoutError);
    expect(() => flatten('clone3', { args: [1.5, 88] }, mem())).toThrow(LayoutError);
  });
});

describe('flatten: big-endian images', () => {
  it('writes every word and reads every pointer in the requested byte order', () => {
    const root = new Uint8Array(88);
    const v = new DataView(root.buffer);
    v.setBigUint64(64, 0x20000n, false); // set_tid, big-endian
    v.setBigUint64(72, 2n, false);
    const m = new AddressSpace().map(BASE, root).map(0x20000, new Uint8Array([0, 0, 0, 34, 0, 0, 0, 35]));
    for (const strategy of ['jump-table', 'fixed-window'] as const) {
      const f = new Flattener('clone3', { pointees: { set_tid: 8 } }, { strategy, endian: 'be' });
      f.flatten({ args: [BASE, 88], ip: 2 ** 40 + 5 }, m);
      const be = (at: number): number => f.view.getUint32(at, false);
      expect([be(0), be(8), be(12), be(16 + 4), be(24 + 4)]).toEqual([435, 256, 5, BASE, 88]);
      expect([be(64), be(72), be(76)]).toEqual([88, f.rootOffset, EA_FLAG_PRESENT]);
      const data = strategy === 'jump-table' ? be(EA_REGION_OFFSET + 64) : EA_REGION_OFFSET + 8;
      expect([be(data), be(data + 4)]).toEqual([34, 35]);
      if (strategy === 'fixed-window') expect(be(EA_REGION_OFFSET)).toBe(8);
    }
  });
});
