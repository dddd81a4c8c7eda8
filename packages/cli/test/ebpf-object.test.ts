/** `run OBJ.o --isa ebpf` and `disasm OBJ.o --isa ebpf` on a clang-built object (skipped without clang). */
import { captureFromPackets, writePcap } from '@ea/pcap';
import { describe, expect, it } from 'vitest';
import { clangUnavailable, compileBpfProgram as compileC, ethernetFrame as packet, seededFloats as random } from '@ea/testkit';
import { cli, tempFiles } from './support/cli.js';

const noClang = clangUnavailable();
if (noClang !== null) console.warn(`skipping ea-bpf on ELF objects: ${noClang}`);
const file = tempFiles('ea-cli-object-');

describe.skipIf(noClang !== null)('ea-bpf on ELF objects', () => {
  it('runs counter.o over hex packets and a pcap with both engines; maps carry state and dump', async () => {
    const { path } = compileC('counter');
    const tcp = `${'00'.repeat(12)}0800${'45'}${'00'.repeat(8)}06${'00'.repeat(10)}`;
    const udp = tcp.replace(/06(0{20})$/, '11$1');
    const packets = file('p.txt', `${tcp}\n# a comment\n${udp}\n${tcp}\n00\n`);
    for (const engine of ['jit', 'interp']) {
      const r = await cli(['run', path, '--isa', 'ebpf', '--packets', packets, '--engine', engine, '--dump-maps']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.slice(0, 4)).toEqual([
        { r0: 2, action: 'XDP_PASS' }, { r0: 1, action: 'XDP_DROP' }, { r0: 2, action: 'XDP_PASS' }, { r0: 0, action: 'XDP_ABORTED' },
      ]);
      expect(lines[4].map).toBe('by_proto');
      expect(new Map(lines[4].entries.map((e: { key: string; value: string }) => [e.key, e.value]))).toEqual(
        new Map([['06000000', '0200000000000000' + '4400000000000000'], ['11000000', '0100000000000000' + '2200000000000000']]),
      );
    }
    const next = random(5);
    const list = Array.from({ length: 50 }, () => ({ data: packet(next, 14) }));
    const pcap = file('c.pcap', writePcap(captureFromPackets(list)));
    const r = await cli(['run', path, '--isa', 'ebpf', '--pcap', pcap]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(50);
  });

  it('disassembles with relocations by name, and names the file of a malformed object', async () => {
    const { path, bytes } = compileC('parser');
    const r = await cli(['disasm', path, '--isa', 'ebpf']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^xdp \(parse\):/);
    expect(r.stdout).toMatch(/map_value 1, 0 {2}; data \.bss:seen\+0/);
    expect(r.stdout).toMatch(/; map hops/);
    expect(r.stdout).toMatch(/; call checksum|; call \.text/);
    expect(r.stdout).toMatch(/license "Dual MIT\/GPL"/);
    const broken = file('broken.o', bytes.subarray(0, 200));
    const bad = await cli(['run', broken, '--isa', 'ebpf', '--packets', file('one.txt', '00\n')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/broken\.o: truncated at byte \d+: \d+ section headers/);
  });
});
