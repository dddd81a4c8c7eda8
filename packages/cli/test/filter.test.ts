import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@ea/cli';
import { generateCapture, SAMPLE_EXPRESSIONS, writePcap, writePcapng } from '@ea/pcap';
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

  it('reports a corrupt capture with its byte offset (exit 1)', async () => {
    const bytes = writePcap(capture).subarray(0, 1000);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes);
    const run = await cli(['filter', acceptAll, cut]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ea-bpf: byte \d+: truncated record/);
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
