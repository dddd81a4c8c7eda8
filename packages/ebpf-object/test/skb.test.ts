/**
 * The socket filter context: @ea/testkit's c/bpf/socket.c (every __sk_buff field a socket filter may read,
 * cb[] writes, a narrow load, LD_ABS/LD_IND through clang's load_* builtins, bpf_skb_load_bytes,
 * a hash map per protocol) run by both engines and, as root with bpftool, by the kernel
 * (BPF_PROG_TEST_RUN with a socket filter, packet by packet): equal return values, the `last`
 * map (the fields of the packet just run) after every packet, and the final counts. Plus the
 * LD_ABS rewrite on its own and runCapture.
 */
import { assemble, encode, load } from '@ea/ebpf';
import { ETH_HLEN, loadObject, ObjectRunner, pktType, rewriteLegacyLoads, SKB_LOAD_HELPERS, skbLoad, skbProtocol, skbRefusal, type BpfObject } from '@ea/ebpf-object';
import { describe, expect, it } from 'vitest';
import { bpftoolUnavailable, clangUnavailable, compileC, kernelLoad, packet, random } from './support.js';

const noClang = clangUnavailable();
const noKernel = noClang ?? bpftoolUnavailable();

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const contents = (object: BpfObject, name: string): Map<string, string> => {
  const map = object.maps.find((m) => m.def.name === name)!;
  return new Map(map.keys().map((k) => [hex(k), hex(map.lookup(k)!)]));
};

/** Frames of at least 14 bytes whose destination MAC is ours (zeros), broadcast, multicast or another host's. */
function frames(seed: number, count: number): Uint8Array[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const p = packet(next, ETH_HLEN + 2);
    const dest = [[0, 0, 0, 0, 0, 0], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x01, 0x00, 0x5e, 1, 2, 3], [0x02, 1, 2, 3, 4, 5]][i % 5];
    if (dest !== undefined) p.set(dest, 0);
    if (i % 7 === 3) p.set([0x00, 0x40], 12); // an 802.3 length field
    if (i % 7 === 4) p.set([0x00, 0x40, 0xff, 0xff], 12); // 802.3 with raw IPX's 0xffff
    return p;
  });
}

describe('the socket filter context', () => {
  it('pkt_type and protocol follow eth_type_trans on loopback', () => {
    const f = (bytes: number[]): Uint8Array => Uint8Array.from([...bytes, ...new Array(16).fill(0)]);
    expect(pktType(f([0, 0, 0, 0, 0, 0]))).toBe(0);
    expect(pktType(f([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(2); // loopback has no broadcast address
    expect(pktType(f([0x33, 0x33, 0, 0, 0, 1]))).toBe(2);
    expect(pktType(f([0x02, 0, 0, 0, 0, 1]))).toBe(3);
    const frame = new Uint8Array(20);
    frame.set([0x86, 0xdd], 12);
    expect(skbProtocol(frame)).toBe(0xdd86);
    frame.set([0x00, 0x10, 0xff, 0xff], 12);
    expect(skbProtocol(frame)).toBe(0x0100);
    frame.set([0x00, 0x10, 0xaa, 0xaa], 12);
    expect(skbProtocol(frame)).toBe(0x0400);
  });

  it('legacy loads read from skb->data, SKF_NET_OFF and SKF_LL_OFF, and fail past the end', () => {
    const frame = Uint8Array.from({ length: 40 }, (_, i) => i);
    const socket = { frame, data: ETH_HLEN };
    expect(skbLoad(socket, 0, 4)).toBe(0x0e0f1011);
    expect(skbLoad(socket, 24, 2)).toBe(0x2627);
    expect(skbLoad(socket, 25, 2)).toBe(-1);
    expect(skbLoad(socket, -0x100000 + 1, 1)).toBe(15);
    expect(skbLoad(socket, -0x200000 + 1, 1)).toBe(1);
    expect(skbLoad(socket, -0x200001, 1)).toBe(-1);
    expect(skbLoad({ frame, data: 0 }, 0, 1)).toBe(0);
  });

  it('rewrites LD_ABS/LD_IND into a helper call and re-aims the jumps around them', () => {
    const program = load(encode(assemble(`
      mov %r6, %r1
      jeq %r6, 0, out
      ldabsb 9
      mov %r7, %r0
      mov %r8, 2
      ldindh %r8, 1
      add %r0, %r7
    out:
      exit
    `)));
    const rewritten = rewriteLegacyLoads(program);
    expect(rewritten.insns.filter((i) => i?.kind === 'ldabs' || i?.kind === 'ldind')).toEqual([]);
    const calls = rewritten.insns.flatMap((i) => (i?.kind === 'call' ? [i.helper] : []));
    expect(calls).toEqual([SKB_LOAD_HELPERS.b, SKB_LOAD_HELPERS.h]);
    const jump = rewritten.insns[1];
    expect(jump?.kind === 'jmp' && 1 + 1 + jump.off).toBe(rewritten.insns.length - 1);
  });

  it.skipIf(noClang !== null)('socket.c: both engines agree packet by packet, and runCapture equals run', () => {
    const { bytes } = compileC('socket');
    const packets = frames(7, 2_000);
    const results = (['jit', 'interp'] as const).map((engine) => {
      const object = loadObject(bytes);
      const runner = new ObjectRunner(object, object.programs[0]!, { engine });
      expect(runner.context).toBe('socket');
      const r0 = packets.map((p) => (skbRefusal(p) === null ? runner.run32(p) : -1));
      return { r0, last: contents(object, 'last'), counts: contents(object, 'by_proto') };
    });
    expect(results[1]).toEqual(results[0]);
    const object = loadObject(bytes);
    const runner = new ObjectRunner(object, object.programs[0]!, { engine: 'jit' });
    const data = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
    const offsets = new Int32Array(packets.length);
    const capLengths = new Int32Array(packets.length);
    packets.filter((p) => skbRefusal(p) === null).reduce((at, p, i) => {
      data.set(p, at);
      offsets[i] = at;
      capLengths[i] = p.length;
      return at + p.length;
    }, 0);
    const ok = packets.filter((p) => skbRefusal(p) === null);
    expect([...runner.runCapture({ count: ok.length, data, offsets, capLengths })]).toEqual(results[0]!.r0.filter((r) => r !== -1));
    expect(() => runner.run32(new Uint8Array(13))).toThrow(/at least 14 bytes/);
    expect(packets.some((p) => skbRefusal(p) !== null)).toBe(true);
  });

  it.skipIf(noKernel !== null)('socket.c against the kernel (BPF_PROG_TEST_RUN, socket filter): r0, the fields map after every packet, the counts', () => {
    const { bytes, path } = compileC('socket');
    const packets = frames(11, 60);
    const kernel = kernelLoad(path, false, 'socket');
    let expected: ({ r0: number; last: Map<string, string> } | null)[];
    let counts: Map<string, string>;
    try {
      expected = packets.map((p, i) => {
        try {
          return { r0: kernel.run(p), last: kernel.dump('last') };
        } catch (e) {
          if (/Invalid argument/.test(String(e))) return null; // BPF_PROG_TEST_RUN's EINVAL
          throw new Error(`packet ${i} ${hex(p)}: ${String(e)}`);
        }
      });
      counts = kernel.dump('by_proto');
    } finally {
      kernel.close();
    }
    for (const engine of ['jit', 'interp'] as const) {
      const object = loadObject(bytes);
      const runner = new ObjectRunner(object, object.programs[0]!, { engine });
      packets.forEach((p, i) => {
        let r0: number;
        try {
          r0 = runner.run32(p);
        } catch (e) {
          expect(String(e), `${engine}, packet ${i}: ${hex(p)}`).toMatch(/bad_input.*as BPF_PROG_TEST_RUN requires/);
          expect(expected[i], `${engine}, packet ${i}: ${hex(p)}: we refused it, the kernel ran it`).toBe(null);
          return;
        }
        expect({ r0, last: contents(object, 'last') }, `${engine}, packet ${i}: ${hex(p)}`).toEqual(expected[i]);
      });
      expect(expected.filter((e) => e === null).length, 'some packets the kernel refuses').toBeGreaterThan(0);
      expect(contents(object, 'by_proto'), engine).toEqual(counts);
    }
  });

  it.skipIf(noKernel !== null)('tc.c against the kernel (BPF_PROG_TEST_RUN, tc classifier): r0 and the fields map after every frame', () => {
    const { bytes, path } = compileC('tc');
    const packets = frames(13, 50);
    const kernel = kernelLoad(path, false, 'classifier');
    let expected: ({ r0: number; last: Map<string, string> } | null)[];
    try {
      expected = packets.map((p) => {
        try {
          return { r0: kernel.run(p), last: kernel.dump('last') };
        } catch (e) {
          if (/Invalid argument/.test(String(e))) return null;
          throw e;
        }
      });
    } finally {
      kernel.close();
    }
    for (const engine of ['jit', 'interp'] as const) {
      const object = loadObject(bytes);
      const runner = new ObjectRunner(object, object.programs[0]!, { engine });
      expect(runner.context).toBe('tc');
      packets.forEach((p, i) => {
        if (expected[i] === null) {
          expect(() => runner.run32(p), `${engine}, packet ${i}`).toThrow(/as BPF_PROG_TEST_RUN requires/);
          return;
        }
        const r0 = runner.run32(p);
        expect({ r0, last: contents(object, 'last') }, `${engine}, packet ${i}: ${hex(p)}`).toEqual(expected[i]);
      });
    }
  });
});
