/**
 * seccomp_check_filter (kernel/seccomp.c), run after bpf_check_classic: the smaller opcode set
 * and the 32-bit aligned loads inside struct seccomp_data. Our `ea` profile follows the same
 * shape with a larger image (see the EA block in @ea/bpf's opcodes.ts).
 */
import { EA_MAX_STRUCT, SECCOMP_DATA_SIZE } from '@ea/bpf';
import type { Failure } from './errors.js';
import type { Fields } from './fields.js';
import { EA_PASS, Pass, SECCOMP_PASS } from './tables.js';

const WORD = 4;

/** Runs seccomp_check_filter's rules; returns the first failure or null. */
export function checkSeccomp(f: Fields): Failure | null {
  const { n, code, k } = f;
  for (let pc = 0; pc < n; pc++) {
    switch (SECCOMP_PASS[code[pc] as number] as Pass) {
      case Pass.Allowed:
        break;
      case Pass.LdWordAbs: {
        const kk = k[pc] as number;
        if (kk >= SECCOMP_DATA_SIZE || kk % WORD !== 0) return { reason: 'SECCOMP_BAD_OFFSET', pc, detail: `[${kk}]` };
        break;
      }
      default:
        return { reason: 'SECCOMP_BAD_OPCODE', pc };
    }
  }
  return null;
}

/**
 * Runs the ea profile's pass: seccomp's rules with word loads allowed up to `eaBound`
 * (k % 4 == 0, k + 4 <= eaBound), LD W IND (checked at run time, fail-safe), and the tail-zero
 * load with k <= EA_MAX_STRUCT.
 */
export function checkEa(f: Fields, eaBound: number): Failure | null {
  const { n, code, k } = f;
  for (let pc = 0; pc < n; pc++) {
    const kk = k[pc] as number;
    switch (EA_PASS[code[pc] as number] as Pass) {
      case Pass.Allowed:
        break;
      case Pass.LdWordAbs:
        if (kk % WORD !== 0 || kk + WORD > eaBound) {
          return { reason: 'EA_BAD_OFFSET', pc, detail: `[${kk}], image bound ${eaBound}` };
        }
        break;
      case Pass.TailZero:
        if (kk > EA_MAX_STRUCT) return { reason: 'EA_BAD_TAILZERO', pc, detail: `k = ${kk}` };
        break;
      default:
        return { reason: 'EA_BAD_OPCODE', pc };
    }
  }
  return null;
}
