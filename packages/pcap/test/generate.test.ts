import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCapture, readCapture, writePcap } from '@ea/pcap';

function tcpdumpMissing(): string | null {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'tcpdump is not installed (apt-get install tcpdump; .ci/run installs it)';
  }
}

describe('generateCapture', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = writePcap(generateCapture({ count: 500, seed: 9 }));
    const b = writePcap(generateCapture({ count: 500, seed: 9 }));
    const c = writePcap(generateCapture({ count: 500, seed: 10 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('mixes the protocols the benchmarks and filter tests need, with truncated frames', () => {
    const c = generateCapture({ count: 3000, seed: 1 });
    expect(c.count).toBe(3000);
    const seen = new Set<string>();
    let truncated = 0;
    for (let i = 0; i < c.count; i++) {
      const o = c.offsets[i]!;
      const cap = c.capLengths[i]!;
      if (cap < c.wireLengths[i]!) truncated++;
      if (cap < 14) continue;
      let typeAt = o + 12;
      let type = (c.data[typeAt]! << 8) | c.data[typeAt + 1]!;
      while (type === 0x8100 || type === 0x88a8) {
        seen.add(type === 0x8100 ? 'vlan' : 'qinq');
        typeAt += 4;
        type = (c.data[typeAt]! << 8) | c.data[typeAt + 1]!;
      }
      seen.add(`ethertype ${type.toString(16)}`);
      const text = Buffer.from(c.data.subarray(o, o + cap)).toString('latin1');
      if (text.includes('GET /')) seen.add('http');
    }
    expect(truncated).toBeGreaterThan(30);
    for (const k of ['vlan', 'qinq', 'ethertype 800', 'ethertype 86dd', 'ethertype 806', 'http']) expect(seen).toContain(k);
  });

  it.skipIf(tcpdumpMissing())('writes a file tcpdump reads packet for packet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-pcap-'));
    const file = join(dir, 'gen.pcap');
    const bytes = writePcap(generateCapture({ count: 2000, seed: 2 }));
    writeFileSync(file, bytes);
    // --count prints "N packets" without decoding, so multi-line dissections cannot skew the count.
    const out = execFileSync('tcpdump', ['--count', '-r', file], { stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out.toString().trim()).toBe(`${readCapture(bytes).count} packets`);
    const text = execFileSync('tcpdump', ['-n', '-r', file, 'udp dst port 53'], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
    expect(text.toString()).toContain('? example.com.');
  });
});
