import { describe, expect, it } from 'vitest';
import { DENIED_SYSCALLS, readSeccompData, SeccompError, syscallMix, syscallName, syscallNumber, writeMixCall } from '../src/index.js';

describe('syscallMix', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = syscallMix({ count: 5000, seed: 7 });
    const b = syscallMix({ count: 5000, seed: 7 });
    const c = syscallMix({ count: 5000, seed: 8 });
    expect(a.nr).toEqual(b.nr);
    expect(a.argWords).toEqual(b.argWords);
    expect(a.nr).not.toEqual(c.nr);
    expect(a.argWords.length).toBe(5000 * 12);
  });

  it('is mostly common calls, with some denied and some undefined numbers', () => {
    const mix = syscallMix({ count: 20_000 });
    const counts = new Map<number, number>();
    for (const n of mix.nr) counts.set(n, (counts.get(n) ?? 0) + 1);
    const share = (names: string[]) =>
      names.reduce((s, name) => s + (counts.get(syscallNumber('x86_64', name)!) ?? 0), 0) / mix.count;
    expect(share(['read', 'write', 'futex', 'epoll_wait'])).toBeGreaterThan(0.3);
    const denied = share([...DENIED_SYSCALLS]);
    expect(denied).toBeGreaterThan(0.02);
    expect(denied).toBeLessThan(0.06);
    const undef = [...mix.nr].filter((n) => syscallName('x86_64', n) === undefined).length / mix.count;
    expect(undef).toBeGreaterThan(0.005);
    expect(undef).toBeLessThan(0.02);
  });

  it('uses the arch numbering (x32 carries X32_SYSCALL_BIT)', () => {
    const mix = syscallMix({ arch: 'x32', count: 1000 });
    for (const n of mix.nr) expect(n & 0x40000000).toBe(0x40000000);
    const arm = syscallMix({ arch: 'arm', count: 1000 });
    for (let i = 1; i < arm.argWords.length; i += 2) expect(arm.argWords[i]).toBe(0);
  });

  it('writes call i as seccomp_data in the arch byte order', () => {
    for (const arch of ['x86_64', 's390x']) {
      const mix = syscallMix({ arch, count: 50, seed: 2 });
      const view = new DataView(new ArrayBuffer(64));
      for (const i of [0, 17, 49]) {
        writeMixCall(view, mix, i);
        const d = readSeccompData(view, mix.arch.endian);
        expect(d.nr).toBe(mix.nr[i]);
        expect(d.arch).toBe(mix.arch.auditArch);
        for (let a = 0; a < 6; a++) {
          const w = mix.argWords;
          expect(d.args[a]).toBe(BigInt(w[i * 12 + 2 * a]!) | (BigInt(w[i * 12 + 2 * a + 1]!) << 32n));
        }
      }
    }
  });

  it('refuses a bad count', () => {
    expect(() => syscallMix({ count: -1 })).toThrow(SeccompError);
    expect(() => syscallMix({ count: 1.5 })).toThrow(SeccompError);
  });
});
