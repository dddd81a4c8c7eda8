import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@ea/cli';
import {
  captureFromPackets,
  generateCapture,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  SAMPLE_EXPRESSIONS,
  writePcap,
  writePcapng,
} from '@ea/pcap';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

function tcpdumpMissing(): string | null {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'tcpdump is not installed (apt-get install tcpdump; .ci/run installs it)';
  }
}

/** Runs the CLI in-process and captures what it prints. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

const dir = mkdtempSync(join(tmpdir(), 'ea-filter-'));
const capture = generateCapture({ count: 4000, seed: 42 });
const pcapFile = join(dir, 'gen.pcap');
const pcapngFile = join(dir, 'gen.pcapng');
const bigNanoFile = join(dir, 'gen-be-ns.pcap');

beforeAll(() => {
  writeFileSync(pcapFile, writePcap(capture));
  writeFileSync(pcapngFile, writePcapng(capture, { littleEndian: false }));
  writeFileSync(bigNanoFile, writePcap(capture, { littleEndian: false, nanosecond: true }));
});

describe.skipIf(tcpdumpMissing())('ea-bpf filter agrees with tcpdump', () => {
  it('has at least 20 expressions to compare', () => {
    expect(SAMPLE_EXPRESSIONS.length).toBeGreaterThanOrEqual(20);
  });

  for (const [i, expr] of SAMPLE_EXPRESSIONS.entries()) {
    it(`counts the same packets for ${JSON.stringify(expr)}`, async () => {
      const programFile = join(dir, `p${i}.ddd`);
      writeFileSync(programFile, execFileSync('tcpdump', ['-ddd', '-r', pcapFile, expr], { stdio: ['ignore', 'pipe', 'ignore'] }));
      const counted = execFileSync('tcpdump', ['--count', '-r', pcapFile, expr], { stdio: ['ignore', 'pipe', 'ignore'] });
      const expected = Number(/^(\d+) packets/.exec(counted.toString())![1]);
      const run = await cli(['filter', programFile, pcapFile, '--json']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ matched: expected, total: capture.count });
      // The JIT agrees, and so do the same packets in pcapng (big-endian) and nanosecond big-endian pcap.
      const jit = await cli(['filter', programFile, pcapFile, '--json', '--engine', 'jit']);
      expect(JSON.parse(jit.stdout)).toEqual({ matched: expected, total: capture.count });
      for (const other of [pcapngFile, bigNanoFile]) {
        const again = await cli(['filter', programFile, other, '--json']);
        expect(JSON.parse(again.stdout)).toEqual({ matched: expected, total: capture.count });
      }
    });
  }
});

describe('ea-bpf filter', () => {
  const acceptAll = join(dir, 'all.ddd');
  const lenOver100 = join(dir, 'len.asm');
  beforeAll(() => {
    writeFileSync(acceptAll, '1\n6 0 0 262144\n');
    writeFileSync(lenOver100, 'ld #len\njgt #100, keep, drop\nkeep: ret #1\ndrop: ret #0\n');
  });

  it('prints human text by default', async () => {
    const run = await cli(['filter', acceptAll, pcapFile]);
    expect(run).toEqual({ code: 0, stdout: `${capture.count} of ${capture.count} packets matched\n`, stderr: '' });
  });

  it('uses the wire length for `len`, not the captured length', async () => {
    let expected = 0;
    for (let i = 0; i < capture.count; i++) if (capture.wireLengths[i]! > 100) expected++;
    const run = await cli(['filter', lenOver100, pcapFile, '--json']);
    expect(JSON.parse(run.stdout)).toEqual({ matched: expected, total: capture.count });
  });

  it('reports a corrupt capture with its file and byte offset, after counting the packets before it (exit 1)', async () => {
    const bytes = writePcap(capture).subarray(0, 1000);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes);
    const run = await cli(['filter', acceptAll, cut]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^(\d+) of \1 packets matched\n$/);
    expect(run.stderr).toContain(`ea-bpf: warning: ${cut}: byte `);
    expect(run.stderr).toMatch(/truncated record: .*; counted the \d+ packets before it\n$/);
  });

  it('rejects a program the kernel would refuse (exit 1)', async () => {
    const bad = join(dir, 'bad.ddd');
    writeFileSync(bad, '1\n40 0 0 12\n'); // no return
    const run = await cli(['filter', bad, pcapFile]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
  });

  it('rejects an unknown engine as a usage error (exit 2)', async () => {
    const run = await cli(['filter', acceptAll, pcapFile, '--engine', 'fast']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown engine');
  });
});

/** Re-frames the untagged IPv4/IPv6 packets of the capture for another link type. */
function reframe(linkType: number, header: (ethertype: number) => number[]): ReturnType<typeof captureFromPackets> {
  const list: { data: Uint8Array; wireLength: number; linkType: number }[] = [];
  for (let i = 0; i < capture.count; i++) {
    const o = capture.offsets[i]!;
    const cap = capture.capLengths[i]!;
    if (cap < 14) continue;
    const type = (capture.data[o + 12]! << 8) | capture.data[o + 13]!;
    if (type !== 0x0800 && type !== 0x86dd) continue;
    const h = header(type);
    const body = capture.data.subarray(o + 14, o + cap);
    list.push({ data: Uint8Array.from([...h, ...body]), wireLength: capture.wireLengths[i]! - 14 + h.length, linkType });
  }
  return captureFromPackets(list);
}

describe.skipIf(tcpdumpMissing())('ea-bpf filter on other link types agrees with tcpdump', () => {
  const kinds = [
    { name: 'RAW', linkType: LINKTYPE_RAW, header: () => [] },
    { name: 'LINUX_SLL', linkType: LINKTYPE_LINUX_SLL, header: (t: number) => [0, 0, 0, 1, 0, 6, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, t >> 8, t & 0xff] },
    { name: 'NULL', linkType: LINKTYPE_NULL, header: (t: number) => (t === 0x0800 ? [2, 0, 0, 0] : [30, 0, 0, 0]) },
  ];
  for (const kind of kinds) {
    for (const expr of ['ip', 'ip6', 'tcp port 80', 'udp port 53 and ip6', 'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420']) {
      it(`${kind.name}: ${expr}`, async () => {
        const file = join(dir, `${kind.name}.pcap`);
        writeFileSync(file, writePcap(reframe(kind.linkType, kind.header)));
        const programFile = join(dir, `${kind.name}.ddd`);
        writeFileSync(programFile, execFileSync('tcpdump', ['-ddd', '-r', file, expr], { stdio: ['ignore', 'pipe', 'ignore'] }));
        const counted = execFileSync('tcpdump', ['--count', '-r', file, expr], { stdio: ['ignore', 'pipe', 'ignore'] });
        const expected = Number(/^(\d+) packets/.exec(counted.toString())![1]);
        expect(expected).toBeGreaterThan(0);
        for (const engine of ['interp', 'jit']) {
          const run = await cli(['filter', programFile, file, '--json', '--engine', engine]);
          expect(JSON.parse(run.stdout).matched).toBe(expected);
        }
      });
    }
  }
});
