/**
 * The run loop of the libpcap profile: classic BPF as libpcap's pcap_filter (bpf_filter.c) runs
 * it in userland for `tcpdump -r`, which differs from the kernel's converted program:
 * - `ja` adds k as a signed offset (decode.ts resolved it), so a run may loop; runs are bounded
 *   by an instruction budget, checked when a backward jump is taken (only those can make a run
 *   longer than the program), and exhausting it is InterpreterError 'BUDGET_EXHAUSTED';
 * - every load offset is a plain packet offset, compared with buflen without wrapping: k, or
 *   X + k as a mathematical sum, plus the load size must fit the captured length, else the
 *   program returns 0 (no SKF_NET_OFF/SKF_LL_OFF regions, no ancillary fields, no 32-bit wrap
 *   of X + k, kernel-observed items 7 and 8);
 * - shifts by X of 32 or more give 0 (the kernel uses X & 31, kernel-observed item 5);
 * - division and modulo by X == 0 return 0 from the program, as in the kernel.
 * A and X are u32 numbers here; this loop is apart from the kernel one so neither slows the other.
 */
import type { DecodedProgram } from './decode.js';
import { InterpreterError } from './errors.js';
import type { StepHook } from './interpret.js';

/** The default instruction budget of a libpcap-profile run (EngineOptions.budget). */
export const DEFAULT_BUDGET = 1 << 24;

/**
 * Runs a decoded libpcap-profile program over a packet of `size` captured bytes at `base` in
 * `view` whose wire length is `wire`; returns pcap_filter's u32 result.
 */
export function execLibpcap(
  d: DecodedProgram,
  mem: Int32Array,
  view: DataView,
  base: number,
  size: number,
  wire: number,
  budget: number,
  hook: StepHook | null,
): number {
  const { op, jt, jf, k } = d;
  let a = 0;
  let x = 0;
  let pc = 0;
  let steps = 0;
  let v = 0;
  for (;;) {
    if (hook !== null) hook(pc, a, x);
    steps++;
    switch (op[pc]) {
      case 0 /* RET_K */:
        return k[pc]!;
      case 1 /* RET_A */:
        return a;
      case 2 /* LD_IMM */:
        a = k[pc]!;
        break;
      case 3 /* LDX_IMM */:
        x = k[pc]!;
        break;
      case 4 /* LD_MEM */:
        a = mem[k[pc]!]! >>> 0;
        break;
      case 5 /* LDX_MEM */:
        x = mem[k[pc]!]! >>> 0;
        break;
      case 6 /* ST */:
        mem[k[pc]!] = a;
        break;
      case 7 /* STX */:
        mem[k[pc]!] = x;
        break;
      case 8 /* TAX */:
        x = a;
        break;
      case 9 /* TXA */:
        a = x;
        break;
      case 10 /* LD_LEN */:
        a = wire;
        break;
      case 11 /* LDX_LEN */:
        x = wire;
        break;
      case 12 /* ADD_K */:
        a = (a + k[pc]!) >>> 0;
        break;
      case 13 /* SUB_K */:
        a = (a - k[pc]!) >>> 0;
        break;
      case 14 /* MUL_K */:
        a = Math.imul(a, k[pc]!) >>> 0;
        break;
      case 15 /* DIV_K */:
        a = Math.floor(a / k[pc]!);
        break;
      case 16 /* OR_K */:
        a = (a | k[pc]!) >>> 0;
        break;
      case 17 /* AND_K */:
        a = (a & k[pc]!) >>> 0;
        break;
      case 18 /* LSH_K */:
        // The verifier refuses k >= 32 here (undefined in C).
        a = (a << k[pc]!) >>> 0;
        break;
      case 19 /* RSH_K */:
        a = a >>> k[pc]!;
        break;
      case 20 /* MOD_K */:
        a = a % k[pc]!;
        break;
      case 21 /* XOR_K */:
        a = (a ^ k[pc]!) >>> 0;
        break;
      case 22 /* ADD_X */:
        a = (a + x) >>> 0;
        break;
      case 23 /* SUB_X */:
        a = (a - x) >>> 0;
        break;
      case 24 /* MUL_X */:
        a = Math.imul(a, x) >>> 0;
        break;
      case 25 /* DIV_X */:
        if (x === 0) return 0;
        a = Math.floor(a / x);
        break;
      case 26 /* OR_X */:
        a = (a | x) >>> 0;
        break;
      case 27 /* AND_X */:
        a = (a & x) >>> 0;
        break;
      case 28 /* LSH_X */:
        // pcap_filter: `if (X < 32) A <<= X; else A = 0;`
        a = x < 32 ? (a << x) >>> 0 : 0;
        break;
      case 29 /* RSH_X */:
        a = x < 32 ? a >>> x : 0;
        break;
      case 30 /* MOD_X */:
        if (x === 0) return 0;
        a = a % x;
        break;
      case 31 /* XOR_X */:
        a = (a ^ x) >>> 0;
        break;
      case 32 /* NEG */:
        a = (0 - a) >>> 0;
        break;
      case 33 /* JA */:
        v = jt[pc]!;
        if (v <= pc && steps > budget) throw exhausted(budget, pc);
        pc = v;
        continue;
      case 34 /* JEQ_K */:
        pc = a === k[pc] ? jt[pc]! : jf[pc]!;
        continue;
      case 35 /* JGT_K */:
        pc = a > k[pc]! ? jt[pc]! : jf[pc]!;
        continue;
      case 36 /* JGE_K */:
        pc = a >= k[pc]! ? jt[pc]! : jf[pc]!;
        continue;
      case 37 /* JSET_K */:
        pc = (a & k[pc]!) !== 0 ? jt[pc]! : jf[pc]!;
        continue;
      case 38 /* JEQ_X */:
        pc = a === x ? jt[pc]! : jf[pc]!;
        continue;
      case 39 /* JGT_X */:
        pc = a > x ? jt[pc]! : jf[pc]!;
        continue;
      case 40 /* JGE_X */:
        pc = a >= x ? jt[pc]! : jf[pc]!;
        continue;
      case 41 /* JSET_X */:
        pc = (a & x) !== 0 ? jt[pc]! : jf[pc]!;
        continue;
      // Loads: the offset is a u32 (k, or X + k computed exactly in doubles), never wrapped.
      case 42 /* PKT_W_ABS */:
        v = k[pc]!;
        if (v + 4 > size) return 0;
        a = view.getUint32(base + v);
        break;
      case 43 /* PKT_H_ABS */:
        v = k[pc]!;
        if (v + 2 > size) return 0;
        a = view.getUint16(base + v);
        break;
      case 44 /* PKT_B_ABS */:
        v = k[pc]!;
        if (v + 1 > size) return 0;
        a = view.getUint8(base + v);
        break;
      case 48 /* PKT_W_IND */:
        v = x + k[pc]!;
        if (v + 4 > size) return 0;
        a = view.getUint32(base + v);
        break;
      case 49 /* PKT_H_IND */:
        v = x + k[pc]!;
        if (v + 2 > size) return 0;
        a = view.getUint16(base + v);
        break;
      case 50 /* PKT_B_IND */:
        v = x + k[pc]!;
        if (v + 1 > size) return 0;
        a = view.getUint8(base + v);
        break;
      case 51 /* PKT_MSH */:
        v = k[pc]!;
        if (v + 1 > size) return 0;
        x = (view.getUint8(base + v) & 0xf) << 2;
        break;
      default:
        // decode.ts gives a libpcap program only the operations above.
        throw new InterpreterError('BAD_INPUT', `no libpcap operation ${op[pc]} at pc ${pc}`);
    }
    pc++;
  }
}

function exhausted(budget: number, pc: number): InterpreterError {
  return new InterpreterError(
    'BUDGET_EXHAUSTED',
    `the run executed more than its budget of ${budget} instructions (backward jump at pc ${pc}); libpcap would still be looping`,
  );
}
