/**
 * Decode-time specialization: common instruction pairs of tcpdump-style filters become one
 * superinstruction, so the run loop dispatches once where it would dispatch twice. Only the first
 * instruction of a pair is rewritten; the second stays in the array with its own operation, so a
 * jump that lands on it (pc + 1) runs it alone exactly as before. A fused operation reads k of
 * its own pc for the load and k / jt / jf of pc + 1 for the second half, and a failed load still
 * ends the program returning 0 before the second half (as the unfused pair would).
 */
import { type DecodedProgram, OPS } from './decode.js';

/** Returns the superinstruction for the pair (first, second), or -1 when there is none. */
function fusedOp(first: number, second: number): number {
  if (second >= OPS.JEQ_K && second <= OPS.JSET_K) {
    if (first >= OPS.PKT_W_ABS && first <= OPS.PKT_B_ABS) return OPS.PKT_W_ABS_JMP + (first - OPS.PKT_W_ABS);
    if (first >= OPS.PKT_W_IND && first <= OPS.PKT_B_IND) return OPS.PKT_W_IND_JMP + (first - OPS.PKT_W_IND);
    if (first === OPS.LD_LEN) return OPS.LD_LEN_JMP;
  }
  if (first === OPS.PKT_MSH && second >= OPS.PKT_W_IND && second <= OPS.PKT_B_IND) {
    return OPS.PKT_MSH_W_IND + (second - OPS.PKT_W_IND);
  }
  return -1;
}

/**
 * Returns the operation array with superinstructions in place of fusable pairs; the decoded
 * program's own `op` is left untouched (tracing runs it, one instruction at a time). When no pair
 * fuses (every seccomp and EA program) it returns `decoded.op` itself, not a copy.
 */
export function fuse(decoded: DecodedProgram): Uint8Array {
  const { op } = decoded;
  let out: Uint8Array | null = null;
  // The last instruction is a RET (the verifier requires it), so pc + 1 always exists for a load.
  for (let pc = 0; pc + 1 < op.length; pc++) {
    const f = fusedOp(op[pc]!, op[pc + 1]!);
    if (f < 0) continue;
    out ??= op.slice();
    out[pc] = f;
  }
  return out ?? op;
}
