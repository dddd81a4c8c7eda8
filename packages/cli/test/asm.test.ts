import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble, encodeProgram, readProgram } from '@ea/bpf';
import { describe, expect, it, } from 'vitest';
import { cli } from './support/cli.js';

const SOURCE = `
  ld [4]                 ; arch
  jne #0xc000003e, kill
  ld [0]                 ; syscall number
  jeq #59, kill
  ret #0x7fff0000
kill:
  ret #0
`;
const dir = mkdtempSync(join(tmpdir(), 'ea-asm-'));
const file = join(dir, 'filter.s');
writeFileSync(file, SOURCE);
const expected = encodeProgram(assemble(SOURCE));

describe('ea-bpf asm', () => {
  it('prints tcpdump -ddd by default', async () => {
    const { code, stdoutBytes: stdout } = await cli(['asm', file]);
    expect(code).toBe(0);
    const text = stdout.toString();
    expect(text.split('\n')[0]).toBe('6');
    expect([...encodeProgram(readProgram(text).insns)]).toEqual([...expected]);
  });

  it('prints -dd and raw bytes', async () => {
    const dd = await cli(['asm', file, '--to', 'dd']);
    expect(dd.stdoutBytes.toString()).toMatch(/^\{ 0x20, 0, 0, 0x00000004 \},\n/);
    const bin = await cli(['asm', file, '--to', 'bin']);
    expect([...bin.stdoutBytes]).toEqual([...expected]);
    const be = await cli(['asm', file, '--to', 'bin', '--endian', 'be']);
    expect([...encodeProgram(readProgram(be.stdoutBytes, { format: 'bin', endian: 'be' }).insns)]).toEqual([...expected]);
  });

  it('exits 1 with the line and column of bad input', async () => {
    const bad = join(dir, 'bad.s');
    writeFileSync(bad, 'ret #0\n  jeq #1, nowhere\n');
    const { code, stdoutBytes: stdout, stderr } = await cli(['asm', bad]);
    expect(code).toBe(1);
    expect(stdout.length).toBe(0);
    expect(stderr).toContain(`${bad}: line 2, column 11`);
    expect(stderr).toContain('undefined label');
  });

  it('exits 2 for usage errors', async () => {
    expect((await cli(['asm'])).code).toBe(2);
    expect((await cli(['asm', file, '--to', 'pdf'])).code).toBe(2);
    expect((await cli(['asm', file, '--endian', 'middle'])).code).toBe(2);
    expect((await cli(['asm', join(dir, 'missing.s')])).code).toBe(2);
  });

  it('reads standard input for - (spawned)', () => {
    const result = spawnSync('npx', ['tsx', 'packages/cli/src/main.ts', 'asm', '-', '--to', 'bin'], {
      input: SOURCE,
      cwd: join(import.meta.dirname, '../../..'),
    });
    expect(result.status).toBe(0);
    expect([...result.stdout]).toEqual([...expected]);
  });
});

