/**
 * Classic BPF on the eBPF engines: converts a classic program into eBPF the way the kernel's
 * bpf_convert_filter (net/core/filter.c) does, so one engine runs both halves. Register mapping as
 * there: A = r0, X = r7, ctx = r6, BPF_REG_TMP = r2, M[k] on the stack at fp - (16 - k) * 4.
 *
 * The context is the input region (the packet, or the 64-byte seccomp_data in host order). One
 * difference from the kernel, because our context is the bytes themselves rather than an skb:
 * the prologue keeps the length (r2 in the uBPF convention) in r9, and `ld len`/`ldx len` read it
 * instead of skb->len. Like the kernel, socket filters keep LD_ABS/LD_IND (out of the packet ends
 * the program with 0) and seccomp filters turn `ld [k]` into a 32-bit context load, their
 * `ld len` into 64 (seccomp_check_filter). Ancillary and negative-offset loads (SKF_AD_OFF,
 * SKF_NET_OFF, SKF_LL_OFF) need an skb and are refused, as is the ea profile's tail-zero load.
 */
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD, BPF_MSH,
  BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_W, BPF_XOR, bpfClass, bpfMiscOp,
  bpfMode, bpfOp, bpfRval, bpfSize, bpfSrc, SECCOMP_DATA_SIZE, type SockFilter,
} from '@ea/bpf';
import { EbpfLoadError } from './errors.js';
import type { AluOp, Insn, JmpOp, Operand } from './insn.js';

const A = 0;
const X = 7;
const CTX = 6;
const TMP = 2;
const LEN = 9;

/** Names the classic profiles the converter knows: packet filters and seccomp filters. */
export type ClassicProfile = 'socket' | 'seccomp';

const ALU: Record<number, AluOp> = {
  [BPF_ADD]: 'add', [BPF_SUB]: 'sub', [BPF_MUL]: 'mul', [BPF_DIV]: 'div', [BPF_OR]: 'or', [BPF_AND]: 'and',
  [BPF_LSH]: 'lsh', [BPF_RSH]: 'rsh', [BPF_MOD]: 'mod', [BPF_XOR]: 'xor',
};
const JMP: Record<number, JmpOp> = { [BPF_JEQ]: 'jeq', [BPF_JGT]: 'jgt', [BPF_JGE]: 'jge', [BPF_JSET]: 'jset' };
/** bpf_convert_filter's inversions when jump_true is the next instruction (JSET has none). */
const INVERSE: Partial<Record<JmpOp, JmpOp>> = { jeq: 'jne', jgt: 'jle', jge: 'jlt' };
const SIZE = { [BPF_W]: 'w', [BPF_H]: 'h', [BPF_B]: 'b' } as const;
const slot = (k: number): number => -(BPF_MEMWORDS - k) * 4;

/** An emitted instruction whose offset may still point at a classic pc. */
type Out = { insn: Insn; target?: number };

function convertOne(f: SockFilter, pc: number, profile: ClassicProfile): Out[] {
  const k = f.k | 0;
  const refuse = (why: string): never => {
    throw new EbpfLoadError('unsupported', pc, `classic instruction code 0x${f.code.toString(16)}: ${why}`);
  };
  const mov32 = (dst: number, src: Operand): Out => ({ insn: { kind: 'alu', width: 32, op: 'mov', dst, src } });
  const mov64 = (dst: number, reg: number): Out => ({ insn: { kind: 'alu', width: 64, op: 'mov', dst, src: { reg } } });
  const exit: Out = { insn: { kind: 'exit' } };
  switch (bpfClass(f.code)) {
    case BPF_ALU: {
      if (bpfOp(f.code) === BPF_NEG) return [{ insn: { kind: 'neg', width: 32, dst: A } }];
      const op = ALU[bpfOp(f.code)] ?? refuse('no such ALU operation');
      if (bpfSrc(f.code) === BPF_K) return [{ insn: { kind: 'alu', width: 32, op, dst: A, src: { imm: k } } }];
      const guard: Out[] = op === 'div' || op === 'mod'
        ? [{ insn: { kind: 'jmp', width: 64, op: 'jne', dst: X, src: { imm: 0 }, off: 2 } }, { insn: { kind: 'alu', width: 32, op: 'xor', dst: A, src: { reg: A } } }, exit]
        : [];
      return [...guard, { insn: { kind: 'alu', width: 32, op, dst: A, src: { reg: X } } }];
    }
    case BPF_JMP: {
      if (bpfOp(f.code) === BPF_JA) return [{ insn: { kind: 'ja', off: 0, long: false }, target: pc + 1 + k }];
      const op = JMP[bpfOp(f.code)] ?? refuse('no such jump');
      const pre: Out[] = [];
      let src: Operand = { reg: X };
      if (bpfSrc(f.code) === BPF_K) {
        // "BPF immediates are signed, zero extend immediate into tmp register and use it in compare insn."
        if (k < 0) {
          pre.push(mov32(TMP, { imm: k }));
          src = { reg: TMP };
        } else src = { imm: k };
      }
      const jt = pc + 1 + f.jt;
      const jf = pc + 1 + f.jf;
      const jump = (o: JmpOp, target: number): Out => ({ insn: { kind: 'jmp', width: 64, op: o, dst: A, src, off: 0 }, target });
      if (f.jf === 0) return [...pre, jump(op, jt)];
      const inverse = INVERSE[op];
      if (f.jt === 0 && inverse !== undefined) return [...pre, jump(inverse, jf)];
      return [...pre, jump(op, jt), { insn: { kind: 'ja', off: 0, long: false }, target: jf }];
    }
    case BPF_RET:
      if (bpfRval(f.code) === BPF_A) return [exit];
      return [mov32(A, { imm: k }), exit];
    case BPF_MISC:
      return [bpfMiscOp(f.code) === BPF_TAX ? mov64(X, A) : mov64(A, X)];
    case BPF_ST:
    case BPF_STX:
      return [{ insn: { kind: 'stx', size: 'w', dst: 10, off: slot(k), src: bpfClass(f.code) === BPF_ST ? A : X } }];
    case BPF_LD:
    case BPF_LDX: {
      const dst = bpfClass(f.code) === BPF_LD ? A : X;
      switch (bpfMode(f.code)) {
        case BPF_IMM:
          return [mov32(dst, { imm: k })];
        case BPF_MEM:
          return [{ insn: { kind: 'ldx', size: 'w', signed: false, dst, src: 10, off: slot(k) } }];
        case BPF_LEN:
          return [profile === 'seccomp' ? mov32(dst, { imm: SECCOMP_DATA_SIZE }) : mov32(dst, { reg: LEN })];
        case BPF_MSH:
          // X = 4 * (pkt[k] & 0xf), through A and TMP exactly as bpf_convert_filter does.
          if (k < 0) refuse('negative offsets need an skb');
          return [
            mov64(TMP, A), { insn: { kind: 'ldabs', size: 'b', imm: k } },
            { insn: { kind: 'alu', width: 32, op: 'and', dst: A, src: { imm: 0xf } } },
            { insn: { kind: 'alu', width: 32, op: 'lsh', dst: A, src: { imm: 2 } } }, mov64(X, A), mov64(A, TMP),
          ];
        case BPF_ABS:
        case BPF_IND: {
          const size = SIZE[bpfSize(f.code) as keyof typeof SIZE] ?? refuse('no such load size');
          if (profile === 'seccomp') {
            if (bpfMode(f.code) !== BPF_ABS || size !== 'w') refuse('seccomp loads are 32-bit absolute');
            return [{ insn: { kind: 'ldx', size: 'w', signed: false, dst: A, src: CTX, off: k } }];
          }
          if (k < 0) refuse('ancillary and negative-offset loads need an skb');
          if (bpfMode(f.code) === BPF_ABS) return [{ insn: { kind: 'ldabs', size, imm: k } }];
          return [{ insn: { kind: 'ldind', size, src: X, imm: k } }];
        }
        default:
          return refuse('no such load mode');
      }
    }
    default:
      return refuse('no such class');
  }
}

/**
 * Converts a classic program (already accepted by the classic verifier) into eBPF instructions
 * that run in the uBPF convention (r1 = context, r2 = its length); throws EbpfLoadError
 * ('unsupported') naming the classic pc of what has no eBPF form here.
 */
export function convertClassic(program: readonly SockFilter[], profile: ClassicProfile): Insn[] {
  // "Classic BPF expects A and X to be reset first"; then ctx, and our length register.
  const prologue: Insn[] = [
    { kind: 'alu', width: 32, op: 'xor', dst: A, src: { reg: A } },
    { kind: 'alu', width: 32, op: 'xor', dst: X, src: { reg: X } },
    { kind: 'alu', width: 64, op: 'mov', dst: CTX, src: { reg: 1 } },
    { kind: 'alu', width: 64, op: 'mov', dst: LEN, src: { reg: 2 } },
  ];
  const converted = program.map((f, pc) => convertOne(f, pc, profile));
  const start: number[] = [];
  let at = prologue.length;
  for (const outs of converted) {
    start.push(at);
    at += outs.length;
  }
  const out = [...prologue];
  converted.forEach((outs) => {
    for (const o of outs) {
      const here = out.length;
      if (o.target !== undefined) {
        const to = start[o.target];
        if (to === undefined) throw new EbpfLoadError('jump_out_of_range', here, `classic jump target ${o.target} is outside the program`);
        out.push({ ...o.insn, off: to - here - 1 } as Insn);
      } else out.push(o.insn);
    }
  });
  return out;
}
