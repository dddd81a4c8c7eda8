/**
 * The C programs in test/c, compiled by clang in the setup, loaded by loadObject and run by both
 * engines on random packets: return values and final map contents must equal a model written
 * from the C source, and, where bpftool and root are available, what the kernel computes
 * (BPF_PROG_TEST_RUN, packet by packet, maps dumped at the end).
 */
import { loadObject, MAX_TAIL_CALL_CNT, ObjectRunner, RingBuffer, type BpfObject } from '@ea/ebpf-object';
import { describe, expect, it } from 'vitest';
import { bpftoolUnavailable, clangUnavailable, compileC, kernelLoad, packet, random } from './support.js';

const noClang = clangUnavailable();
const noKernel = noClang ?? bpftoolUnavailable();
if (noClang !== null) console.warn(`skipping the clang-built programs: ${noClang}`);
else if (noKernel !== null) console.warn(`skipping the kernel comparison: ${noKernel}`);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const u32 = (n: number): string => hex(new Uint8Array(new Uint32Array([n]).buffer));
const u64 = (n: number): string => hex(new Uint8Array(new BigUint64Array([BigInt(n)]).buffer));
const contents = (object: BpfObject, name: string): Map<string, string> => {
  const map = object.maps.find((m) => m.def.name === name)!;
  return new Map(map.keys().map((k) => [hex(k), hex(map.lookup(k)!)]));
};

/** counter.c, in JavaScript. */
function counterModel(p: Uint8Array, stats: Map<number, [number, number]>): number {
  if (p.length < 14) return 0;
  let key = (p[12]! << 8) | p[13]!;
  if (key === 0x0800) {
    if (p.length < 34) return 1;
    key = p[23]!;
  } else key += 0x10000;
  const s = stats.get(key);
  if (s !== undefined) {
    s[0] += 1;
    s[1] += p.length;
  } else if (stats.size < 64) stats.set(key, [1, p.length]);
  return key === 17 ? 1 : 2;
}

/** parser.c, in JavaScript. */
function parserModel(p: Uint8Array, st: { seen: number; hops: number[]; prints: string[] }): number {
  st.seen++;
  if (p.length < 4) return 0;
  if (p[0] === 0xde && p[1] === 0xad) st.prints.push(`magic ${p[2]}\n`);
  let off = 4;
  let n = 0;
  for (; n < 8; n++) {
    if (n >= 6 || off > 512 || off + 2 > p.length) break;
    const len = p[off + 1]!;
    st.hops[n]! += len;
    if (p[off] === 0) {
      n++;
      break;
    }
    off += 2 + (len & 0x3f);
  }
  let sum = 0;
  for (let i = 0; i < 16 && i + 1 <= p.length; i++) sum += p[i]!;
  return (n << 8) | (sum & 0xff);
}

describe.skipIf(noClang !== null)('clang-built programs through loadObject', () => {
  for (const engine of ['interp', 'jit', 'reference'] as const) {
    it(`counter.c (BTF hash map) on the ${engine}: return values and the map equal the model`, () => {
      const object = loadObject(compileC('counter').bytes);
      const runner = new ObjectRunner(object, object.programs[0]!, { engine });
      const next = random(16);
      const stats = new Map<number, [number, number]>();
      for (let i = 0; i < 3000; i++) {
        const p = packet(next);
        expect(Number(runner.run(p)), `packet ${i} ${hex(p)}`).toBe(counterModel(p, stats));
      }
      expect(stats.size).toBe(64); // the map filled: later keys met E2BIG, as in the kernel
      expect(contents(object, 'by_proto')).toEqual(new Map([...stats].map(([k, [n, b]]) => [u32(k), u64(n) + u64(b)])));
    });

    it(`parser.c (bounded loop, subprogram, .data/.rodata/.bss, array map, trace_printk) on the ${engine}`, () => {
      const object = loadObject(compileC('parser').bytes);
      const prints: string[] = [];
      const runner = new ObjectRunner(object, object.programs[0]!, { engine, print: (l) => prints.push(l) });
      const next = random(17);
      const st = { seen: 0, hops: new Array<number>(8).fill(0), prints: [] as string[] };
      for (let i = 0; i < 3000; i++) {
        const p = packet(next);
        expect(Number(runner.run(p)), `packet ${i} ${hex(p)}`).toBe(parserModel(p, st));
      }
      expect(prints).toEqual(st.prints);
      expect(contents(object, 'hops')).toEqual(new Map(st.hops.map((v, i) => [u32(i), u64(v)])));
      const bss = object.globals.find((g) => g.section === '.bss')!;
      expect(new DataView(bss.bytes.buffer).getUint32(0, true)).toBe(st.seen);
      expect(object.license).toBe('Dual MIT/GPL');
      expect(object.programs[0]!.relocations.map((r) => r.kind).sort()).toEqual(['call', 'data', 'data', 'data', 'map']);
    });

    it(`ringbuf.c (bpf_ringbuf_output to a callback) on the ${engine}`, () => {
      const object = loadObject(compileC('ringbuf').bytes);
      const events = object.maps.find((m) => m.def.name === 'events');
      if (!(events instanceof RingBuffer)) throw new Error('events is not a ring buffer');
      const records: string[] = [];
      events.onRecord = (r) => records.push(hex(r));
      const runner = new ObjectRunner(object, object.programs[0]!, { engine });
      const next = random(19);
      const expected: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const p = packet(next);
        expect(Number(runner.run(p))).toBe(2);
        if (p.length >= 34 && p[12] === 8 && p[13] === 0) expected.push(u32(p[23]!) + u32(p.length) + hex(p.subarray(0, 8)));
      }
      expect(expected.length).toBeGreaterThan(100);
      expect(records).toEqual(expected);
    });

    it(`tailcall.c (program array, bpf_tail_call, the 33-call limit) on the ${engine}`, () => {
      const object = loadObject(compileC('tailcall').bytes);
      const index = (name: string): Uint8Array => new Uint8Array(new Uint32Array([object.programs.findIndex((p) => p.name === name)]).buffer);
      const jumps = object.maps.find((m) => m.def.name === 'jumps')!;
      jumps.update(new Uint8Array(new Uint32Array([0]).buffer), index('drop'));
      jumps.update(new Uint8Array(new Uint32Array([2]).buffer), index('again'));
      const runner = new ObjectRunner(object, object.programs.find((p) => p.name === 'entry')!, { engine });
      const results = [0, 1, 2, 3, 4, 6].map((first) => Number(runner.run(new Uint8Array([first, 0, 0, 0]))));
      expect(results).toEqual([1, 2, 3, 2, 1, 3]); // drop, empty slot, chain to the limit, empty, drop, chain
      expect(contents(object, 'depth')).toEqual(new Map([[u32(0), u64(2 * MAX_TAIL_CALL_CNT)]]));
      expect(Number(runner.run(new Uint8Array(0)))).toBe(0);
    });

    it(`legacy.c (legacy maps section, raw memory, r2 = length) on the ${engine}`, () => {
      const object = loadObject(compileC('legacy').bytes);
      const runner = new ObjectRunner(object, object.programs[0]!, { engine });
      expect(runner.context).toBe('raw');
      const next = random(18);
      const histogram = new Array<number>(256).fill(0);
      for (let i = 0; i < 500; i++) {
        const p = packet(next);
        let total = 0;
        for (const b of p.subarray(0, 64)) {
          histogram[b]!++;
          total += b;
        }
        expect(Number(runner.run(p))).toBe(total);
      }
      expect(contents(object, 'histogram')).toEqual(new Map(histogram.map((v, i) => [u32(i), u64(v)])));
    });
  }
});

describe.skipIf(noKernel !== null)('the kernel agrees (bpftool, BPF_PROG_TEST_RUN)', () => {
  it('counter.c: return values packet by packet and the final hash map', () => {
    const { bytes, path } = compileC('counter');
    const object = loadObject(bytes);
    const ours = new ObjectRunner(object, object.programs[0]!, { engine: 'jit' });
    const kernel = kernelLoad(path);
    try {
      const next = random(160);
      for (let i = 0; i < 80; i++) {
        const p = packet(next, 14); // BPF_PROG_TEST_RUN wants at least an Ethernet header
        expect(Number(ours.run(p)), `packet ${i} ${hex(p)}`).toBe(kernel.run(p));
      }
      expect(contents(object, 'by_proto')).toEqual(kernel.dump('by_proto'));
    } finally {
      kernel.close();
    }
  });

  it('parser.c: return values, the array map and .bss', () => {
    const { bytes, path } = compileC('parser');
    const object = loadObject(bytes);
    const ours = new ObjectRunner(object, object.programs[0]!, { engine: 'interp' });
    const kernel = kernelLoad(path);
    try {
      const next = random(170);
      for (let i = 0; i < 80; i++) {
        const p = packet(next, 14);
        expect(Number(ours.run(p)), `packet ${i} ${hex(p)}`).toBe(kernel.run(p));
      }
      expect(contents(object, 'hops')).toEqual(kernel.dump('hops'));
      const bss = [...kernel.dump(BSS_MAP).values()][0];
      expect(hex(object.globals.find((g) => g.section === '.bss')!.bytes)).toBe(bss);
    } finally {
      kernel.close();
    }
  });

  it('tailcall.c: the same programs through the program array, up to the 33-call limit', () => {
    const { bytes, path } = compileC('tailcall');
    const object = loadObject(bytes);
    const slot = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
    const index = (name: string): Uint8Array => slot(object.programs.findIndex((p) => p.name === name));
    const jumps = object.maps.find((m) => m.def.name === 'jumps')!;
    jumps.update(slot(0), index('drop'));
    jumps.update(slot(2), index('again'));
    const ours = new ObjectRunner(object, object.programs.find((p) => p.name === 'entry')!, { engine: 'jit' });
    const kernel = kernelLoad(path, true);
    try {
      kernel.setProgram('jumps', 0, 'drop');
      kernel.setProgram('jumps', 2, 'again');
      const next = random(120);
      for (let i = 0; i < 12; i++) {
        const p = packet(next, 14);
        expect(Number(ours.run(p)), `packet ${i} ${hex(p)}`).toBe(kernel.run(p, 'entry'));
      }
      expect(contents(object, 'depth')).toEqual(kernel.dump('depth'));
    } finally {
      kernel.close();
    }
  });
});

/** libbpf names a global data map after a prefix of the object's name (`parser.bss`); bpftool pins it with `_` for `.`. */
const BSS_MAP = 'parser_bss';
