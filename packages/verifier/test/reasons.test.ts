/**
 * One test per reject rule, each naming its reason code and pc, plus the accept-side subtleties
 * of check_load_and_stores (docs/kernel-facts.md, observed 9) and the fields the kernel ignores.
 */
import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JMP, BPF_JSET,
  BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_NEG, BPF_RET, BPF_RSH,
  BPF_ST, BPF_STX, BPF_TAILZ, BPF_TAX, BPF_W, BPF_X, EA_IMAGE_MAX, EA_MAX_STRUCT, SECCOMP_RET_ALLOW, SKF_AD_OFF,
  SKF_AD_PROTOCOL, SKF_AD_VLAN_TPID, SKF_NET_OFF, type SockFilter,
} from '@ea/bpf';
import {
  check, checkSeccompChain, type Profile, type ReasonCode, seccompPathLength, verify, VerifyError, VerifyUsageError,
} from '@ea/verifier';
import { describe, expect, it } from 'vitest';

const s = (code: number, k = 0): SockFilter => ({ code, jt: 0, jf: 0, k });
const j = (code: number, k: number, jt: number, jf: number): SockFilter => ({ code, jt, jf, k });
const RET = s(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
const RET_A = s(BPF_RET | BPF_A);

function rejected(prog: readonly SockFilter[], profile: Profile): { reason: ReasonCode; pc: number | null; errno: string } {
  const r = check(prog, { profile });
  if (r.ok) throw new Error('accepted');
  return { reason: r.error.reason, pc: r.error.pc, errno: r.error.errno };
}
const accepted = (prog: readonly SockFilter[], profile: Profile): boolean => check(prog, { profile }).ok;

describe('bpf_check_classic reject rules', () => {
  it.each<[ReasonCode, SockFilter[], number | null]>([
    ['BAD_LENGTH', [], null],
    ['BAD_LENGTH', Array.from({ length: 4097 }, () => RET), null],
    ['BAD_OPCODE', [s(BPF_LD | BPF_IMM), s(0x106), RET], 1],
    ['BAD_OPCODE', [s(BPF_RET | BPF_X), RET], 0],
    ['BAD_OPCODE', [s(BPF_ALU | BPF_NEG | BPF_X), RET], 0],
    ['BAD_OPCODE', [s(BPF_LD | BPF_H | BPF_IMM), RET], 0],
    ['DIV_BY_ZERO', [s(BPF_ALU | BPF_DIV | BPF_K, 0), RET], 0],
    ['DIV_BY_ZERO', [s(BPF_LD | BPF_IMM), s(BPF_ALU | BPF_MOD | BPF_K, 0), RET], 1],
    ['SHIFT_TOO_LARGE', [s(BPF_ALU | BPF_LSH | BPF_K, 32), RET], 0],
    ['SHIFT_TOO_LARGE', [s(BPF_ALU | BPF_RSH | BPF_K, 0xffffffff), RET], 0],
    ['MEM_INDEX', [s(BPF_ST, 16), RET], 0],
    ['MEM_INDEX', [s(BPF_LDX | BPF_MEM, 99), RET], 0],
    ['JUMP_OUT_OF_RANGE', [s(BPF_JMP | BPF_JA, 1), RET], 0],
    ['JUMP_OUT_OF_RANGE', [s(BPF_JMP | BPF_JA, 0xffffffff), RET], 0],
    ['JUMP_OUT_OF_RANGE', [j(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET], 0],
    ['BAD_ANCILLARY', [s(BPF_LD | BPF_B | BPF_ABS, (SKF_AD_OFF + 2) >>> 0), RET], 0],
    ['BAD_ANCILLARY', [s(BPF_LD | BPF_W | BPF_ABS, (SKF_AD_OFF + 64) >>> 0), RET], 0],
    ['NO_RET_AT_END', [RET, s(BPF_LD | BPF_IMM)], 1],
    ['UNINIT_MEM_READ', [RET, s(BPF_LD | BPF_MEM, 0), RET], 1],
  ])('%s (case %#)', (reason, prog, pc) => {
    for (const profile of ['socket', 'seccomp', 'ea'] as const) {
      expect(rejected(prog, profile)).toEqual({ reason, pc, errno: 'EINVAL' });
    }
  });

  it('stops at the first failure in pc order, before the last-instruction rule', () => {
    expect(rejected([s(BPF_ST, 3), s(BPF_ALU | BPF_DIV | BPF_K, 0), s(0x106)], 'socket').reason).toBe('DIV_BY_ZERO');
  });

  it('ignores fields an opcode does not use', () => {
    const garbage = [
      j(BPF_MISC | BPF_TAX, 0xdeadbeef, 7, 9),
      j(BPF_ALU | BPF_NEG, 5, 1, 1),
      j(BPF_JMP | BPF_JA, 0, 200, 200),
      j(BPF_LD | BPF_W | BPF_LEN, 77, 3, 3),
      j(BPF_RET | BPF_A, 0xffffffff, 255, 255),
    ];
    expect(accepted(garbage, 'socket')).toBe(true);
    expect(accepted(garbage, 'seccomp')).toBe(true);
  });
});

describe('check_load_and_stores is a linear scan (docs/kernel-facts.md, observed 9)', () => {
  const ST0 = s(BPF_ST, 0);
  const LD0 = s(BPF_LD | BPF_MEM, 0);
  it('accepts st M[0]; ret; ld M[0]', () => expect(accepted([ST0, RET, LD0, RET], 'seccomp')).toBe(true));
  it('refuses ret; ld M[0]', () => expect(rejected([RET, LD0, RET], 'seccomp')).toMatchObject({ pc: 1 }));
  it('accepts ja +1; ld M[3]; ret', () => {
    expect(accepted([s(BPF_JMP | BPF_JA, 1), s(BPF_LD | BPF_MEM, 3), RET], 'seccomp')).toBe(true);
  });
  it('refuses jeq +1; st M[9]; ret; ld M[9]', () => {
    const p = [j(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), s(BPF_ST, 9), RET, s(BPF_LD | BPF_MEM, 9), RET];
    expect(rejected(p, 'socket')).toMatchObject({ reason: 'UNINIT_MEM_READ', pc: 3 });
  });
  it('accepts st M[9]; jeq +1,+1; ret; ld M[9]', () => {
    const p = [s(BPF_ST, 9), j(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 1), RET, s(BPF_LDX | BPF_MEM, 9), RET];
    expect(accepted(p, 'socket')).toBe(true);
  });
  it('refuses a store on one branch only before a join', () => {
    const p = [j(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), s(BPF_STX, 2), s(BPF_LD | BPF_MEM, 2), RET];
    expect(rejected(p, 'socket')).toMatchObject({ reason: 'UNINIT_MEM_READ', pc: 2 });
  });
});

describe('seccomp_check_filter', () => {
  it.each<[ReasonCode, SockFilter[], number]>([
    ['SECCOMP_BAD_OFFSET', [s(BPF_LD | BPF_W | BPF_ABS, 64), RET], 0],
    ['SECCOMP_BAD_OFFSET', [s(BPF_LD | BPF_W | BPF_ABS, 61), RET], 0],
    ['SECCOMP_BAD_OFFSET', [s(BPF_LD | BPF_IMM), s(BPF_LD | BPF_W | BPF_ABS, 2), RET], 1],
    ['SECCOMP_BAD_OPCODE', [s(BPF_ALU | BPF_MOD | BPF_K, 3), RET], 0],
    ['SECCOMP_BAD_OPCODE', [s(BPF_LD | BPF_H | BPF_ABS, 0), RET], 0],
    ['SECCOMP_BAD_OPCODE', [s(BPF_LD | BPF_W | BPF_IND, 0), RET], 0],
    ['SECCOMP_BAD_OPCODE', [s(BPF_LDX | BPF_B | BPF_MSH, 0), RET], 0],
    ['SECCOMP_BAD_OPCODE', [s(BPF_LD | BPF_B | BPF_ABS, (SKF_AD_OFF + SKF_AD_PROTOCOL) >>> 0), RET], 0],
    ['SECCOMP_BAD_OFFSET', [s(BPF_LD | BPF_W | BPF_ABS, (SKF_AD_OFF + SKF_AD_PROTOCOL) >>> 0), RET], 0],
    ['SECCOMP_BAD_OFFSET', [s(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF), RET], 0],
  ])('%s (case %#)', (reason, prog, pc) => {
    expect(rejected(prog, 'seccomp')).toEqual({ reason, pc, errno: 'EINVAL' });
    expect(accepted(prog, 'socket')).toBe(true);
  });

  it('accepts word loads at 0 and 60, LEN and DIV X', () => {
    const p = [
      s(BPF_LD | BPF_W | BPF_ABS, 0), s(BPF_LD | BPF_W | BPF_ABS, 60), s(BPF_LD | BPF_W | BPF_LEN),
      s(BPF_LDX | BPF_W | BPF_LEN), s(BPF_ALU | BPF_DIV | BPF_X), RET_A,
    ];
    expect(verify(p, { profile: 'seccomp' }).maxLoadEnd).toBe(64);
  });

  it('checks the classic rules before the seccomp ones', () => {
    expect(rejected([s(BPF_ALU | BPF_MOD | BPF_K, 3), RET, s(BPF_LD | BPF_MEM, 1), RET], 'seccomp').reason).toBe(
      'UNINIT_MEM_READ',
    );
  });
});

describe('the ea profile', () => {
  const TAILZ = BPF_LD | BPF_W | BPF_TAILZ;
  it('accepts word loads up to the image bound, IND and tail-zero loads', () => {
    const p = [
      s(BPF_LD | BPF_W | BPF_ABS, EA_IMAGE_MAX - 4), s(BPF_LD | BPF_W | BPF_IND, 8), s(TAILZ, EA_MAX_STRUCT), RET_A,
    ];
    const v = verify(p, { profile: 'ea' });
    expect(v.maxLoadEnd).toBe(EA_IMAGE_MAX);
    expect(v.hasIndexedLoads).toBe(true);
    expect(verify([s(BPF_LD | BPF_W | BPF_ABS, 96), RET], { profile: 'ea', eaBound: 100 }).maxLoadEnd).toBe(100);
  });
  it.each<[ReasonCode, SockFilter[], number, number?]>([
    ['EA_BAD_OFFSET', [s(BPF_LD | BPF_W | BPF_ABS, EA_IMAGE_MAX - 3), RET], 0],
    ['EA_BAD_OFFSET', [s(BPF_LD | BPF_W | BPF_ABS, EA_IMAGE_MAX), RET], 0],
    ['EA_BAD_OFFSET', [s(BPF_LD | BPF_W | BPF_ABS, 66), RET], 0],
    ['EA_BAD_OFFSET', [s(BPF_LD | BPF_W | BPF_ABS, 100), RET], 0, 100],
    ['EA_BAD_TAILZERO', [s(BPF_LD | BPF_IMM), s(TAILZ, EA_MAX_STRUCT + 1), RET], 1],
    ['EA_BAD_OPCODE', [s(BPF_LD | BPF_H | BPF_IND, 0), RET], 0],
    ['EA_BAD_OPCODE', [s(BPF_LD | BPF_B | BPF_ABS, 0), RET], 0],
    ['EA_BAD_OPCODE', [s(BPF_ALU | BPF_MOD | BPF_X), RET], 0],
  ])('%s (case %#)', (reason, prog, pc, eaBound) => {
    const r = check(prog, eaBound === undefined ? { profile: 'ea' } : { profile: 'ea', eaBound });
    expect(r.ok ? null : { reason: r.error.reason, pc: r.error.pc }).toEqual({ reason, pc });
  });
  it('refuses the tail-zero code in the kernel profiles', () => {
    expect(rejected([s(TAILZ, 0), RET], 'seccomp')).toMatchObject({ reason: 'BAD_OPCODE', pc: 0 });
    expect(rejected([s(TAILZ, 0), RET], 'socket')).toMatchObject({ reason: 'BAD_OPCODE', pc: 0 });
  });
  it('refuses an eaBound outside [64, EA_IMAGE_MAX]', () => {
    expect(() => verify([RET], { profile: 'ea', eaBound: EA_IMAGE_MAX + 4 })).toThrow(VerifyUsageError);
    expect(() => verify([RET], { profile: 'ea', eaBound: 60 })).toThrow(VerifyUsageError);
  });
});

describe('errors and untrusted input', () => {
  it('throws a VerifyError with the formatted instruction', () => {
    let error: unknown;
    try {
      verify([s(BPF_LD | BPF_IMM), s(BPF_ALU | BPF_DIV | BPF_K, 0), RET], { profile: 'socket' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerifyError);
    const e = error as VerifyError;
    expect([e.reason, e.pc, e.errno, e.errnoNumber, e.instruction]).toEqual(['DIV_BY_ZERO', 1, 'EINVAL', 22, 'div #0']);
  });
  it.each([
    [{ code: 0x10000, jt: 0, jf: 0, k: 0 }],
    [{ code: 6, jt: 256, jf: 0, k: 0 }],
    [{ code: 6, jt: 0, jf: -1, k: 0 }],
    [{ code: 6, jt: 0, jf: 0, k: 2 ** 32 }],
    [{ code: 6, jt: 0, jf: 0, k: 1.5 }],
    [{ code: '6', jt: 0, jf: 0, k: 0 }],
    [null],
  ])('names a bad field: %j', (bad) => {
    expect(rejected([RET, bad as unknown as SockFilter, RET], 'socket')).toMatchObject({ reason: 'BAD_FIELD', pc: 1 });
  });
  it('copies and freezes the program', () => {
    const prog = [s(BPF_LD | BPF_W | BPF_ABS, 4), { ...RET }];
    const v = verify(prog, { profile: 'seccomp' });
    (prog[0] as { k: number }).k = 99;
    expect(v.insns[0]?.k).toBe(4);
    expect(Object.isFrozen(v) && Object.isFrozen(v.insns) && Object.isFrozen(v.insns[0])).toBe(true);
  });
  it('reports reachability', () => {
    const v = verify([s(BPF_JMP | BPF_JA, 1), s(BPF_LD | BPF_IMM), RET, RET], { profile: 'socket' });
    expect(v.reachable).toEqual([true, false, true, false]);
  });
  it('accepts every known ancillary offset in every size on sockets', () => {
    for (const size of [BPF_W, BPF_H, BPF_B]) {
      for (let off = SKF_AD_PROTOCOL; off <= SKF_AD_VLAN_TPID; off += 4) {
        expect(accepted([s(BPF_LD | size | BPF_ABS, (SKF_AD_OFF + off) >>> 0), RET], 'socket')).toBe(true);
      }
    }
  });
  it('accepts unused ancillary-looking fields on IND and large negative ABS offsets on sockets', () => {
    expect(accepted([s(BPF_LD | BPF_B | BPF_IND, (SKF_AD_OFF + 2) >>> 0), RET], 'socket')).toBe(true);
    expect(accepted([s(BPF_LD | BPF_W | BPF_ABS, (SKF_AD_OFF - 1) >>> 0), RET], 'socket')).toBe(true);
    expect(accepted([s(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF), RET], 'socket')).toBe(true);
    expect(accepted([s(BPF_LD | BPF_B | BPF_ABS, 0xfffff001 - 1), RET], 'socket')).toBe(true);
  });
});

describe('limits after the classic checks', () => {
  const LDW1 = s(BPF_LD | BPF_W | BPF_ABS, 1);
  it('OPTMEM_EXCEEDED (ENOMEM, no pc) follows the optmem_max option', () => {
    // 1000 x ld [1] = 14,000 eBPF instructions + 7 prologue + 2 for the RET = 14,009: 96 + 8 * 14,009 = 112,168 bytes.
    const prog = [...Array.from({ length: 1000 }, () => LDW1), RET];
    expect(check(prog, { profile: 'socket', optmemMax: 112_169 }).ok).toBe(true);
    const r = check(prog, { profile: 'socket', optmemMax: 112_168 });
    expect(r.ok ? null : [r.error.reason, r.error.pc, r.error.errno, r.error.errnoNumber]).toEqual([
      'OPTMEM_EXCEEDED', null, 'ENOMEM', 12,
    ]);
    expect(check(prog, { profile: 'socket', optmemMax: 1, skipSocketLimits: true }).ok).toBe(true);
  });
  it('CONVERTED_JUMP_TOO_FAR names the ja', () => {
    const body = Array.from({ length: 2341 }, () => LDW1);
    const r = check([s(BPF_JMP | BPF_JA, body.length), ...body, RET], { profile: 'socket' });
    expect(r.ok ? null : [r.error.reason, r.error.pc, r.error.errno]).toEqual(['CONVERTED_JUMP_TOO_FAR', 0, 'EINVAL']);
  });
  it('TOO_MANY_INSNS_PATH (ENOMEM) counts converted lengths plus 4 per older filter', () => {
    const full = verify(Array.from({ length: 4096 }, () => RET), { profile: 'seccomp' }); // 8195
    const tail = (n: number) => verify(Array.from({ length: n }, () => RET), { profile: 'seccomp' });
    expect(checkSeccompChain([full, full, full], tail(4084))).toEqual({ ok: true, total: 32768 });
    const r = checkSeccompChain([full, full, full], tail(4085));
    expect(r.ok ? null : [r.total, r.error.reason, r.error.pc, r.error.errno]).toEqual([32770, 'TOO_MANY_INSNS_PATH', null, 'ENOMEM']);
    expect(seccompPathLength(full)).toBe(8195);
    expect(() => seccompPathLength(verify([RET], { profile: 'socket' }))).toThrow(VerifyUsageError);
  });
});
