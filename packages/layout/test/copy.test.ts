import { describe, expect, it } from 'vitest';
import { AddressSpace, LayoutError, copyEaArgs, copyStructFromUser, eaSyscall, landlockRulesetAttrErrno } from '@ea/layout';

const BASE = 0x10000;

/** A page of zeros at BASE followed by an unmapped page (a guard). */
function page(bytes: Record<number, number> = {}): AddressSpace {
  const buf = new Uint8Array(4096);
  for (const [k, v] of Object.entries(bytes)) buf[Number(k)] = v;
  return new AddressSpace().map(BASE, buf);
}

describe('copyStructFromUser', () => {
  it('zero-fills beyond a short usize', () => {
    const r = copyStructFromUser(page({ 0: 1, 7: 2, 8: 3 }), BASE, 8, 24);
    expect(r.ok && [...r.bytes]).toEqual([1, 0, 0, 0, 0, 0, 0, 2, ...new Array(16).fill(0)]);
  });

  it('accepts a longer struct with a zero tail and refuses a non-zero tail with E2BIG', () => {
    expect(copyStructFromUser(page({ 0: 5 }), BASE, 4096, 24).ok).toBe(true);
    expect(copyStructFromUser(page({ 24: 1 }), BASE, 25, 24)).toEqual({ ok: false, errno: 'E2BIG', offset: 24 });
    expect(copyStructFromUser(page({ 4095: 1 }), BASE, 4096, 24)).toEqual({ ok: false, errno: 'E2BIG', offset: 4095 });
    expect(copyStructFromUser(page({ 4095: 1 }), BASE, 4095, 24).ok).toBe(true);
  });

  it('checks the tail before copying: E2BIG wins over a fault only before the fault', () => {
    // struct ends 8 bytes before the guard page: tail crosses into unmapped memory
    const at = BASE + 4096 - 24;
    expect(copyStructFromUser(page(), at, 32, 24)).toEqual({ ok: false, errno: 'EFAULT', offset: 24 });
    expect(copyStructFromUser(page({ 4093: 9 }), at - 4, 32, 24)).toEqual({ ok: false, errno: 'E2BIG', offset: 25 });
    expect(copyStructFromUser(page(), at - 4, 32, 24)).toEqual({ ok: false, errno: 'EFAULT', offset: 28 });
    expect(copyStructFromUser(page(), at, 24, 24).ok).toBe(true);
    expect(copyStructFromUser(page(), at + 8, 24, 24)).toEqual({ ok: false, errno: 'EFAULT', offset: 16 });
    expect(copyStructFromUser(page(), 0, 0, 24).ok).toBe(true);
    expect(copyStructFromUser(page(), 0, 8, 24)).toEqual({ ok: false, errno: 'EFAULT', offset: 0 });
    expect(copyStructFromUser(page(), 2n ** 64n - 1n, 8, 24)).toMatchObject({ ok: false, errno: 'EFAULT' });
  });

  it('rejects sizes that are not sizes with a typed error', () => {
    expect(() => copyStructFromUser(page(), BASE, -1, 24)).toThrow(LayoutError);
    expect(() => copyStructFromUser(page(), -5, 8, 24)).toThrow(LayoutError);
    expect(() => copyStructFromUser(page(), BASE, 8, 5000)).toThrow(LayoutError);
  });
});

describe('copyEaArgs: per-syscall size rules', () => {
  const clone3 = eaSyscall('clone3');
  const openat2 = eaSyscall('openat2');
  const sched = eaSyscall('sched_setattr');
  const addfd = eaSyscall('seccomp_notif_addfd');

  it('clone3: > 4096 is E2BIG before < 64 is EINVAL', () => {
    expect(copyEaArgs(clone3, [BASE, 4097], page())).toMatchObject({ errno: 'E2BIG', stage: 'size' });
    expect(copyEaArgs(clone3, [BASE, 2n ** 64n - 1n], page())).toMatchObject({ errno: 'E2BIG', stage: 'size' });
    expect(copyEaArgs(clone3, [BASE, 63], page())).toMatchObject({ errno: 'EINVAL', stage: 'size' });
    expect(copyEaArgs(clone3, [BASE, 64], page())).toMatchObject({ ok: true, usize: 64 });
    expect(copyEaArgs(clone3, [BASE, 96], page({ 88: 1 }))).toMatchObject({ errno: 'E2BIG', stage: 'copy', offset: 88 });
  });

  it('landlock_create_ruleset: a NULL attr is EFAULT before any size check (copy_min_struct_from_user)', () => {
    const sys = eaSyscall('landlock_create_ruleset');
    for (const size of [0, 7, 8, 24, 5000]) expect(copyEaArgs(sys, [0, size, 0], page())).toMatchObject({ ok: false, errno: 'EFAULT' });
    // a non-NULL pointer still meets the size checks first, and other syscalls check the size before the pointer
    expect(copyEaArgs(sys, [BASE + 8192, 0, 0], page())).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(copyEaArgs(eaSyscall('openat2'), [0, 0, 0, 0], page())).toMatchObject({ ok: false, errno: 'EINVAL' });
  });

  it('landlock_create_ruleset: unknown bits of the copied attr are EINVAL, an empty one ENOMSG', () => {
    const attr = (fs: bigint, net = 0n, scoped = 0n): Uint8Array => {
      const v = new DataView(new ArrayBuffer(24));
      v.setBigUint64(0, fs, true);
      v.setBigUint64(8, net, true);
      v.setBigUint64(16, scoped, true);
      return new Uint8Array(v.buffer);
    };
    expect(landlockRulesetAttrErrno(attr(0n))).toBe('ENOMSG');
    expect(landlockRulesetAttrErrno(attr(0xffffn, 3n, 3n))).toBeNull();
    expect(landlockRulesetAttrErrno(attr(1n << 63n))).toBe('EINVAL');
    expect(landlockRulesetAttrErrno(attr(1n << 16n))).toBe('EINVAL');
    expect(landlockRulesetAttrErrno(attr(1n, 4n))).toBe('EINVAL');
    expect(landlockRulesetAttrErrno(attr(1n, 0n, 4n))).toBe('EINVAL');
  });

  it('openat2: < 24 is EINVAL before > 4096', () => {
    expect(copyEaArgs(openat2, [0, 0, BASE, 23], page())).toMatchObject({ errno: 'EINVAL' });
    expect(copyEaArgs(openat2, [0, 0, BASE, 4097], page())).toMatchObject({ errno: 'E2BIG' });
  });

  it('sched_setattr: size lives in the struct, 0 means 48, E2BIG writes 56 back', () => {
    const mem = page({ 0: 0 });
    expect(copyEaArgs(sched, [0, BASE], mem)).toMatchObject({ ok: true, usize: 48 });
    const small = page({ 0: 47 });
    expect(copyEaArgs(sched, [0, BASE], small, true)).toMatchObject({ errno: 'E2BIG', writeBack: 56 });
    expect(small.bytes(BASE, 1)[0]).toBe(56);
    const tail = page({ 0: 64, 1: 0, 60: 1 });
    expect(copyEaArgs(sched, [0, BASE], tail)).toMatchObject({ errno: 'E2BIG', stage: 'copy', writeBack: 56 });
    expect(copyEaArgs(sched, [0, BASE + 4096], page())).toMatchObject({ errno: 'EFAULT', stage: 'size' });
  });

  it('seccomp_notif_addfd: the size comes from the ioctl number and 4096 itself is EINVAL', () => {
    const ioc = (size: number): number => 0xc0000000 + size * 65536 + 0x2103;
    expect(copyEaArgs(addfd, [3, ioc(24), BASE], page())).toMatchObject({ ok: true, usize: 24 });
    expect(copyEaArgs(addfd, [3, ioc(4095), BASE], page())).toMatchObject({ ok: true });
    expect(copyEaArgs(addfd, [3, ioc(4096), BASE], page())).toMatchObject({ errno: 'EINVAL' });
    expect(copyEaArgs(addfd, [3, ioc(16), BASE], page())).toMatchObject({ errno: 'EINVAL' });
  });
});
