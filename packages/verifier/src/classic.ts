/**
 * bpf_check_classic (net/core/filter.c): one linear pass over pc = 0 .. n-1 where the first
 * failure wins, then the last-instruction rule, then check_load_and_stores. Every failure is
 * EINVAL. Fields an opcode does not use are never looked at.
 */
import { BPF_MAXINSNS, BPF_MEMWORDS, SKF_AD_OFF } from '@ea/bpf';
import type { Failure } from './errors.js';
import { type Fields, SCRATCH_U16 } from './fields.js';
import { ANCILLARY_K, Check, CLASSIC_CHECK, RET_CODES } from './tables.js';

const SHIFT_LIMIT = 32;
const ALL_CELLS = (1 << BPF_MEMWORDS) - 1;

/** Checks the length as bpf_check_basics_ok: 1 to BPF_MAXINSNS instructions. */
export function checkLength(n: number): Failure | null {
  return n === 0 || n > BPF_MAXINSNS ? { reason: 'BAD_LENGTH', pc: null, detail: `${n} instructions` } : null;
}

/** Runs bpf_check_basics_ok's length rule and bpf_check_classic; returns the first failure or null. */
export function checkClassic(f: Fields, table: Uint8Array = CLASSIC_CHECK): Failure | null {
  const { n, code, jt, jf, k } = f;
  const length = checkLength(n);
  if (length !== null) return length;
  for (let pc = 0; pc < n; pc++) {
    const kk = k[pc] as number;
    switch (table[code[pc] as number] as Check) {
      case Check.Refused:
        return { reason: 'BAD_OPCODE', pc, detail: `code 0x${(code[pc] as number).toString(16)}` };
      case Check.DivModK:
        if (kk === 0) return { reason: 'DIV_BY_ZERO', pc };
        break;
      case Check.ShiftK:
        if (kk >= SHIFT_LIMIT) return { reason: 'SHIFT_TOO_LARGE', pc, detail: `k = ${kk}` };
        break;
      case Check.MemLoad:
      case Check.MemStore:
        if (kk >= BPF_MEMWORDS) return { reason: 'MEM_INDEX', pc, detail: `M[${kk}]` };
        break;
      case Check.Ja:
        // Unsigned compare: k >= n - pc - 1 also refuses huge k that would wrap.
        if (kk >= n - pc - 1) return { reason: 'JUMP_OUT_OF_RANGE', pc, detail: `ja +${kk}` };
        break;
      case Check.Cond:
        if (pc + (jt[pc] as number) + 1 >= n || pc + (jf[pc] as number) + 1 >= n) {
          return { reason: 'JUMP_OUT_OF_RANGE', pc, detail: `jt ${jt[pc]}, jf ${jf[pc]}` };
        }
        break;
      case Check.LdAbs:
        // bpf_anc_helper: offsets from SKF_AD_OFF up must be a known ancillary field, any size.
        if (kk >= SKF_AD_OFF && !ANCILLARY_K.has(kk)) return { reason: 'BAD_ANCILLARY', pc };
        break;
      case Check.Plain:
        break;
    }
  }
  if (!RET_CODES.has(code[n - 1] as number)) return { reason: 'NO_RET_AT_END', pc: n - 1 };
  return checkLoadAndStores(f, table);
}

/**
 * Checks scratch reads as check_load_and_stores does: a linear scan, not a reachability analysis. masks[pc] is the AND of
 * the cells written on every jump into pc; the running state falls through from pc - 1 except
 * after a jump, which resets it to "all written". RET resets nothing, so dead code after a RET
 * is judged with the state that reached the RET.
 */
export function checkLoadAndStores(f: Fields, table: Uint8Array = CLASSIC_CHECK): Failure | null {
  const { n, code, jt, jf, k } = f;
  const masks = SCRATCH_U16.subarray(0, n).fill(ALL_CELLS);
  let memvalid = 0;
  for (let pc = 0; pc < n; pc++) {
    memvalid &= masks[pc] as number;
    const kk = k[pc] as number;
    switch (table[code[pc] as number] as Check) {
      case Check.MemStore:
        memvalid |= 1 << kk;
        break;
      case Check.MemLoad:
        if ((memvalid & (1 << kk)) === 0) return { reason: 'UNINIT_MEM_READ', pc, detail: `M[${kk}]` };
        break;
      case Check.Ja: {
        const t = pc + 1 + kk;
        masks[t] = (masks[t] as number) & memvalid;
        memvalid = ALL_CELLS;
        break;
      }
      case Check.Cond: {
        const t = pc + 1 + (jt[pc] as number);
        masks[t] = (masks[t] as number) & memvalid;
        const e = pc + 1 + (jf[pc] as number);
        masks[e] = (masks[e] as number) & memvalid;
        memvalid = ALL_CELLS;
        break;
      }
      default:
        break;
    }
  }
  return null;
}
