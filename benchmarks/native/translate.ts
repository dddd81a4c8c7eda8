/**
 * Translates a classic BPF program into one C function of straight-line code with
 * gotos, for gcc -O2: the "practical physical limit" our JIT is measured against.
 *
 * Semantics follow the kernel (and agree with libpcap's bpf_filter on every program
 * tcpdump emits): loads past the captured length return 0 from the filter,
 * division or modulo by X = 0 returns 0, shifts by X use X & 31, compares are
 * unsigned. Packet loads are big-endian; seccomp loads are native-endian 32-bit
 * words from `struct seccomp_data` (seccomp_check_filter only allows LD W ABS there,
 * k < 64 and aligned, so they need no run-time bounds check). Ancillary and negative
 * (SKF_NET_OFF/SKF_LL_OFF) offsets are not translated: the benchmark programs do not
 * use them, and `translateProgram` refuses rather than guessing.
 */
import { assertNever, type Insn, LOAD_SIZES } from '@ea/bpf';

export type TranslateMode = 'packet' | 'seccomp';

/** Signals an instruction the C translation does not support. */
export class TranslateError extends Error {
  override readonly name = 'TranslateError';
}

const SIGNED_LIMIT = 0x8000_0000;

/**
 * Returns C source for `static uint32_t NAME(const uint8_t *P, uint32_t wirelen, uint32_t buflen)`.
 * Only numbers we formatted reach the output.
 */
export function translateProgram(insns: readonly Insn[], name: string, mode: TranslateMode): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TranslateError(`bad C identifier ${JSON.stringify(name)}`);
  const targets = new Set<number>();
  insns.forEach((ins, pc) => {
    if (ins.kind === 'ja') targets.add(pc + 1 + ins.k);
    else if (ins.kind === 'jmp') {
      targets.add(pc + 1 + ins.jt);
      targets.add(pc + 1 + ins.jf);
    }
  });
  const usesMem = insns.some((i) => i.kind === 'st' || i.kind === 'stx' || i.kind === 'ld_mem' || i.kind === 'ldx_mem');
  const lines: string[] = [
    `static uint32_t ${name}(const uint8_t *P, uint32_t wirelen, uint32_t buflen) {`,
    '  uint32_t A = 0, X = 0;',
    usesMem ? '  uint32_t M[16];' : '',
    '  (void)P; (void)wirelen; (void)buflen; (void)A; (void)X;',
  ];
  insns.forEach((ins, pc) => {
    if (targets.has(pc)) lines.push(`L${pc}:`);
    lines.push(`  ${statement(ins, pc, mode)}`);
  });
  lines.push('}');
  return lines.filter((l) => l !== '').join('\n');
}

const u = (k: number): string => `${k >>> 0}u`;

function load(size: 'w' | 'h' | 'b', offset: string, mode: TranslateMode): string {
  if (mode === 'seccomp') {
    if (size !== 'w') throw new TranslateError('seccomp filters only load 32-bit words');
    return `memcpy(&A, P + ${offset}, 4);`;
  }
  const bytes = LOAD_SIZES[size].bytes;
  const read =
    size === 'w'
      ? `A = ((uint32_t)P[o] << 24) | ((uint32_t)P[o + 1] << 16) | ((uint32_t)P[o + 2] << 8) | P[o + 3];`
      : size === 'h'
        ? `A = ((uint32_t)P[o] << 8) | P[o + 1];`
        : 'A = P[o];';
  return `{ uint32_t o = ${offset}; if ((uint64_t)o + ${bytes} > buflen) return 0; ${read} }`;
}

function absOffset(ins: Insn, pc: number): string {
  if (ins.k >= SIGNED_LIMIT) throw new TranslateError(`instruction ${pc}: negative or ancillary offset not translated`);
  return u(ins.k);
}

function statement(ins: Insn, pc: number, mode: TranslateMode): string {
  const next = (off: number): string => `goto L${pc + 1 + off};`;
  switch (ins.kind) {
    case 'ld_imm':
      return `A = ${u(ins.k)};`;
    case 'ldx_imm':
      return `X = ${u(ins.k)};`;
    case 'ld_abs':
      if (mode === 'seccomp') return load(ins.size, u(ins.k), mode);
      return load(ins.size, absOffset(ins, pc), mode);
    case 'ld_ind':
      if (mode === 'seccomp') throw new TranslateError(`instruction ${pc}: IND loads are not seccomp`);
      return load(ins.size, `X + ${u(ins.k)}`, mode);
    case 'ldx_msh':
      return `{ uint32_t o = ${absOffset(ins, pc)}; if (o >= buflen) return 0; X = (uint32_t)(P[o] & 0xf) << 2; }`;
    case 'ld_len':
      return mode === 'seccomp' ? 'A = 64u;' : 'A = wirelen;';
    case 'ldx_len':
      return mode === 'seccomp' ? 'X = 64u;' : 'X = wirelen;';
    case 'ld_mem':
      return `A = M[${ins.k & 15}];`;
    case 'ldx_mem':
      return `X = M[${ins.k & 15}];`;
    case 'st':
      return `M[${ins.k & 15}] = A;`;
    case 'stx':
      return `M[${ins.k & 15}] = X;`;
    case 'alu': {
      const v = ins.src === 'k' ? u(ins.k) : 'X';
      const op = ins.op;
      switch (op) {
        case 'add':
          return `A += ${v};`;
        case 'sub':
          return `A -= ${v};`;
        case 'mul':
          return `A *= ${v};`;
        case 'div':
          return ins.src === 'x' ? 'if (X == 0) return 0; A /= X;' : `A /= ${v};`;
        case 'mod':
          return ins.src === 'x' ? 'if (X == 0) return 0; A %= X;' : `A %= ${v};`;
        case 'and':
          return `A &= ${v};`;
        case 'or':
          return `A |= ${v};`;
        case 'xor':
          return `A ^= ${v};`;
        case 'lsh':
          return ins.src === 'x' ? 'A <<= (X & 31);' : `A <<= ${ins.k & 31};`;
        case 'rsh':
          return ins.src === 'x' ? 'A >>= (X & 31);' : `A >>= ${ins.k & 31};`;
        default:
          return assertNever(op);
      }
    }
    case 'neg':
      return 'A = 0u - A;';
    case 'ja':
      return next(ins.k);
    case 'jmp': {
      const v = ins.src === 'k' ? u(ins.k) : 'X';
      const cond =
        ins.op === 'jeq' ? `A == ${v}` : ins.op === 'jgt' ? `A > ${v}` : ins.op === 'jge' ? `A >= ${v}` : `(A & ${v}) != 0`;
      if (ins.jt === ins.jf) return next(ins.jt);
      return `if (${cond}) ${next(ins.jt)} else ${next(ins.jf)}`;
    }
    case 'ret_k':
      return `return ${u(ins.k)};`;
    case 'ret_a':
      return 'return A;';
    case 'tax':
      return 'X = A;';
    case 'txa':
      return 'A = X;';
    case 'ld_tailzero':
    case 'unknown':
      throw new TranslateError(`instruction ${pc}: ${ins.kind} is not translated`);
    default:
      return assertNever(ins);
  }
}
