/**
 * The program as four typed arrays (the struct sock_filter columns), validated once so every
 * later pass can index without checks. Untrusted objects with out-of-range fields stop here.
 */
import { BPF_MAXINSNS, type SockFilter } from '@ea/bpf';
import type { Failure } from './errors.js';

/** The raw fields of a program, column-wise. */
export interface Fields {
  readonly n: number;
  readonly code: Uint16Array;
  readonly jt: Uint8Array;
  readonly jf: Uint8Array;
  readonly k: Uint32Array;
}

const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;

function inRange(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

/**
 * Scratch arrays for every pass, allocated once: a fresh 16 KiB typed array costs more than
 * verifying a whole program. Views into them never outlive one synchronous verify() call.
 */
const SCRATCH = new ArrayBuffer(BPF_MAXINSNS * 16);
const CODE = new Uint16Array(SCRATCH, 0, BPF_MAXINSNS);
const JT = new Uint8Array(SCRATCH, BPF_MAXINSNS * 2, BPF_MAXINSNS);
const JF = new Uint8Array(SCRATCH, BPF_MAXINSNS * 3, BPF_MAXINSNS);
const K = new Uint32Array(SCRATCH, BPF_MAXINSNS * 4, BPF_MAXINSNS);
/** A u16 per pc (check_load_and_stores' masks). */
export const SCRATCH_U16 = new Uint16Array(SCRATCH, BPF_MAXINSNS * 8, BPF_MAXINSNS);
/** A u8 per pc (reachability). */
export const SCRATCH_U8 = new Uint8Array(SCRATCH, BPF_MAXINSNS * 10, BPF_MAXINSNS);
/** A u32 per pc (converted addresses). */
export const SCRATCH_U32 = new Uint32Array(SCRATCH, BPF_MAXINSNS * 12, BPF_MAXINSNS);

/**
 * Copies the fields into typed arrays, or names the first instruction with a bad field. The
 * caller checks the length first (at most BPF_MAXINSNS); the views are valid until the next call.
 */
export function readFields(insns: readonly SockFilter[]): Fields | Failure {
  const n = insns.length;
  const code = CODE.subarray(0, n);
  const jt = JT.subarray(0, n);
  const jf = JF.subarray(0, n);
  const k = K.subarray(0, n);
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc] as SockFilter | undefined | null;
    if (typeof i !== 'object' || i === null) return { reason: 'BAD_FIELD', pc, detail: 'not an instruction object' };
    if (!inRange(i.code, U16)) return { reason: 'BAD_FIELD', pc, detail: 'code' };
    if (!inRange(i.jt, U8)) return { reason: 'BAD_FIELD', pc, detail: 'jt' };
    if (!inRange(i.jf, U8)) return { reason: 'BAD_FIELD', pc, detail: 'jf' };
    if (!inRange(i.k, U32)) return { reason: 'BAD_FIELD', pc, detail: 'k' };
    code[pc] = i.code;
    jt[pc] = i.jt;
    jf[pc] = i.jf;
    k[pc] = i.k;
  }
  return { n, code, jt, jf, k };
}
