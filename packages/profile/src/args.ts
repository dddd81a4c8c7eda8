/**
 * Code for one argument condition. On 64-bit ABIs a 64-bit comparison is two 32-bit ones on the
 * halves of seccomp_data.args[i] (high word decides unless equal), as libseccomp's gen_bpf emits
 * them; on 32-bit ABIs only the low word is compared. The halves' offsets depend on byte order
 * (populate_seccomp_data stores the u64 in host order). Comparisons that a half makes certain
 * (high word 0, mask half 0 or all ones) are left out.
 */
import type { Endian } from '@ea/bpf';
import type { Assembler, JumpOp, Label } from './asm.js';
import type { Cond } from './conditions.js';

const ALL = 0xffffffff;

/** Returns the seccomp_data offset of one half of args[index]. */
export function argWord(index: number, half: 'lo' | 'hi', endian: Endian): number {
  const base = 16 + 8 * index;
  return (half === 'hi') === (endian === 'le') ? base + 4 : base;
}

/** A single 32-bit test: jump `cmp k`, to `yes` when it holds, else `no`. */
function test(asm: Assembler, cmp: JumpOp, k: number, yes: Label, no: Label): void {
  asm.emit({ op: 'jmp', cmp, k, t: yes, f: no });
}

/**
 * Emits `A` compared with `v` (32 bits) for an ordering/equality op, jumping to pass or fail.
 * LT and LE are GE and GT with the targets swapped (BPF has no less-than jumps).
 */
function compare32(asm: Assembler, op: Cond['op'], v: number, pass: Label, fail: Label): void {
  switch (op) {
    case 'SCMP_CMP_EQ':
    case 'SCMP_CMP_MASKED_EQ':
      test(asm, 'jeq', v, pass, fail);
      return;
    case 'SCMP_CMP_NE':
      test(asm, 'jeq', v, fail, pass);
      return;
    case 'SCMP_CMP_GT':
      test(asm, 'jgt', v, pass, fail);
      return;
    case 'SCMP_CMP_GE':
      test(asm, 'jge', v, pass, fail);
      return;
    case 'SCMP_CMP_LT':
      test(asm, 'jge', v, fail, pass);
      return;
    case 'SCMP_CMP_LE':
      test(asm, 'jgt', v, fail, pass);
      return;
  }
}

/** Emits the code of one condition, jumping to `pass` or `fail`. Constant conditions were removed by the planner. */
export function emitCond(asm: Assembler, c: Cond, bits: 32 | 64, endian: Endian, pass: Label, fail: Label): void {
  const lo = Number(c.value & 0xffffffffn);
  const hi = Number(c.value >> 32n);
  const ld = (half: 'lo' | 'hi'): void => asm.emit({ op: 'ld', k: argWord(c.index, half, endian) });
  if (bits === 32) {
    ld('lo');
    if (c.op === 'SCMP_CMP_MASKED_EQ') {
      if (lo !== ALL) asm.emit({ op: 'and', k: lo });
      compare32(asm, c.op, Number(c.valueTwo & 0xffffffffn), pass, fail);
      return;
    }
    compare32(asm, c.op, lo, pass, fail);
    return;
  }
  switch (c.op) {
    case 'SCMP_CMP_EQ':
    case 'SCMP_CMP_NE': {
      // Equal iff both halves are equal.
      const [eq, ne] = c.op === 'SCMP_CMP_EQ' ? [pass, fail] : [fail, pass];
      const low = asm.label();
      ld('hi');
      test(asm, 'jeq', hi, low, ne);
      asm.place(low);
      ld('lo');
      test(asm, 'jeq', lo, eq, ne);
      return;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_LE':
    case 'SCMP_CMP_GE':
    case 'SCMP_CMP_LT': {
      const strict = c.op === 'SCMP_CMP_GT' || c.op === 'SCMP_CMP_LE';
      const [above, notAbove] = c.op === 'SCMP_CMP_GT' || c.op === 'SCMP_CMP_GE' ? [pass, fail] : [fail, pass];
      // arg > v (or >=) iff hi > vh, or hi == vh and lo > vl (>=).
      // With vl all ones (strict) or 0 (not strict) the low word cannot change the answer.
      const lowMatters = strict ? lo !== ALL : lo !== 0;
      ld('hi');
      if (!lowMatters) {
        test(asm, strict ? 'jgt' : 'jge', hi, above, notAbove);
        return;
      }
      const low = asm.label();
      if (hi === ALL) {
        test(asm, 'jeq', hi, low, notAbove);
      } else if (hi === 0) {
        test(asm, 'jgt', 0, above, low);
      } else {
        const equal = asm.label();
        test(asm, 'jgt', hi, above, equal);
        asm.place(equal);
        test(asm, 'jeq', hi, low, notAbove);
      }
      asm.place(low);
      ld('lo');
      test(asm, strict ? 'jgt' : 'jge', lo, above, notAbove);
      return;
    }
    case 'SCMP_CMP_MASKED_EQ': {
      const mh = hi;
      const ml = lo;
      const vh = Number(c.valueTwo >> 32n);
      const vl = Number(c.valueTwo & 0xffffffffn);
      // A zero mask half makes that half's test constant: true, since the planner removed
      // conditions whose valueTwo has bits outside the mask.
      const lowNeeded = ml !== 0;
      if (mh !== 0) {
        const next = lowNeeded ? asm.label() : pass;
        ld('hi');
        if (mh !== ALL) asm.emit({ op: 'and', k: mh });
        test(asm, 'jeq', vh, next, fail);
        if (!lowNeeded) return;
        asm.place(next);
      }
      ld('lo');
      if (ml !== ALL) asm.emit({ op: 'and', k: ml });
      test(asm, 'jeq', vl, pass, fail);
      return;
    }
  }
}
