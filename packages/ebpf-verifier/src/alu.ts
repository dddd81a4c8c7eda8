/**
 * ALU instructions over abstract registers (check_alu_op, adjust_reg_min_max_vals and
 * adjust_ptr_min_max_vals in kernel/bpf/verifier.c): scalar arithmetic through scalar.ts, and the
 * pointer rules — only `ptr += scalar`, `ptr -= scalar` (64-bit) on pointers that have a meaning
 * with an offset; pointer - pointer is an unknown scalar for root; everything else on a pointer is
 * refused with the kernel's message.
 */
import { type AluOp, assertNever, type Insn, type Width } from '@ea/ebpf';
import { BPF_MAX_VAR_OFF, type Machine } from './machine.js';
import { type Bounds, isConst, known, S64_MIN, scalarAlu, scalarEnd, scalarMovsx, scalarNeg, sync, UNKNOWN, zext32 } from './scalar.js';
import { isPacket, isPointer, type Reg, scalar } from './state.js';
import { U32_MAX } from './tnum.js';

/** bpf_alu_string: the operator as the kernel's messages spell it. */
const ALU_STRING: Record<AluOp, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: '/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=', mod: '%=', smod: '%=', xor: '^=', mov: '=', arsh: 's>>=',
};

/** Returns the kernel's name for a register type in messages. */
export const typeName = (r: Reg): string => (r.type === 'not_init' ? '?' : r.type);

function immBounds(imm: number, width: Width): Bounds {
  return known(width === 64 ? BigInt(imm) : BigInt(imm >>> 0));
}

/** Verifies one ALU instruction and writes its result. */
export function checkAlu(m: Machine, insn: Insn & { kind: 'alu' | 'neg' | 'movsx' | 'end' }): void {
  switch (insn.kind) {
    case 'neg':
    case 'end': {
      const dst = m.read(insn.dst);
      if (isPointer(dst)) {
        if (!m.privileged) m.fail('ptr_arith', `R${insn.dst} pointer arithmetic prohibited`);
        m.write(insn.dst, scalar(UNKNOWN));
        return;
      }
      m.write(insn.dst, scalar(insn.kind === 'neg' ? scalarNeg(insn.width, dst.b) : scalarEnd(insn.order, insn.bits, dst.b)));
      return;
    }
    case 'movsx': {
      const src = m.read(insn.src);
      if (isPointer(src)) {
        if (!m.privileged) m.fail('ptr_arith', `R${insn.src} sign-extension part of pointer`);
        m.write(insn.dst, scalar(UNKNOWN));
        return;
      }
      m.write(insn.dst, scalar(scalarMovsx(insn.bits, insn.width, src.b)));
      return;
    }
    case 'alu':
      if (insn.op === 'mov') checkMov(m, insn);
      else checkBinary(m, insn);
      return;
    default:
      assertNever(insn);
  }
}

function checkMov(m: Machine, insn: Insn & { kind: 'alu' }): void {
  if (!('reg' in insn.src)) {
    m.write(insn.dst, scalar(immBounds(insn.src.imm, insn.width)));
    return;
  }
  const src = m.read(insn.src.reg);
  if (insn.width === 32) {
    if (isPointer(src)) {
      if (!m.privileged) m.fail('ptr_arith', `R${insn.src.reg} partial copy of pointer`);
      m.write(insn.dst, scalar(zext32(UNKNOWN)));
    } else m.write(insn.dst, scalar(zext32(src.b)));
    return;
  }
  // A copied scalar shares an id with its source, so bounds learned on one apply to both (sync_linked_regs).
  if (src.type === 'scalar' && src.id === 0 && !isConst(src.b)) {
    const linked = { ...src, id: m.newId() };
    m.frame.regs[insn.src.reg] = linked;
    m.write(insn.dst, linked);
    return;
  }
  m.write(insn.dst, src);
}

function checkBinary(m: Machine, insn: Insn & { kind: 'alu' }): void {
  const bits = insn.width;
  let srcReg: Reg;
  if ('reg' in insn.src) srcReg = m.read(insn.src.reg);
  else {
    const imm = insn.src.imm;
    if ((insn.op === 'lsh' || insn.op === 'rsh' || insn.op === 'arsh') && (imm < 0 || imm >= bits)) m.fail('alu', `invalid shift ${imm}`);
    if ((insn.op === 'div' || insn.op === 'mod' || insn.op === 'sdiv' || insn.op === 'smod') && imm === 0) m.fail('alu', 'div by zero');
    srcReg = scalar(immBounds(imm, bits));
  }
  const dst = m.read(insn.dst);
  const dstPtr = isPointer(dst);
  const srcPtr = isPointer(srcReg);
  if (dstPtr && srcPtr) {
    if (insn.op === 'sub' && m.privileged) {
      m.write(insn.dst, scalar(UNKNOWN));
      return;
    }
    m.fail('ptr_arith', `R${insn.dst} pointer ${ALU_STRING[insn.op]} pointer prohibited`);
  }
  if (dstPtr || srcPtr) {
    m.write(insn.dst, dstPtr ? pointerArith(m, insn, dst, srcReg, false) : pointerArith(m, insn, srcReg, dst, true));
    return;
  }
  let b = dst.b;
  if ('reg' in insn.src && (insn.op === 'lsh' || insn.op === 'rsh' || insn.op === 'arsh') && srcReg.b.umax >= BigInt(bits)) {
    b = bits === 64 ? UNKNOWN : zext32(UNKNOWN); // a shift by an unknown count past the width
  } else b = scalarAlu(insn.op, bits, dst.b, srcReg.b);
  m.write(insn.dst, scalar(b));
}

/** check_reg_sane_offset: offsets and variable parts must stay far below 2^29. */
function saneOffset(m: Machine, r: Bounds, off: number, type: string, isOffReg: boolean): void {
  if (isOffReg && isConst(r)) {
    const v = BigInt.asIntN(64, r.tn.value);
    if (v >= BPF_MAX_VAR_OFF || v <= -BPF_MAX_VAR_OFF) m.fail('ptr_arith', `math between ${type} pointer and ${v} is not allowed`);
  }
  if (off >= BPF_MAX_VAR_OFF || off <= -BPF_MAX_VAR_OFF) m.fail('ptr_arith', `${type} pointer offset ${off} is not allowed`);
  if (r.smin === S64_MIN) m.fail('ptr_arith', `math between ${type} pointer and register with unbounded min value is not allowed`);
  if (r.smin >= BPF_MAX_VAR_OFF || r.smin <= -BPF_MAX_VAR_OFF) m.fail('ptr_arith', `value ${r.smin} makes ${type} pointer be out of bounds`);
}

/** adjust_ptr_min_max_vals: `ptr op off` where off is a scalar (`swapped`: the scalar was dst). */
function pointerArith(m: Machine, insn: Insn & { kind: 'alu' }, ptr: Reg, off: Reg, swapped: boolean): Reg {
  const dstNo = insn.dst;
  if (insn.width === 32) {
    if (insn.op === 'sub' && m.privileged) return scalar(UNKNOWN);
    m.fail('ptr_arith', `R${dstNo} 32-bit pointer arithmetic prohibited`);
  }
  const type = ptr.type;
  if (type === 'map_value_or_null') m.fail('ptr_arith', `R${dstNo} pointer arithmetic on ${type} prohibited, null-check it first`);
  if (type === 'pkt_end' || type === 'map_ptr') {
    if (!(type === 'map_ptr' && isConst(off.b) && off.b.tn.value === 0n && insn.op === 'add')) m.fail('ptr_arith', `R${dstNo} pointer arithmetic on ${type} prohibited`);
  }
  if (insn.op === 'and' || insn.op === 'or' || insn.op === 'xor') m.fail('ptr_arith', `R${dstNo} bitwise operator ${ALU_STRING[insn.op]} on pointer prohibited`);
  if (insn.op !== 'add' && insn.op !== 'sub') m.fail('ptr_arith', `R${dstNo} pointer arithmetic with ${ALU_STRING[insn.op]} operator prohibited`);
  if (insn.op === 'sub' && swapped) m.fail('ptr_arith', `R${dstNo} tried to subtract pointer from scalar`);
  saneOffset(m, off.b, ptr.off, type, true);
  saneOffset(m, ptr.b, ptr.off, type, false);
  let result: Reg;
  if (isConst(off.b)) {
    const c = Number(BigInt.asIntN(64, off.b.tn.value));
    result = { ...ptr, off: insn.op === 'add' ? ptr.off + c : ptr.off - c };
  } else {
    const b = sync(scalarAlu(insn.op, 64, ptr.b, off.b));
    // A packet pointer with a new variable part needs its own bounds check (fresh id, range 0).
    result = { ...ptr, b, ...(isPacket(ptr) && { id: m.newId(), range: 0 }) };
  }
  saneOffset(m, result.b, result.off, type, false);
  return result;
}

/** Returns the bounds of a `size`-byte load zero-extended (registers loaded from memory). */
export const loadedBounds = (size: number): Bounds => (size >= 8 ? UNKNOWN : sync({ ...UNKNOWN, umax: size === 4 ? U32_MAX : (1n << BigInt(size * 8)) - 1n }));
