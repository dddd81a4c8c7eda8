import { describe, expect, it } from 'vitest';
import {
  hardwiredAllow, KERNEL_RELEASES, kernelRelease, NEWEST_KERNEL, SeccompError, SYSCALL_ARCHES, syscallCount, syscallNumber,
  syscallTable,
} from '../src/index.js';

describe('kernel releases', () => {
  it('size the cache bitmap as NR_syscalls of the release modelled', () => {
    // Debian's 6.1 headers ended at set_mempolicy_home_node (450), 6.12's at mseal (462); the
    // running 6.18 answers ENOSYS from 470 on (packages/oracle/test/kernels.test.ts).
    expect(syscallCount('x86_64', '6.1')).toBe(451);
    expect(syscallCount('x86_64', '6.12')).toBe(463);
    expect(syscallCount('x86_64', '6.18')).toBe(470);
    expect(syscallCount('x86_64')).toBe(473);
    expect(syscallCount('i386', '6.8')).toBe(462);
    expect(syscallCount('aarch64', '6.18.44-fc-v1300')).toBe(470);
    // ARM's private 0xf0000 block is not in the bitmap.
    expect(syscallNumber('arm', 'cacheflush')).toBe(0xf0002);
    expect(syscallCount('arm', '6.18')).toBe(470);
    expect(syscallCount('x32', '6.18')).toBe(0);
    expect(syscallCount('s390x', '5.11')).toBe(442);
  });

  it('end at a number every arch has, but for memfd_secret (447, not on arm or powerpc)', () => {
    for (const k of KERNEL_RELEASES) {
      for (const arch of SYSCALL_ARCHES.filter((a) => a !== 'x32')) {
        const hole = k.release === '5.14' && (arch === 'arm' || arch.startsWith('ppc64'));
        expect(syscallCount(arch, k.release), `${arch} ${k.release}`).toBe(hole ? 447 : k.lastSyscall + 1);
      }
    }
  });

  it('name the newest release last, and it is the one the tables hold', () => {
    const newest = KERNEL_RELEASES[KERNEL_RELEASES.length - 1];
    expect(newest?.release).toBe(NEWEST_KERNEL);
    for (const arch of SYSCALL_ARCHES.filter((a) => a !== 'x32' && a !== 'arm')) {
      expect(Math.max(...syscallTable(arch).map(([, nr]) => nr)), arch).toBe(newest?.lastSyscall);
    }
  });

  it('hard-wire uretprobe from 6.14 and uprobe from 6.18, on x86_64 only', () => {
    expect(hardwiredAllow('x86_64', '6.13')).toEqual([]);
    expect(hardwiredAllow('x86_64', '6.14')).toEqual([335]);
    expect(hardwiredAllow('x86_64', '6.18')).toEqual([335, 336]);
    expect(hardwiredAllow('x86_64')).toEqual([335, 336]);
    expect(hardwiredAllow('i386', '6.18')).toEqual([]);
  });

  it('refuse a release without an exact table', () => {
    expect(kernelRelease('newest').release).toBe(NEWEST_KERNEL);
    expect(kernelRelease('6.18.3').release).toBe('6.18');
    for (const bad of ['6.19', '5.10', '', 'six', '6', `${'9'.repeat(1_000_000)}.1`]) {
      expect(() => kernelRelease(bad), bad.slice(0, 10)).toThrow(SeccompError);
    }
    try {
      kernelRelease('x'.repeat(1000));
    } catch (error) {
      expect((error as SeccompError).code).toBe('UNKNOWN_KERNEL');
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });
});
