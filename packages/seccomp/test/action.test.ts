import {
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import { actionEffect, actionName, actionRank, decodeAction, formatAction, SECCOMP_ACTIONS } from '../src/index.js';

describe('seccomp actions', () => {
  it('decodes the eight defined actions and keeps 16 bits of data', () => {
    expect(decodeAction(SECCOMP_RET_ERRNO | 1)).toEqual({ action: 'errno', data: 1, ret: 0x00050001 });
    expect(decodeAction(SECCOMP_RET_TRAP | 0xbeef)).toEqual({ action: 'trap', data: 0xbeef, ret: 0x0003beef });
    expect(decodeAction(SECCOMP_RET_KILL_PROCESS)).toEqual({ action: 'kill_process', data: 0, ret: 0x80000000 });
    expect(decodeAction(SECCOMP_RET_KILL_THREAD).action).toBe('kill_thread');
    expect(decodeAction(SECCOMP_RET_USER_NOTIF).action).toBe('user_notif');
    expect(decodeAction(SECCOMP_RET_TRACE | 0x1234)).toEqual({ action: 'trace', data: 0x1234, ret: 0x7ff01234 });
    expect(decodeAction(SECCOMP_RET_LOG).action).toBe('log');
    expect(decodeAction(SECCOMP_RET_ALLOW | 0x8000)).toEqual({ action: 'allow', data: 0x8000, ret: 0x7fff8000 });
    expect(SECCOMP_ACTIONS.map((a) => a.name)).toEqual([
      'kill_process',
      'kill_thread',
      'trap',
      'errno',
      'user_notif',
      'trace',
      'log',
      'allow',
    ]);
  });

  it('treats undefined action values as unknown, acting as KILL_PROCESS (docs/kernel-facts.md, observed 2)', () => {
    for (const ret of [0x00010000, 0x00020000, 0x00040000, 0x00060000, 0x7fbf0000, 0x7fd00000, 0x7ff80000, 0x7ffe0000, 0x80010000, 0xffff0000]) {
      expect(actionName(ret)).toBe('unknown');
      expect(actionEffect(ret)).toEqual({ kind: 'kill_process' });
    }
    expect(formatAction(0x00010000)).toBe('UNKNOWN(0x00010000) = KILL_PROCESS');
  });

  it('clamps ERRNO data to 4095 and returns 0 for ERRNO(0) (docs/kernel-facts.md, observed 3)', () => {
    expect(actionEffect(SECCOMP_RET_ERRNO | 5000)).toEqual({ kind: 'return', value: -4095 });
    expect(actionEffect(SECCOMP_RET_ERRNO | 4095)).toEqual({ kind: 'return', value: -4095 });
    expect(actionEffect(SECCOMP_RET_ERRNO | 4094)).toEqual({ kind: 'return', value: -4094 });
    expect(actionEffect(SECCOMP_RET_ERRNO | 0)).toEqual({ kind: 'return', value: 0 });
    expect(actionEffect(SECCOMP_RET_TRAP | 7)).toEqual({ kind: 'trap', siErrno: 7 });
    expect(actionEffect(SECCOMP_RET_LOG)).toEqual({ kind: 'run', logged: true });
    expect(actionEffect(SECCOMP_RET_ALLOW | 5)).toEqual({ kind: 'run', logged: false });
  });

  it('ranks actions by their signed action part', () => {
    const order = [SECCOMP_RET_KILL_PROCESS, 0xffff0000, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO, SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW];
    for (let i = 1; i < order.length; i++) expect(actionRank(order[i - 1]!)).toBeLessThan(actionRank(order[i]!));
    expect(actionRank(SECCOMP_RET_ERRNO | 1)).toBe(actionRank(SECCOMP_RET_ERRNO | 0xffff));
  });

  it('formats for people', () => {
    expect(formatAction(SECCOMP_RET_ALLOW)).toBe('ALLOW');
    expect(formatAction(SECCOMP_RET_ERRNO | 1)).toBe('ERRNO(1)');
    expect(formatAction(SECCOMP_RET_ERRNO)).toBe('ERRNO(0)');
    expect(formatAction(SECCOMP_RET_TRAP | 0xbeef)).toBe('TRAP(0xbeef)');
    expect(formatAction(SECCOMP_RET_KILL_PROCESS)).toBe('KILL_PROCESS');
  });
});
