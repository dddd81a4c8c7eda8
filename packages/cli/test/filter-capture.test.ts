/**
 * `ea-bpf filter` and its capture, against tcpdump: the snap length of the file header (issue
 * 17 item 1), damaged captures counted up to the damage, errors that name the file, and a
 * capture given where the program belongs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { captureFromPackets, generateCapture, writePcap, writePcapng } from '@ea/pcap';
import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

function tcpdumpMissing(): string | null {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'tcpdump is not installed (apt-get install tcpdump; .ci/run installs it)';
  }
}

/** Runs `tcpdump --count -r file expr`: the count it prints (before any error) and its exit status. */
function tcpdumpCount(file: string, expr: string): { count: number; status: number } {
  const run = spawnSync('tcpdump', ['--count', '-r', file, expr], { encoding: 'utf8' });
  const match = /^(\d+) packets?/m.exec(run.stdout);
  return { count: match === null ? -1 : Number(match[1]), status: run.status ?? -1 };
}

const file = tempFiles('ea-filter-capture-');
const GET = 'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420';
const capture = generateCapture({ count: 1000, seed: 1 });

describe.skipIf(tcpdumpMissing())('ea-bpf filter reads captures as tcpdump does', () => {
  const program = (expr: string, name: string): string =>
    file(name, execFileSync('tcpdump', ['-ddd', expr], { stdio: ['ignore', 'pipe', 'ignore'] }));

  for (const snapLength of [64, 54, 100, 0]) {
    it(`honours the header's snap length ${snapLength} (the issue: ea said 21 where tcpdump says 13 at 64)`, async () => {
      const pcap = file(`snap${snapLength}.pcap`, writePcap(capture, { snapLength }));
      const prog = program(GET, 'get.ddd');
      const expected = tcpdumpCount(pcap, GET);
      expect(expected.status).toBe(0);
      for (const engine of ['jit', 'interp']) {
        const run = await cli(['filter', prog, pcap, '--json', '--engine', engine]);
        expect(run.stderr).toBe('');
        expect(JSON.parse(run.stdout)).toEqual({ matched: expected.count, total: 1000 });
      }
    });
  }

  for (const [format, bytes] of [
    ['pcap', writePcap(capture, { snapLength: 100 })],
    ['pcapng', writePcapng(capture)],
  ] as const) {
    it(`counts the packets before the damage of a truncated ${format} file, warns and exits 1, as tcpdump`, async () => {
      const prog = program('tcp or udp', 'tcp-udp.ddd');
      for (const cut of [5_000, 40_001, bytes.length - 3]) {
        const path = file(`cut${cut}.${format}`, bytes.subarray(0, cut));
        const expected = tcpdumpCount(path, 'tcp or udp');
        expect(expected.status).toBe(1);
        const run = await cli(['filter', prog, path]);
        expect(run.code).toBe(1);
        const [, matched, total] = /^(\d+) of (\d+) packets matched\n$/.exec(run.stdout) ?? [];
        expect(Number(matched)).toBe(expected.count);
        expect(Number(total)).toBeGreaterThan(0);
        expect(run.stderr).toContain(`ea-bpf: warning: ${path}: byte `);
        expect(run.stderr).toContain(`counted the ${total} packets before it`);
      }
    });
  }
});

describe('ea-bpf filter: capture errors', () => {
  const accept = file('accept.ddd', '1\n6 0 0 262144\n');
  const pcap = file('small.pcap', writePcap(generateCapture({ count: 10, seed: 3 })));
  const pcapng = file('small.pcapng', writePcapng(generateCapture({ count: 10, seed: 3 })));

  it('says so when the capture comes first (instead of "more than 65535 instructions")', async () => {
    for (const [path, kind] of [
      [pcap, 'pcap'],
      [pcapng, 'pcapng'],
    ] as const) {
      const run = await cli(['filter', path, accept]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`ea-bpf: ${path} is a ${kind} capture, not a program: the program comes first (ea-bpf filter PROGRAM CAPTURE)\n`);
    }
  });

  it('names the file of a capture it cannot read at all', async () => {
    const short = file('short.pcap', writePcap(generateCapture({ count: 1, seed: 3 })).subarray(0, 20));
    for (const path of [short, accept]) {
      const run = await cli(['filter', accept, path]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(new RegExp(`^ea-bpf: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: byte 0: `));
    }
  });

  it('reports damage in --json too', async () => {
    const cut = file('cut.pcap', writePcap(generateCapture({ count: 10, seed: 3 })).subarray(0, 300));
    const run = await cli(['filter', accept, cut, '--json']);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ matched: out.total, damage: { code: 'TRUNCATED' } });
    expect(out.damage.offset).toBeGreaterThan(24);
  });
});

describe.skipIf(tcpdumpMissing())('ea-bpf filter runs programs as libpcap does (the libpcap profile)', () => {
  // IPv6 frames with chains of extension headers, so protochain's backward jumps are taken.
  const chains = captureFromPackets(
    Array.from({ length: 300 }, (_, i) => {
      const kinds = [0, 43, 60, 44];
      const headers = Array.from({ length: i % 5 }, (_, j) => kinds[(i + j) % kinds.length]!);
      const last = [6, 17, 58][i % 3]!;
      const bytes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 0, headers[0] ?? last, 64];
      bytes.push(...new Array<number>(32).fill(1));
      for (let j = 0; j < headers.length; j++) bytes.push(headers[j + 1] ?? last, 0, 0, 0, 0, 0, 0, 0);
      bytes.push(...new Array<number>(20).fill(0));
      return { data: Uint8Array.from(bytes) };
    }),
  );
  const path = file('chains.pcap', writePcap(chains));

  for (const expr of ['ip6 protochain 6', 'ip6 protochain 17', 'ip protochain 6', 'ip6 and not ip6 protochain 58']) {
    it(`counts ${JSON.stringify(expr)} as tcpdump --count does`, async () => {
      const prog = file('chain.ddd', execFileSync('tcpdump', ['-ddd', '-y', 'EN10MB', expr], { stdio: ['ignore', 'pipe', 'ignore'] }));
      const expected = tcpdumpCount(path, expr);
      expect(expected.status).toBe(0);
      for (const engine of ['jit', 'interp']) {
        const run = await cli(['filter', prog, path, '--json', '--engine', engine]);
        expect(run.stderr).toBe('');
        expect(JSON.parse(run.stdout)).toEqual({ matched: expected.count, total: chains.count });
      }
    });
  }

  it('keeps the kernel rules for run --profile socket, and runs the loop with --profile libpcap', async () => {
    const prog = file('pc6.ddd', execFileSync('tcpdump', ['-ddd', '-y', 'EN10MB', 'ip6 protochain 6'], { stdio: ['ignore', 'pipe', 'ignore'] }));
    // Frame 6 of the chains capture: one fragment header, then TCP.
    const o = chains.offsets[6]!;
    const hex = Buffer.from(chains.data.subarray(o, o + chains.capLengths[6]!)).toString('hex');
    const packets = file('one.hex', `${hex}\n`);
    const kernel = await cli(['run', prog, '--profile', 'socket', '--packets', packets]);
    expect(kernel.code).toBe(1);
    expect(kernel.stderr).toContain('JUMP_OUT_OF_RANGE');
    const userland = await cli(['run', prog, '--profile', 'libpcap', '--packets', packets]);
    expect(userland).toMatchObject({ code: 0, stdout: '{"ret":262144}\n' });
  });
});
