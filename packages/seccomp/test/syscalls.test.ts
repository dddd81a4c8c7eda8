import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { X32_SYSCALL_BIT } from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import { ARCHES, archOfData, SYSCALL_ARCHES, SYSCALL_TABLES_SOURCE, syscallName, syscallNumber, syscallTable } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const generated = join(root, 'packages', 'seccomp', 'src', 'generated');

describe('syscall tables', () => {
  it('match well-known numbers', () => {
    expect(syscallNumber('x86_64', 'read')).toBe(0);
    expect(syscallNumber('x86_64', 'openat')).toBe(257);
    expect(syscallNumber('x86_64', 'getpid')).toBe(39);
    expect(syscallNumber('i386', 'read')).toBe(3);
    expect(syscallNumber('i386', 'socketcall')).toBe(102);
    expect(syscallNumber('x32', 'read')).toBe(X32_SYSCALL_BIT);
    expect(syscallNumber('x32', 'execve')).toBe((X32_SYSCALL_BIT | 520) >>> 0);
    expect(syscallNumber('aarch64', 'openat')).toBe(56);
    expect(syscallNumber('aarch64', 'read')).toBe(63);
    expect(syscallNumber('aarch64', 'open')).toBeUndefined();
    expect(syscallNumber('arm', 'openat')).toBe(322);
    expect(syscallNumber('arm', 'cacheflush')).toBe(0xf0002);
    expect(syscallNumber('riscv64', 'riscv_flush_icache')).toBe(259);
    expect(syscallNumber('s390x', 'openat')).toBe(288);
    expect(syscallNumber('ppc64le', 'openat')).toBe(286);
    for (const arch of SYSCALL_ARCHES) {
      const bit = ARCHES[arch].nrBit;
      expect(syscallNumber(arch, 'clone3')).toBe((bit | 435) >>> 0);
      expect(syscallNumber(arch, 'openat2')).toBe((bit | 437) >>> 0);
      expect(syscallTable(arch).length).toBeGreaterThan(250);
    }
  });

  it('reach the newest kernel they were generated for (7.3), on every arch', () => {
    // The calls a 6.1-header table lacked; the running 6.18 kernel implements up to 469.
    const since61 = ['cachestat', 'fchmodat2', 'map_shadow_stack', 'futex_wake', 'futex_wait', 'futex_requeue', 'statmount',
      'listmount', 'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules', 'mseal', 'setxattrat', 'getxattrat',
      'listxattrat', 'removexattrat', 'open_tree_attr', 'file_getattr', 'file_setattr', 'listns', 'rseq_slice_yield', 'fchroot'];
    expect(SYSCALL_TABLES_SOURCE.kernel).toBe('7.3');
    for (const arch of SYSCALL_ARCHES) {
      const bit = ARCHES[arch].nrBit;
      for (const [i, name] of since61.entries()) expect(syscallNumber(arch, name), `${arch} ${name}`).toBe((bit | (451 + i)) >>> 0);
    }
    expect(syscallNumber('x86_64', 'uretprobe')).toBe(335);
    expect(syscallNumber('x86_64', 'uprobe')).toBe(336);
    expect(syscallName('x86_64', 457)).toBe('statmount');
  });

  it('map numbers back to names', () => {
    expect(syscallName('x86_64', 0)).toBe('read');
    expect(syscallName('aarch64', 56)).toBe('openat');
    expect(syscallName('x32', X32_SYSCALL_BIT | 1)).toBe('write');
    expect(syscallName('x86_64', 100_000)).toBeUndefined();
    expect(syscallName('arm', 341)).toBe('arm_sync_file_range');
    expect(() => syscallName('pdp11', 0)).toThrow(/unknown architecture/);
  });

  it('tell x86_64 from x32 by the nr bit', () => {
    expect(archOfData(ARCHES.x86_64.auditArch, 0)?.name).toBe('x86_64');
    expect(archOfData(ARCHES.x86_64.auditArch, X32_SYSCALL_BIT)?.name).toBe('x32');
    expect(archOfData(ARCHES.s390x.auditArch, 0)?.endian).toBe('be');
    expect(archOfData(0x12345678, 0)).toBeUndefined();
  });
});

// The committed tables must be exactly what the generator makes from the package they name. The
// package is linux-libc-dev (Architecture: all, every arch's headers) unpacked with dpkg-deb -R
// where $EA_LINUX_HEADERS says, .cache/linux-libc-dev by default: scripts/fetch-linux-headers.mjs
// puts the pinned version there (.ci/run runs it).
const generator = join(root, 'scripts', 'gen-syscalls.mjs');
const headers = process.env['EA_LINUX_HEADERS'] || join(root, '.cache', 'linux-libc-dev');
const control = join(headers, 'DEBIAN', 'control');
const unpacked = existsSync(control) ? /^Version: (\S+)$/m.exec(readFileSync(control, 'utf8'))?.[1] : undefined;
const noGenerator =
  unpacked === undefined
    ? `no linux-libc-dev unpacked at ${headers} (run node scripts/fetch-linux-headers.mjs, or set EA_LINUX_HEADERS)`
    : unpacked !== SYSCALL_TABLES_SOURCE.version
      ? `${headers} holds linux-libc-dev ${unpacked}, the tables came from ${SYSCALL_TABLES_SOURCE.version}: run node scripts/fetch-linux-headers.mjs`
      : null;

describe.skipIf(noGenerator !== null)(`gen-syscalls.mjs reproduces the committed tables${noGenerator === null ? '' : ` (skipped: ${noGenerator})`}`, () => {
  it('generates byte-identical files', () => {
    const out = mkdtempSync(join(tmpdir(), 'seccomp-tables-'));
    try {
      execFileSync('node', [generator, '--root', headers, '--out', out], { stdio: 'pipe' });
      const files = [...SYSCALL_ARCHES.filter((a) => a !== 'ppc64le').map((a) => `syscalls-${a}.ts`), 'source.ts'];
      for (const file of files) {
        expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join(generated, file), 'utf8'));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
