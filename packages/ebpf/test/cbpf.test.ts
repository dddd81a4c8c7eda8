/**
 * Classic BPF on the eBPF interpreter: random classic programs (socket and seccomp), converted as
 * bpf_convert_filter does, must return what @ea/interpreter (held to the kernel's classic engine
 * by its own kernel tests) returns, on every input. Plus the conversions' sharp edges.
 */
import {
  ALU_OPS, type AluOp, BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_H, BPF_IMM, BPF_IND, BPF_JMP, BPF_K, BPF_LD, BPF_LDX, BPF_LEN,
  BPF_MEM, BPF_MISC, BPF_MSH, BPF_NEG, BPF_RET, BPF_ST, BPF_STX, BPF_TAX, BPF_TXA, BPF_W, BPF_X, insn, JMP_OPS, type JmpOp,
  type SockFilter, SKF_AD_OFF,
} from '@ea/bpf';
import { check, convertClassic, decodeBytes, EbpfLoadError, encode, interpret } from '@ea/ebpf';
import { packetContext, prepare } from '@ea/interpreter';
import { verify } from '@ea/verifier';
import { describe, expect, it } from 'vitest';
import { rng } from '@ea/testkit';

const POOL = [0, 1, 2, 3, 4, 7, 8, 31, 32, 33, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x12345678];

function genClassic(next: () => number, seccomp: boolean, length: number): SockFilter[] {
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
  const k = (): number => (next() % 3 === 0 ? next() >>> 0 : pick(POOL));
  const out: SockFilter[] = [];
  // Scratch cells are written before anything reads them (the classic checker demands it).
  for (let m = 0; m < 16; m += 3) out.push(insn(BPF_LD | BPF_IMM, 0, 0, k()), insn(BPF_ST, 0, 0, m));
  const cells = [0, 3, 6, 9, 12, 15];
  const loadOff = (): number => (seccomp ? 4 * (next() % 16) : next() % 40);
  const body = length;
  for (let i = 0; i < body; i++) {
    const left = body - i; // instructions after this one before the final ret
    const roll = next() % 100;
    if (roll < 30) {
      const op = pick((Object.keys(ALU_OPS) as AluOp[]).filter((o) => !(seccomp && o === 'mod')));
      const x = next() % 2 === 0;
      let kk = k();
      if ((op === 'div' || op === 'mod') && kk === 0) kk = 3;
      if (op === 'lsh' || op === 'rsh') kk %= 32;
      out.push(insn(BPF_ALU | ALU_OPS[op] | (x ? BPF_X : BPF_K), 0, 0, x ? 0 : kk));
    } else if (roll < 33) out.push(insn(BPF_ALU | BPF_NEG, 0, 0, 0));
    else if (roll < 50) {
      const op = pick(Object.keys(JMP_OPS) as JmpOp[]);
      const x = next() % 2 === 0;
      out.push(insn(BPF_JMP | JMP_OPS[op] | (x ? BPF_X : BPF_K), next() % left, next() % left, x ? 0 : k()));
    } else if (roll < 62) {
      if (seccomp) out.push(insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, loadOff()));
      else {
        const mode = pick([BPF_ABS, BPF_IND, BPF_MSH]);
        if (mode === BPF_MSH) out.push(insn(BPF_LDX | BPF_B | BPF_MSH, 0, 0, loadOff()));
        else out.push(insn(BPF_LD | mode | pick([BPF_W, BPF_H, BPF_B]), 0, 0, loadOff()));
      }
    } else if (roll < 70) out.push(insn(pick([BPF_LD, BPF_LDX]) | BPF_W | BPF_LEN, 0, 0, 0));
    else if (roll < 78) out.push(insn(pick([BPF_LD, BPF_LDX]) | BPF_IMM, 0, 0, k()));
    else if (roll < 86) out.push(insn(pick([BPF_LD, BPF_LDX]) | BPF_MEM, 0, 0, pick(cells)));
    else if (roll < 90) out.push(insn(pick([BPF_ST, BPF_STX]), 0, 0, pick(cells)));
    else if (roll < 95) out.push(insn(BPF_MISC | pick([BPF_TAX, BPF_TXA]), 0, 0, 0));
    else out.push(insn(BPF_RET | pick([BPF_K, BPF_A]), 0, 0, k()));
  }
  out.push(insn(BPF_RET | BPF_A, 0, 0, 0));
  return out;
}

describe('classic BPF converted to eBPF (bpf_convert_filter)', () => {
  for (const profile of ['socket', 'seccomp'] as const) {
    it(`returns what the classic interpreter returns (${profile})`, () => {
      const next = rng(profile === 'socket' ? 11 : 12);
      let compared = 0;
      for (let p = 0; p < 400; p++) {
        const classic = genClassic(next, profile === 'seccomp', 8 + (next() % 30));
        const verified = verify(classic, { profile });
        const reference = prepare(verified, { endian: 'le' });
        const ebpf = check(decodeBytes(encode(convertClassic(classic, profile))));
        for (let n = 0; n < 10; n++) {
          const bytes = Uint8Array.from({ length: profile === 'seccomp' ? 64 : next() % 48 }, () => (next() % 4 === 0 ? next() & 0xff : n));
          const view = new DataView(bytes.buffer);
          const want = profile === 'seccomp' ? reference.run(view) : reference.run(packetContext(bytes));
          const got = interpret(ebpf, bytes.slice());
          expect(`${p}/${n}: 0x${got.toString(16)}`).toBe(`${p}/${n}: 0x${(want >>> 0).toString(16)}`);
          compared++;
        }
      }
      expect(compared).toBe(4000);
    });
  }

  it('refuses ancillary loads with the classic pc', () => {
    const program = [insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0), insn(BPF_LD | BPF_B | BPF_ABS, 0, 0, SKF_AD_OFF), insn(BPF_RET | BPF_A, 0, 0, 0)];
    expect(() => convertClassic(program, 'socket')).toThrow(expect.objectContaining({ reason: 'unsupported', pc: 1 }));
    expect(() => convertClassic(program, 'socket')).toThrow(EbpfLoadError);
  });

  it('guards division by X == 0 as the kernel does: the filter returns 0', () => {
    const program = [insn(BPF_LD | BPF_IMM, 0, 0, 9), insn(BPF_ALU | ALU_OPS.div | BPF_X, 0, 0, 0), insn(BPF_RET | BPF_K, 0, 0, 5)];
    expect(interpret(check(decodeBytes(encode(convertClassic(program, 'socket')))), new Uint8Array(4))).toBe(0n);
  });
});
