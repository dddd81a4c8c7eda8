/**
 * Decodes raw slots into typed instructions, refusing what the kernel's check_alu_op,
 * check_mem_access and do_check refuse as malformed ("unknown opcode", "uses reserved fields",
 * "invalid register") and what RFC 9669 leaves undefined. The rules for each field are here once;
 * encode.ts is their inverse.
 */
import { type RawInsn, readSlots } from './binary.js';
import { EbpfLoadError } from './errors.js';
import { ALU_OPS, type AluOp, ATOMIC_OPS, type AtomicOp, type Insn, JMP_OPS, lookup, SIZES, type Size, type Width } from './insn.js';
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CLASS, BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM,
  BPF_IND, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_MAXINSNS_EBPF, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MODE,
  BPF_MOV, BPF_NEG, BPF_OP, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_IDX_VALUE, BPF_REG_COUNT, BPF_SIZE,
  BPF_SRC, BPF_ST, BPF_STX, BPF_TO_BE, BPF_X, BPF_XCHG, BPF_CMPXCHG,
} from './opcodes.js';

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** A decoding context for one slot: throws typed errors naming its pc. */
class Slot {
  constructor(
    readonly raw: RawInsn,
    readonly pc: number,
  ) {}
  fail(reason: ConstructorParameters<typeof EbpfLoadError>[0], detail: string): never {
    throw new EbpfLoadError(reason, this.pc, `${detail} (opcode ${hex(this.raw.code)})`);
  }
  reg(field: 'dst' | 'src'): number {
    const r = this.raw[field];
    if (r >= BPF_REG_COUNT) this.fail('bad_register', `${field} register r${r} does not exist (r0-r10)`);
    return r;
  }
  zero(...fields: ('dst' | 'src' | 'off' | 'imm')[]): void {
    for (const f of fields) if (this.raw[f] !== 0) this.fail('reserved_nonzero', `${f} must be 0, is ${this.raw[f]}`);
  }
}

function sizeOf(code: number): Size {
  return lookup(SIZES, BPF_SIZE(code)) as Size; // all four size encodings are named
}

function decodeAlu(s: Slot): Insn {
  const { code, off, imm } = s.raw;
  const width: Width = BPF_CLASS(code) === BPF_ALU64 ? 64 : 32;
  const op = BPF_OP(code);
  const isX = BPF_SRC(code) === BPF_X;
  if (op === BPF_END) {
    s.zero('src', 'off');
    if (imm !== 16 && imm !== 32 && imm !== 64) s.fail('bad_end_size', `byte swap of ${imm} bits (16, 32 or 64)`);
    if (width === 64 && isX) s.fail('unknown_opcode', 'bswap has no BPF_X form');
    const order = width === 64 ? 'swap' : BPF_SRC(code) === BPF_TO_BE ? 'be' : 'le';
    return { kind: 'end', order, bits: imm, dst: s.reg('dst') };
  }
  if (op === BPF_NEG) {
    if (isX) s.fail('unknown_opcode', 'neg has no BPF_X form');
    s.zero('src', 'off', 'imm');
    return { kind: 'neg', width, dst: s.reg('dst') };
  }
  if (op === BPF_MOV && off !== 0) {
    // movsx (cpu v4): ALU64 sign-extends 8, 16 or 32 bits; ALU32 8 or 16 (kernel check_alu_op).
    const ok = isX && (off === 8 || off === 16 || (off === 32 && width === 64));
    if (!ok) s.fail('reserved_nonzero', `mov with offset ${off} (movsx takes a register and 8, 16${width === 64 ? ' or 32' : ''})`);
    s.zero('imm');
    return { kind: 'movsx', width, bits: off as 8 | 16 | 32, dst: s.reg('dst'), src: s.reg('src') };
  }
  let name: AluOp | undefined = lookup(ALU_OPS, op, ['sdiv', 'smod']);
  if (name === undefined) s.fail('unknown_opcode', 'no such ALU operation');
  if (op === BPF_DIV || op === BPF_MOD) {
    if (off === 1) name = op === BPF_DIV ? 'sdiv' : 'smod';
    else if (off !== 0) s.fail('reserved_nonzero', `offset of ${name} must be 0 or 1 (signed), is ${off}`);
  } else s.zero('off');
  if (isX) {
    s.zero('imm');
    return { kind: 'alu', width, op: name, dst: s.reg('dst'), src: { reg: s.reg('src') } };
  }
  s.zero('src');
  return { kind: 'alu', width, op: name, dst: s.reg('dst'), src: { imm } };
}

function decodeJmp(s: Slot): Insn {
  const { code, off, imm, src } = s.raw;
  const width: Width = BPF_CLASS(code) === BPF_JMP ? 64 : 32;
  const op = BPF_OP(code);
  const isX = BPF_SRC(code) === BPF_X;
  if (op === BPF_JA) {
    if (isX) s.fail('unknown_opcode', 'ja has no BPF_X form');
    if (width === 64) {
      s.zero('dst', 'src', 'imm');
      return { kind: 'ja', off, long: false };
    }
    s.zero('dst', 'src', 'off');
    return { kind: 'ja', off: imm, long: true };
  }
  if (op === BPF_CALL || op === BPF_EXIT) {
    if (width === 32) s.fail('unknown_opcode', `${op === BPF_CALL ? 'call' : 'exit'} exists only in BPF_JMP`);
    if (op === BPF_EXIT) {
      if (isX) s.fail('unknown_opcode', 'exit has no BPF_X form');
      s.zero('dst', 'src', 'off', 'imm');
      return { kind: 'exit' };
    }
    if (isX) {
      // callx: the register holding the helper id is in dst, as bpf_conformance's assembler puts it.
      s.zero('src', 'off', 'imm');
      return { kind: 'callx', reg: s.reg('dst') };
    }
    s.zero('dst', 'off');
    if (src === 0) return { kind: 'call', helper: imm };
    if (src === BPF_PSEUDO_CALL) return { kind: 'call_local', off: imm };
    if (src === BPF_PSEUDO_KFUNC_CALL) s.fail('unsupported', 'kfunc calls need kernel BTF');
    s.fail('reserved_nonzero', `call with src ${src}`);
  }
  const name = lookup(JMP_OPS, op);
  if (name === undefined) s.fail('unknown_opcode', 'no such jump');
  if (isX) {
    s.zero('imm');
    return { kind: 'jmp', width, op: name, dst: s.reg('dst'), src: { reg: s.reg('src') }, off };
  }
  s.zero('src');
  return { kind: 'jmp', width, op: name, dst: s.reg('dst'), src: { imm }, off };
}

function decodeMem(s: Slot, next: RawInsn | undefined): Insn {
  const { code, off, imm, src } = s.raw;
  const cls = BPF_CLASS(code);
  const mode = BPF_MODE(code);
  const size = sizeOf(code);
  switch (cls) {
    case BPF_LDX:
      if (mode !== BPF_MEM && !(mode === BPF_MEMSX && size !== 'dw')) s.fail('unknown_opcode', 'no such load');
      s.zero('imm');
      return { kind: 'ldx', size, signed: mode === BPF_MEMSX, dst: s.reg('dst'), src: s.reg('src'), off };
    case BPF_ST:
      if (mode !== BPF_MEM) s.fail('unknown_opcode', 'no such store');
      s.zero('src');
      return { kind: 'st', size, dst: s.reg('dst'), off, imm };
    case BPF_STX:
      if (mode === BPF_MEM) {
        s.zero('imm');
        return { kind: 'stx', size, dst: s.reg('dst'), src: s.reg('src'), off };
      }
      if (mode !== BPF_ATOMIC) s.fail('unknown_opcode', 'no such store');
      if (size !== 'w' && size !== 'dw') s.fail('bad_atomic', 'atomics are 32 or 64 bits');
      return decodeAtomic(s, size);
    default: {
      // BPF_LD: lddw, or the legacy packet loads (kernel check_ld_abs, check_ld_imm).
      if (mode === BPF_IMM && BPF_SIZE(code) === BPF_DW) {
        s.zero('off');
        if (src > BPF_PSEUDO_MAP_IDX_VALUE) s.fail('reserved_nonzero', `lddw with src ${src} (0-6)`);
        if (next === undefined) s.fail('lddw_truncated', 'lddw needs a second slot');
        if (next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
          throw new EbpfLoadError('lddw_bad_second', s.pc + 1, "lddw's second slot must be zero but for imm");
        }
        return { kind: 'lddw', dst: s.reg('dst'), pseudo: src, lo: imm, hi: next.imm };
      }
      if ((mode === BPF_ABS || mode === BPF_IND) && size !== 'dw') {
        s.zero('dst', 'off');
        if (mode === BPF_ABS) {
          s.zero('src');
          return { kind: 'ldabs', size, imm };
        }
        return { kind: 'ldind', size, src: s.reg('src'), imm };
      }
      return s.fail('unknown_opcode', 'no such load');
    }
  }
}

function decodeAtomic(s: Slot, size: 'w' | 'dw'): Insn {
  const { imm } = s.raw;
  const fetch = (imm & BPF_FETCH) !== 0;
  const op: AtomicOp | undefined = imm === BPF_XCHG ? 'xchg' : imm === BPF_CMPXCHG ? 'cmpxchg' : lookup(ATOMIC_OPS, imm & ~BPF_FETCH, ['xchg', 'cmpxchg']);
  if (op === undefined) s.fail('bad_atomic', `no atomic operation ${hex(imm)}`);
  return { kind: 'atomic', size, op, fetch, dst: s.reg('dst'), src: s.reg('src'), off: s.raw.off };
}

/** Decodes one slot (and the next, for lddw) into an instruction; throws EbpfLoadError with the pc. */
export function decodeInsn(raw: RawInsn, next: RawInsn | undefined, pc: number): Insn {
  const s = new Slot(raw, pc);
  switch (BPF_CLASS(raw.code)) {
    case BPF_ALU:
    case BPF_ALU64:
      return decodeAlu(s);
    case BPF_JMP:
    case BPF_JMP32:
      return decodeJmp(s);
    case BPF_LD:
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX:
      return decodeMem(s, next);
    default:
      return s.fail('unknown_opcode', 'no such class');
  }
}

/** Is a decoded program: `insns[pc]` for each slot, undefined for the second half of a lddw. */
export interface DecodedProgram {
  readonly insns: readonly (Insn | undefined)[];
}

/** Decodes raw slots (pc = slot index); throws EbpfLoadError naming the first bad one. */
export function decodeSlots(raws: readonly RawInsn[]): DecodedProgram {
  if (raws.length === 0) throw new EbpfLoadError('empty', -1, 'a program needs at least one instruction');
  if (raws.length > BPF_MAXINSNS_EBPF) throw new EbpfLoadError('too_many', -1, `${raws.length} instructions, at most ${BPF_MAXINSNS_EBPF}`);
  const insns: (Insn | undefined)[] = [];
  for (let pc = 0; pc < raws.length; pc++) {
    const insn = decodeInsn(raws[pc]!, raws[pc + 1], pc);
    insns.push(insn);
    if (insn.kind === 'lddw') {
      insns.push(undefined);
      pc++;
    }
  }
  return { insns };
}

/** Decodes program bytes; throws EbpfLoadError. */
export function decodeBytes(bytes: Uint8Array): DecodedProgram {
  return decodeSlots(readSlots(bytes));
}

