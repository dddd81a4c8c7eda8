/**
 * `ea-bpf disasm big.bpf --json | head -1`: a reader that closes its end early must not make the
 * CLI die on an unhandled EPIPE with a stack trace on stderr. The output (about 230 KB) is far
 * larger than a pipe's buffer, so writes are still pending when the reader goes away.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

describe('a closed pipe on stdout', () => {
  it('stops quietly with status 141 when the reader goes away', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-pipe-'));
    const file = join(dir, 'big.bpf');
    writeFileSync(file, `${'ld [0]\n'.repeat(4000)}ret #0\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), 'disasm', file, '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Read one chunk, then close our end, as `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    rmSync(dir, { recursive: true, force: true });
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).toBe('');
    expect(status === 141 || status === 0).toBe(true);
  });
});
