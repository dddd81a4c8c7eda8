/**
 * A tiny evaluator for the few instructions libseccomp emits (LD W ABS, ALU AND K, JA,
 * JEQ/JGT/JGE/JSET K, RET K) on a little-endian seccomp_data. Tests use it to state what a policy
 * decides independently of the engines; it refuses any other instruction.
 */
import {
  BPF_ABS,
  BPF_ALU,
  BPF_AND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  type SockFilter,
} from '@ea/bpf';

/** Runs `program` on the seccomp_data in `view` and returns its u32 result. */
export function evaluateLibseccomp(program: readonly SockFilter[], view: DataView): number {
  let a = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const { code, jt, jf, k } = program[pc]!;
    switch (code) {
      case BPF_LD | BPF_W | BPF_ABS:
        a = view.getUint32(k, true);
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        a = (a & k) >>> 0;
        break;
      case BPF_JMP | BPF_JA:
        pc += k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += a === k ? jt : jf;
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += a > k ? jt : jf;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += a >= k ? jt : jf;
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        pc += (a & k) !== 0 ? jt : jf;
        break;
      case BPF_RET | BPF_K:
        return k;
      default:
        throw new Error(`pc ${pc}: code 0x${code.toString(16)} is not an instruction libseccomp emits`);
    }
  }
  throw new Error('the program fell off its end');
}
