/**
 * The sharp edges of reading what the user typed: standard input's name, text or binary,
 * --arch numbers, syscall names, negative numbers and comments in calls, long tokens in errors,
 * plurals, and relative paths under `pnpm ea-bpf` from a subdirectory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callerDirectory, prepareArgv } from '../src/cli.js';
import { parseArch, parseCallLine, parseInteger } from '../src/commands/calls.js';
import { cli, tempFiles } from './support/cli.js';

const root = join(import.meta.dirname, '../../..');
const file = tempFiles('ea-inputs-');
// Denies openat(AT_FDCWD, ...) with EPERM on x86_64, allows the rest, kills other arches.
const AT_FDCWD = file(
  'at.asm',
  'ld [4]\njne #0xc000003e, kill\nld [0]\njeq #257, open, allow\nopen: ld [16]\njeq #0xffffff9c, hi, allow\nhi: ld [20]\njeq #0xffffffff, deny, allow\nallow: ret #0x7fff0000\ndeny: ret #0x50001\nkill: ret #0\n',
);
const ERRNO = { ret: 0x50001, action: 'errno', data: 1 };
const ALLOW = { ret: 0x7fff0000, action: 'allow', data: 0 };
const KILL = { ret: 0, action: 'kill_thread', data: 0 };
const json = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

function spawnCli(args: readonly string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), ...args], {
    cwd: options.cwd ?? root,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, npm_lifecycle_event: '', ...options.env },
  });
}

describe('standard input', () => {
  it('is named "standard input", with no NUL byte (spawned)', () => {
    const r = spawnCli(['verify', '-'], { input: 'ret #0\n' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('standard input: accepted (seccomp profile, 1 instruction)\n');
    expect(r.stdout).not.toContain('\0');
  });
});

describe('text or binary', () => {
  it('reads a text file with one stray control byte as text, and says what it assumed', async () => {
    const stray = file('stray.asm', 'ld [0]\njeq #1\x01, a, b\na: ret #0\nb: ret #1\n');
    const r = await cli(['verify', stray]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stray\.asm: line 2, column 7: unexpected character/);
    expect(r.stderr).toContain('read as text: byte 13 (0x01) is not text, but 41 bytes is not a whole number of 8-byte instructions');
    expect(r.stderr).not.toContain('not a multiple of 8');
    const latin1 = file('latin1.asm', Buffer.from('ret #0 ; caf\xe9\n', 'latin1'));
    expect((await cli(['verify', latin1])).stderr).toMatch(/byte 12: asm input is not UTF-8 text \(read as text/);
  });

  it('still reads a binary program as binary, and mostly-binary junk as binary', async () => {
    const bin = file('ret.bin', Uint8Array.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]));
    expect((await cli(['verify', bin])).stdout).toBe(`${bin}: accepted (seccomp profile, 1 instruction)\n`);
    const junk = file('junk.bin', Uint8Array.from([0x06, 0, 0, 0, 0, 0, 0xff]));
    const r = await cli(['verify', junk]);
    expect(r.stderr).toMatch(/program is 7 bytes, not a multiple of 8 \(read as a binary program: byte 0 \(0x06\) is not text and only 0% of it is text\)/);
  });
});

describe('calls', () => {
  it('takes --arch as an AUDIT_ARCH number', async () => {
    expect(json((await cli(['run', AT_FDCWD, '--nr', '257', '--args', '-100', '--arch', '0xc000003e'])).stdout)).toEqual([ERRNO]);
    expect(json((await cli(['run', AT_FDCWD, '--nr', '257', '--arch', '0x12345678'])).stdout)).toEqual([KILL]);
    expect(parseArch('0x40000003')).toEqual({ name: 'i386', auditArch: 0x40000003, endian: 'le', bits: 32 });
    expect(parseArch('0x12345678')).toEqual({ name: null, auditArch: 0x12345678, endian: 'le', bits: 64 });
    expect(parseArch('0x100000000')).toMatch(/does not fit seccomp_data.arch/);
    expect((await cli(['run', AT_FDCWD, '--nr', 'openat', '--arch', '0x12345678'])).stderr).toMatch(/no syscall table for arch 0x12345678/);
  });

  it('takes syscall names and negative numbers in --nr/--args', async () => {
    expect(json((await cli(['run', AT_FDCWD, '--nr', 'openat', '--args', '-100,0'])).stdout)).toEqual([ERRNO]);
    expect(json((await cli(['run', AT_FDCWD, '--nr', 'openat', '--args', '0xffffff9c'])).stdout)).toEqual([ALLOW]);
    expect(json((await cli(['run', AT_FDCWD, '--nr', 'openat', '--args=-100'])).stdout)).toEqual([ERRNO]);
    expect((await cli(['run', AT_FDCWD, '--nr', 'opnat'])).stderr).toMatch(/x86_64 has no syscall named "opnat"/);
  });

  it('takes names, negatives and # comments in --inputs', async () => {
    const inputs = file('calls.txt', '# AT_FDCWD is -100\nopenat -100 0 # denied\n257 0xffffffffffffff9c\nopenat -101\n  # indented\ngetpid\n');
    expect(json((await cli(['run', AT_FDCWD, '--inputs', inputs])).stdout)).toEqual([ERRNO, ERRNO, ALLOW, ALLOW]);
  });

  it('stores a negative as its two\'s complement at the field\'s width', () => {
    const x86 = parseArch('x86_64');
    const i386 = parseArch('i386');
    if (typeof x86 === 'string' || typeof i386 === 'string') throw new Error(String(x86));
    expect(parseCallLine('openat -100', 1, x86)).toEqual({ nr: 257, args: [0xffffffffffffff9cn] });
    expect(parseCallLine('openat -100', 1, i386)).toEqual({ nr: 295, args: [0xffffff9cn] });
    expect(parseCallLine('-1 -0x8000000000000000', 1, x86)).toEqual({ nr: 0xffffffff, args: [0x8000000000000000n] });
    expect(() => parseCallLine('0 -0x8000000000000001', 1, x86)).toThrow(/below -0x8000000000000000/);
    expect(() => parseCallLine('0 -0x80000001', 1, i386)).toThrow(/below -0x80000000 \(32-bit\)/);
    expect(() => parseCallLine('0 0x100000000', 1, i386)).toThrow(/larger than 0xffffffff \(32-bit\)/);
    expect(parseInteger('-0', 64)).toBe(0n);
    expect(prepareArgv(['run', '-', '--nr', '-1', '--json', '-5'])).toEqual(['run', '\0stdin', '--nr=-1', '--json=-5']);
  });
});

describe('error messages', () => {
  it('cut a long token instead of echoing it', async () => {
    const big = 'a'.repeat(1_000_000);
    for (const args of [
      ['verify', AT_FDCWD, '--profile', big],
      ['syscalls', 'x86_64', big],
      ['run', AT_FDCWD, '--nr', big],
      ['layout', big],
      [big],
    ]) {
      const r = await cli(args);
      expect(r.code, args[0]).toBeGreaterThan(0);
      expect(r.stderr.length, `${args[0]} ${args[1]}`).toBeLessThan(1000);
      expect(r.stderr).toMatch(/\.\.\. \(100000\d characters\)/);
    }
    const ddd = file('big.ddd', `1\n6 0 0 ${'9'.repeat(1_000_000)}\n`);
    expect((await cli(['verify', ddd])).stderr.length).toBeLessThan(1000);
    const inputs = file('big.txt', `${big}\n`);
    const r = await cli(['run', AT_FDCWD, '--inputs', inputs]);
    expect(r.stdout.length + r.stderr.length).toBeLessThan(1000);
  });

  it('say "1 instruction"', async () => {
    const one = file('one.asm', 'ret #0\n');
    expect((await cli(['verify', one])).stdout).toBe(`${one}: accepted (seccomp profile, 1 instruction)\n`);
    expect((await cli(['verify', one, '--explain'])).stdout).toContain('longest path: 1 instruction (0)');
    const ddd = file('two.ddd', '1\n6 0 0 0\n6 0 0 0\n');
    expect((await cli(['verify', ddd])).stderr).toContain('count says 1 instruction but more follow');
  });
});

describe('pnpm ea-bpf from a subdirectory', () => {
  it('resolves relative paths against the caller (INIT_CWD)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-init-cwd-'));
    writeFileSync(join(dir, 'rel.asm'), 'ret #0\n');
    const env = { npm_lifecycle_event: 'ea-bpf', INIT_CWD: dir };
    const r = spawnCli(['verify', 'rel.asm'], { env });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('rel.asm: accepted (seccomp profile, 1 instruction)\n');
    expect(callerDirectory({ INIT_CWD: dir, npm_lifecycle_event: 'test' }, '/x')).toBe('/x');
    expect(callerDirectory({ INIT_CWD: dir, npm_lifecycle_event: 'ea-bpf' }, '/x')).toBe(dir);
    expect(callerDirectory({}, '/x')).toBe('/x');
  });
});
