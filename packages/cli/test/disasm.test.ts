import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble, encodeProgram, readProgram, writeProgram } from '@ea/bpf';
import { describe, expect, it, } from 'vitest';
import { cli } from './support/cli.js';

const program = assemble(`
  ldh [12]
  jne #0x800, drop
  ldb [23]
  jeq #6, +1
  tax
  ret #0x40000
drop:
  ret #0
`);
const dir = mkdtempSync(join(tmpdir(), 'ea-disasm-'));
const bin = join(dir, 'filter.bin');
writeFileSync(bin, encodeProgram(program));
const bytes = [...encodeProgram(program)];

describe('ea-bpf disasm', () => {
  it('prints bpf_asm for a binary file', async () => {
    const { code, stdoutBytes: stdout } = await cli(['disasm', bin]);
    expect(code).toBe(0);
    expect(stdout.toString()).toBe(writeProgram(program, 'asm'));
    expect(stdout.toString()).toContain('  jne #0x800, L6\n');
  });

  it.each(['asm', 'd', 'dd', 'ddd', 'bin'] as const)('converts to %s and back', async (to) => {
    const { code, stdoutBytes: stdout } = await cli(['disasm', bin, '--to', to]);
    expect(code).toBe(0);
    const converted = join(dir, `filter.${to}`);
    writeFileSync(converted, stdout);
    const back = await cli(['disasm', converted, '--to', 'bin']);
    expect([...back.stdoutBytes]).toEqual(bytes);
    expect(readProgram(stdout, { format: to }).format).toBe(to);
  });

  it('honours --format and --endian', async () => {
    const be = join(dir, 'filter.be');
    writeFileSync(be, writeProgram(program, 'bin', { endian: 'be' }));
    const { stdoutBytes: stdout } = await cli(['disasm', be, '--format', 'bin', '--endian', 'be']);
    expect(stdout.toString()).toBe(writeProgram(program, 'asm'));
    // Forcing a text format on binary input is an input error, not a crash.
    expect((await cli(['disasm', bin, '--format', 'ddd'])).code).toBe(1);
  });

  it('prints JSON with one formatted instruction per pc', async () => {
    const { stdoutBytes: stdout } = await cli(['disasm', bin, '--json']);
    const parsed = JSON.parse(stdout.toString()) as { insns: { pc: number; text: string }[] };
    expect(parsed.insns[1]).toMatchObject({ pc: 1, text: 'jne #0x800, L6' });
  });

  it('comments seccomp actions with --seccomp', async () => {
    const { stdoutBytes: stdout } = await cli(['disasm', bin, '--seccomp']);
    expect(stdout.toString()).toContain('  ret #0 ; KILL_THREAD\n');
    const json = await cli(['disasm', bin, '--seccomp', '--json']);
    expect(json.stdoutBytes.toString()).toContain('"text":"ret #0x40000 ; unknown action, acts as KILL_PROCESS"');
  });

  it('exits 1 naming the byte offset of a truncated blob', async () => {
    const cut = join(dir, 'cut.bin');
    writeFileSync(cut, Uint8Array.from(bytes.slice(0, 13)));
    const { code, stderr } = await cli(['disasm', cut, '--format', 'bin']);
    expect(code).toBe(1);
    expect(stderr).toContain('byte 8');
  });

  it('exits 2 for usage errors', async () => {
    expect((await cli(['disasm'])).code).toBe(2);
    expect((await cli(['disasm', bin, '--format', 'hex'])).code).toBe(2);
    expect((await cli(['disasm', bin, '--to', 'hex'])).code).toBe(2);
    expect((await cli(['disasm', '--help'])).code).toBe(0);
  });
});
