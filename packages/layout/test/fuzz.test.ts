/**
 * Properties of flattening over random memories, sizes and pointers: it never throws
 * when not strict, the root copy agrees with the copy_struct_from_user model byte for
 * byte, and every jump-table slot or window leads to exactly the caller's bytes.
 */
import { EA_FLAG_FAULT, EA_FLAG_PRESENT, EA_META_ESIZE, EA_META_FLAGS, EA_META_ROOT, EA_META_USIZE } from '@ea/bpf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AddressSpace,
  Flattener,
  type PointerNode,
  WINDOW_OK,
  copyStructFromUser,
  eaSyscall,
  tableSlots,
} from '@ea/layout';

const RUNS = process.env['EA_FUZZ'] ? 20_000 : 300;
const BASE = 0x100000;

describe('flatten properties', () => {
  it('copies the root as copy_struct_from_user would, fail-safe on faults', () => {
    const flatteners = ['clone3', 'openat2', 'sched_setattr'].flatMap((s) =>
      (['jump-table', 'fixed-window'] as const).map((strategy) => new Flattener(s, { root: 64 }, { strategy })),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: flatteners.length - 1 }),
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        (which, bytes, usizeArg, offset, sparse) => {
          const f = flatteners[which]!;
          const data = sparse ? bytes.map((b, i) => (i % 7 === 3 ? b : 0)) : bytes;
          const mem = new AddressSpace().map(BASE, data);
          const ptr = BASE + Math.min(offset, data.length);
          const args = f.sys.name === 'sched_setattr' ? [0, ptr, 0] : f.sys.name === 'clone3' ? [ptr, usizeArg] : [0, 0, ptr, usizeArg];
          f.flatten({ args }, mem);
          const v = f.view;
          const flags = v.getUint32(EA_META_FLAGS, true);
          const usize = v.getUint32(EA_META_USIZE, true);
          const root = v.getUint32(EA_META_ROOT, true);
          const user = data.subarray(ptr - BASE);
          if (flags & EA_FLAG_PRESENT) {
            expect(flags & EA_FLAG_FAULT).toBe(0);
            for (let i = 0; i < usize; i++) expect(f.image[root + i]).toBe(user[i]);
            const esize = v.getUint32(EA_META_ESIZE, true);
            expect(esize === 0 || user[esize - 1] !== 0).toBe(true);
            for (let i = esize; i < usize; i++) expect(user[i]).toBe(0);
            const model = copyStructFromUser(mem, ptr, usize, f.sys.ksize);
            if (model.ok) {
              const n = Math.min(usize, f.sys.ksize);
              expect([...f.image.subarray(root, root + n)]).toEqual([...model.bytes.subarray(0, n)]);
            } else expect(model.errno).toBe('E2BIG');
          } else {
            expect(flags & EA_FLAG_FAULT).toBe(EA_FLAG_FAULT);
            expect(f.image.subarray(80, f.length).every((b) => b === 0)).toBe(true);
            if (f.sys.size.kind === 'arg') {
              expect(copyStructFromUser(mem, ptr, Math.min(usizeArg, 4096), f.sys.ksize)).toMatchObject({ ok: false });
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('leads every slot and window to the caller bytes, whatever the pointers say', () => {
    const sys = eaSyscall('openat2_nested');
    const jump = new Flattener(sys, { root: 72 }, { strategy: 'jump-table' });
    const win = new Flattener(sys, { pointees: { foo: 8, bar: 24, 'bar->barbaz': 8, baz: 8 } }, { strategy: 'fixed-window' });
    const region = (n: number): number => 0x10000 * (n + 1);
    // pointers: 0 = null, 1..4 = one of four regions, 5 = unmapped, 6 = 2^60; sizes are lies too
    const ptrArb = fc.integer({ min: 0, max: 6 }).map((k) => (k === 0 ? 0n : k <= 4 ? BigInt(region(k)) : k === 5 ? 0x999000n : 1n << 60n));
    const sizeArb = fc.oneof(fc.constantFrom(0n, 8n, 24n, 4096n, 5000n, 1n << 40n), fc.bigInt({ min: 0n, max: 64n }));
    const structArb = fc.tuple(ptrArb, sizeArb, ptrArb, sizeArb, ptrArb, sizeArb);
    fc.assert(
      fc.property(structArb, fc.array(fc.tuple(ptrArb, sizeArb, fc.bigInt({ min: 0n, max: 255n })), { minLength: 4, maxLength: 4 }), (root, regions) => {
        const mem = new AddressSpace();
        const words = (xs: bigint[]): Uint8Array => {
          const b = new Uint8Array(xs.length * 8);
          xs.forEach((x, i) => {
            new DataView(b.buffer).setBigUint64(i * 8, x, true);
          });
          return b;
        };
        mem.map(0x1000, words([1n, 0n, 0n, ...root]));
        // each region looks like a bar: [value, pointer, size], so any pointer may lead anywhere
        regions.forEach(([p, s, val], i) => {
          mem.map(region(i + 1), words([val, p, s]));
        });
        for (const f of [jump, win]) f.flatten({ args: [0, 0, 0x1000, 72] }, mem);
        // Walk the tables as a filter would and compare each pointee with the caller's memory,
        // found through the pointer and length fields of its copied parent.
        let slots = 0;
        const walk = (nodes: readonly PointerNode[], table: number, parent: number, parentLen: number): void => {
          for (const n of nodes) {
            const data = jump.view.getUint32(table + n.offset, true);
            if (data === 0) continue;
            slots++;
            expect(n.offset + 8).toBeLessThanOrEqual(parentLen);
            const addr = jump.view.getBigUint64(parent + n.offset, true);
            // the length field as the caller passed it: bytes beyond the parent's length are 0
            let len = 0;
            for (let i = 0; i < 8; i++) {
              if (n.lengthOffset + i < parentLen) len += jump.image[parent + n.lengthOffset + i]! * 2 ** (8 * i);
            }
            expect([...jump.image.subarray(data, data + len)]).toEqual([...mem.bytes(addr, len)]);
            const sub = jump.view.getUint32(table + n.offset + 4, true);
            if (sub !== 0) {
              expect(sub + n.tableSize).toBe(data);
              walk(n.children, sub, data, len);
            }
          }
        };
        walk(jump.pointers, 80, jump.rootOffset, 72);
        expect(slots).toBe(tableSlots(jump).length);
        for (const w of win.windows) {
          const status = win.view.getUint32(w.offset + 4, true);
          if (status === WINDOW_OK && win.view.getUint32(w.offset, true) >= 8) {
            const first = win.view.getBigUint64(w.offset + 8, true);
            expect(regions.map((r) => r[2])).toContain(first);
          }
        }
        expect(jump.length).toBeLessThanOrEqual(4176);
      }),
      { numRuns: RUNS },
    );
  });
});
