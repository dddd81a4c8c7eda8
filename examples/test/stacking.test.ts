import { formatAction, syscallNumber } from '@ea/seccomp';
import { describe, expect, it } from 'vitest';
import { CALLS, FILTERS, runStacking } from '../stacking.js';
import { runExample } from './support/run-example.js';

const ALLOW = 0x7fff0000;

/** The kernel's rule written again for the test: newest first, strictly lower signed action replaces. */
function model(nr: number, native: boolean): { ret: number; wonBy: number } {
  if (native && (nr === 335 || nr === 336)) return { ret: ALLOW, wonBy: 0 };
  let ret = ALLOW;
  let wonBy = 0;
  for (let i = FILTERS.length - 1; i >= 0; i--) {
    const rule = FILTERS[i]!.rules.find(([s]) => (typeof s === 'number' ? s : syscallNumber('x86_64', s)) === nr);
    const value = (rule?.[1] ?? ALLOW) >>> 0;
    if ((value & 0xffff0000 | 0) < (ret & 0xffff0000 | 0)) {
      ret = value;
      wonBy = i + 1;
    }
  }
  return { ret, wonBy };
}

describe('examples/stacking.ts', () => {
  const { rows, text } = runStacking();

  it('matches an independent model of seccomp_run_filters for every call', () => {
    expect(rows.map((r) => r.label)).toEqual(CALLS.map((c) => c[0]));
    CALLS.forEach(([, abi, s], i) => {
      const nr = typeof s === 'number' ? s : syscallNumber('x86_64', s)!;
      const want = model(nr, abi === 'x86_64');
      expect(rows[i]!.wonBy).toBe(want.wonBy);
      const formatted = formatAction(want.ret);
      expect(rows[i]!.final).toBe(formatted.startsWith('UNKNOWN') ? 'UNDEFINED(0x60000)' : formatted);
    });
  });

  it('shows each rule of precedence on the call meant to show it', () => {
    const by = new Map(rows.map((r) => [r.label, r]));
    expect(by.get('openat')).toMatchObject({ each: ['ERRNO(13)', 'ALLOW', 'ERRNO(1)'], final: 'ERRNO(1)', wonBy: 3 });
    expect(by.get('kill')).toMatchObject({ final: 'KILL_PROCESS', wonBy: 1, effect: 'process killed' });
    expect(by.get('mkdir')).toMatchObject({ final: 'UNDEFINED(0x60000)', effect: 'process killed' });
    expect(by.get('getpid')).toMatchObject({ final: 'TRACE(0x7)', wonBy: 3 });
    expect(by.get('uprobe (x86_64 336)')).toMatchObject({ each: ['KILL_PROCESS', 'ALLOW', 'ALLOW'], final: 'ALLOW', wonBy: 0 });
    expect(by.get('i386 336 (not native)')).toMatchObject({ final: 'KILL_PROCESS', wonBy: 1 });
    expect(by.get('read')).toMatchObject({ final: 'ALLOW', effect: 'runs' });
  });

  it('runs as a script and prints the table', () => {
    const out = runExample('stacking');
    expect(out).toBe(text);
    expect(out).toMatch(/^openat +ERRNO\(13\) +ALLOW +ERRNO\(1\) +ERRNO\(1\) +f3 +syscall skipped, returns -1$/m);
  });
});
