import { EA_FLAG_FAULT, EA_FLAG_PRESENT, EA_FLAG_TRUNCATED, EA_META_FLAGS, EA_REGION_OFFSET } from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import {
  AddressSpace,
  type EaSyscall,
  Flattener,
  LayoutError,
  eaSyscall,
  list_node,
  mapImage,
  WINDOW_FAULT,
  WINDOW_LIMIT,
  WINDOW_NULL,
  WINDOW_OK,
} from '@ea/layout';

const u32 = (f: Flattener, at: number): number => f.view.getUint32(at, true);
const u64 = (f: Flattener, at: number): bigint => f.view.getBigUint64(at, true);

function words(values: readonly (number | bigint)[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => {
    v.setBigUint64(i * 8, BigInt(x), true);
  });
  return b;
}

const A = 0x10000; // root
const F = 0x20000; // foo
const B = 0x30000; // bar
const BB = 0x40000; // barbaz
const Z = 0x50000; // baz

/** The seed's example: open_how -> foo, bar -> barbaz, baz. */
function seedMemory(over: Partial<Record<'foo' | 'bar' | 'baz' | 'barbaz', number>> = {}): AddressSpace {
  return new AddressSpace()
    .map(A, words([1, 2, 3, over.foo ?? F, 8, over.bar ?? B, 24, over.baz ?? Z, 8]))
    .map(F, words([0x11]))
    .map(B, words([0x22, over.barbaz ?? BB, 8]))
    .map(BB, words([0x33]))
    .map(Z, words([0x44]));
}

const regs = { args: [-100, 0, A, 72] };
const allNeeds = { root: 72, pointees: { foo: 8, bar: 24, 'bar->barbaz': 8, baz: 8 } };

describe('jump tables', () => {
  it("lays out the seed's open_how -> foo / bar -> barbaz / baz with tables", () => {
    const f = new Flattener('openat2_nested', {}, { strategy: 'jump-table' });
    f.flatten(regs, seedMemory());
    expect(f.rootTableSize).toBe(72);
    expect(f.rootOffset).toBe(EA_REGION_OFFSET + 72);
    const t = EA_REGION_OFFSET; // root table
    const foo = u32(f, t + 24);
    const bar = u32(f, t + 40);
    const barTable = u32(f, t + 44);
    const baz = u32(f, t + 56);
    expect(u32(f, t + 28)).toBe(0); // foo has no pointers, so no table
    expect(u64(f, foo)).toBe(0x11n);
    expect(u64(f, bar)).toBe(0x22n);
    expect(u64(f, baz)).toBe(0x44n);
    expect(barTable).toBe(bar - 24);
    const barbaz = u32(f, barTable + 8);
    expect(u64(f, barbaz)).toBe(0x33n);
    // every non-pointer table word is zero
    for (const off of [0, 4, 8, 12, 16, 20, 32, 36, 48, 52, 64, 68]) expect(u32(f, t + off)).toBe(0);
    expect(f.copied).toBe(72 + 8 + 24 + 8 + 8);
    expect(f.length).toBe(296);
    const map = mapImage(f);
    expect(map.regions.map((r) => `${r.kind}:${r.label}@${r.offset}+${r.size}`)).toEqual([
      'seccomp_data:struct seccomp_data@0+64',
      'ea_meta:ea_meta@64+16',
      'table:struct open_how_nested table@80+72',
      'object:struct open_how_nested@152+72',
      'object:foo@224+8',
      'table:bar table@232+24',
      'object:bar@256+24',
      'object:bar->barbaz@280+8',
      'object:baz@288+8',
    ]);
  });

  it('gives slot 0 and a flag for null, unmapped, too deep and too large pointees', () => {
    const f = new Flattener('openat2_nested', {}, { strategy: 'jump-table', maxDepth: 1 });
    f.flatten(regs, seedMemory({ foo: 0x99000, baz: 0 }));
    expect(u32(f, EA_REGION_OFFSET + 24)).toBe(0); // unmapped
    expect(u32(f, EA_REGION_OFFSET + 56)).toBe(0); // null with size 8: FAULT too
    expect(u32(f, EA_REGION_OFFSET + 40)).not.toBe(0); // bar copied
    const barTable = u32(f, EA_REGION_OFFSET + 44);
    expect(u32(f, barTable + 8)).toBe(0); // barbaz beyond maxDepth
    expect(u32(f, EA_META_FLAGS)).toBe(EA_FLAG_PRESENT | EA_FLAG_FAULT | EA_FLAG_TRUNCATED);
    expect(() => new Flattener('openat2_nested', {}, { strict: true }).flatten(regs, seedMemory({ foo: 0x99000 }))).toThrow(
      expect.objectContaining({ code: 'FAULT', field: 'foo', offset: 24 }),
    );
  });

  it('treats pointer fields beyond usize as absent without a flag', () => {
    const f = new Flattener('openat2_nested');
    f.flatten({ args: [0, 0, A, 40] }, seedMemory()); // foo and foo_size passed, bar not
    // the root keeps its known 72 bytes (zero past 40): foo does not land on bar's offsets
    expect(u32(f, EA_REGION_OFFSET + 24)).toBe(f.rootOffset + 72);
    expect(f.image.subarray(f.rootOffset + 40, f.rootOffset + 72).every((b) => b === 0)).toBe(true);
    expect(u32(f, EA_REGION_OFFSET + 40)).toBe(0);
    expect(u32(f, EA_META_FLAGS)).toBe(EA_FLAG_PRESENT);
  });

  it('reads a length field cut by its parent as the filter sees it, and leaves empty pointees out', () => {
    const f = new Flattener('openat2_nested');
    const mem = (barSize: number): AddressSpace =>
      new AddressSpace()
        .map(A, words([1, 2, 3, 0, 0, B, barSize, 0, 0]))
        .map(B, words([0x22, BB, 8]))
        .map(BB, words([0x33]));
    f.flatten(regs, mem(17)); // barbaz_size passed by its first byte only: 8
    const barTable = u32(f, EA_REGION_OFFSET + 44);
    expect(u64(f, u32(f, barTable + 8))).toBe(0x33n);
    f.flatten(regs, mem(16)); // barbaz_size not passed: 0, so barbaz is absent
    expect(u32(f, u32(f, EA_REGION_OFFSET + 44) + 8)).toBe(0);
    expect(u32(f, EA_META_FLAGS)).toBe(EA_FLAG_PRESENT);
  });

  it('stops cycles and deep chains with a defined result', () => {
    const sys: EaSyscall = { ...eaSyscall('openat2'), name: 'list', struct: list_node, ksize: list_node.size };
    const mem = new AddressSpace()
      .map(A, words([1, B, 0]))
      .map(B, words([2, A, 0])); // A -> B -> A
    const f = new Flattener(sys, {}, { maxDepth: 8 });
    f.flatten({ args: [0, 0, A, 24] }, mem);
    expect(u32(f, EA_META_FLAGS)).toBe(EA_FLAG_PRESENT | EA_FLAG_TRUNCATED);
    // root copy of A, then B; B's pointer back to A is a cycle
    expect(f.copied).toBe(24 * 2);
    expect(() => new Flattener(sys, {}, { maxDepth: 8, strict: true }).flatten({ args: [0, 0, A, 24] }, mem)).toThrow(
      expect.objectContaining({ code: 'CYCLE' }),
    );
  });

  it('leaves out pointees that do not fit the page', () => {
    const setTid = 0x20000;
    const mem = new AddressSpace().map(A, words([0, 0, 0, 0, 0, 0, 0, 0, setTid, 32, 0])).map(setTid, 128);
    const f = new Flattener('clone3');
    f.flatten({ args: [A, 88] }, mem);
    expect(u32(f, EA_REGION_OFFSET + 64)).toBe(f.rootOffset + 88);
    // the same call with usize 4096 (zero tail): the root fills the page, set_tid is left out
    const big = new AddressSpace().map(A, (() => { const b = new Uint8Array(4096); b.set(words([0, 0, 0, 0, 0, 0, 0, 0, setTid, 32, 0])); return b; })()).map(setTid, 128);
    f.flatten({ args: [A, 4096] }, big);
    expect(u32(f, EA_REGION_OFFSET + 64)).toBe(0);
    expect(u32(f, EA_META_FLAGS)).toBe(EA_FLAG_PRESENT | EA_FLAG_TRUNCATED);
  });
});

describe('fixed windows', () => {
  it('places a window per pointee the filter reads, before the root', () => {
    const f = new Flattener('openat2_nested', allNeeds, { strategy: 'fixed-window' });
    expect(f.windows.map((w) => [w.path, w.offset, w.size])).toEqual([
      ['foo', 80, 8],
      ['bar', 96, 24],
      ['bar->barbaz', 128, 8],
      ['baz', 144, 8],
    ]);
    expect(f.rootOffset).toBe(160);
    f.flatten(regs, seedMemory());
    expect([u32(f, 80), u32(f, 84), Number(u64(f, 88))]).toEqual([8, WINDOW_OK, 0x11]);
    expect(Number(u64(f, 104))).toBe(0x22);
    expect([u32(f, 128), u32(f, 132), Number(u64(f, 136))]).toEqual([8, WINDOW_OK, 0x33]);
    expect(Number(u64(f, 152))).toBe(0x44);
    expect(u64(f, 160)).toBe(1n);
    // root 72 + foo 8 + bar 24 + (bar up to barbaz_size again: 24) + barbaz 8 + baz 8
    expect(f.copied).toBe(72 + 8 + 24 + 24 + 8 + 8);
  });

  it('reports null, fault and limit in the window status and copies only the need', () => {
    const f = new Flattener('openat2_nested', { pointees: { foo: 4, 'bar->barbaz': 8, baz: 8 } }, { strategy: 'fixed-window' });
    f.flatten(regs, seedMemory({ foo: 0x99000, bar: 0 }));
    const [foo, barbaz, baz] = f.windows;
    expect(u32(f, foo!.offset + 4)).toBe(WINDOW_FAULT);
    expect(u32(f, barbaz!.offset + 4)).toBe(WINDOW_FAULT); // bar null with bar_size 24
    expect(u32(f, baz!.offset + 4)).toBe(WINDOW_OK);
    const g = new Flattener('clone3', { pointees: { set_tid: 4 } }, { strategy: 'fixed-window' });
    const mem = new AddressSpace().map(A, words([0, 0, 0, 0, 0, 0, 0, 0, 0x20000, 32, 0])).map(0x20000, 128);
    g.flatten({ args: [A, 88] }, mem);
    expect([u32(g, 80), u32(g, 84)]).toEqual([128, WINDOW_OK]);
    expect(g.copied).toBe(88 + 4);
    g.flatten({ args: [A, 64] }, mem); // VER0 caller: no set_tid at all
    expect([u32(g, 80), u32(g, 84)]).toEqual([0, WINDOW_NULL]);
    const huge = new AddressSpace().map(A, words([0, 0, 0, 0, 0, 0, 0, 0, 0x20000, 2 ** 40, 0]));
    g.flatten({ args: [A, 88] }, huge);
    expect(u32(g, 84)).toBe(WINDOW_LIMIT);
  });

  it('refuses windows that cannot fit a page', () => {
    expect(() => new Flattener('openat2_nested', { pointees: { foo: 4096, bar: 4096 } }, { strategy: 'fixed-window' })).toThrow(
      LayoutError,
    );
  });
});
