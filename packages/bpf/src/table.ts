/**
 * The kernel's allowed-opcode table (net/core/filter.c: chk_code_allowed, and
 * kernel/seccomp.c: seccomp_check_filter), written once and shared by the
 * decoder, verifier, interpreter, JIT and formatter.
 *
 * Every code not listed here is refused by bpf_check_classic; `seccomp` marks the
 * codes seccomp_check_filter lets through (LD W ABS there has extra offset rules).
 */
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND,
  BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN,
  BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH,
  BPF_ST, BPF_STX, BPF_SUB, BPF_TAILZ, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
} from './opcodes.js';

/** Names an operand source: the constant k or the register X. */
export type Src = 'k' | 'x';
/** Names a load size: word, half word or byte. */
export type LoadSize = 'w' | 'h' | 'b';
/** Names an ALU operation. */
export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'or' | 'and' | 'lsh' | 'rsh' | 'mod' | 'xor';
/** Names a conditional jump. */
export type JmpOp = 'jeq' | 'jgt' | 'jge' | 'jset';

/** What an instruction does, without its operands. */
export type OpShape =
  | { readonly kind: 'ld_imm' } // A = k
  | { readonly kind: 'ld_abs'; readonly size: LoadSize } // A = P[k : size]
  | { readonly kind: 'ld_ind'; readonly size: LoadSize } // A = P[X + k : size]
  | { readonly kind: 'ld_mem' } // A = M[k]
  | { readonly kind: 'ld_len' } // A = len
  | { readonly kind: 'ld_tailzero' } // A = caller's struct bytes [k, usize) all zero ? 1 : 0 (EA only)
  | { readonly kind: 'ldx_imm' } // X = k
  | { readonly kind: 'ldx_mem' } // X = M[k]
  | { readonly kind: 'ldx_len' } // X = len
  | { readonly kind: 'ldx_msh' } // X = 4 * (P[k : 1] & 0xf)
  | { readonly kind: 'st' } // M[k] = A
  | { readonly kind: 'stx' } // M[k] = X
  | { readonly kind: 'alu'; readonly op: AluOp; readonly src: Src } // A = A op (k | X)
  | { readonly kind: 'neg' } // A = -A
  | { readonly kind: 'ja' } // pc += k
  | { readonly kind: 'jmp'; readonly op: JmpOp; readonly src: Src } // pc += (A op (k | X)) ? jt : jf
  | { readonly kind: 'ret_k' } // return k
  | { readonly kind: 'ret_a' } // return A
  | { readonly kind: 'tax' } // X = A
  | { readonly kind: 'txa' }; // A = X

/** Names an instruction shape of the opcode table. */
export type OpKind = OpShape['kind'];

/** Describes one allowed opcode: its shape and which profiles (classic, seccomp, ea) accept it. */
export interface OpcodeInfo {
  readonly code: number;
  readonly shape: OpShape;
  /** In the kernel's chk_code_allowed table (socket filters, and the first seccomp pass). */
  readonly classic: boolean;
  /** Allowed by seccomp_check_filter (LD W ABS additionally needs k < 64, k % 4 == 0). */
  readonly seccomp: boolean;
  /** Allowed by our `ea` profile: seccomp's set plus LD W IND and the tail-zero load. */
  readonly ea: boolean;
}

/** Maps each load size to its width in bits and bytes. */
export const LOAD_SIZES: Readonly<Record<LoadSize, { readonly bits: number; readonly bytes: number }>> = {
  w: { bits: BPF_W, bytes: 4 },
  h: { bits: BPF_H, bytes: 2 },
  b: { bits: BPF_B, bytes: 1 },
};

/** Maps each ALU operation name to its BPF_OP bits. */
export const ALU_OPS: Readonly<Record<AluOp, number>> = {
  add: BPF_ADD, sub: BPF_SUB, mul: BPF_MUL, div: BPF_DIV, or: BPF_OR,
  and: BPF_AND, lsh: BPF_LSH, rsh: BPF_RSH, mod: BPF_MOD, xor: BPF_XOR,
};

/** Maps each conditional jump name to its BPF_OP bits. */
export const JMP_OPS: Readonly<Record<JmpOp, number>> = {
  jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE, jset: BPF_JSET,
};

const SRC_BITS: Readonly<Record<Src, number>> = { k: BPF_K, x: BPF_X };

function buildTable(): ReadonlyMap<number, OpcodeInfo> {
  const table = new Map<number, OpcodeInfo>();
  const add = (code: number, shape: OpShape, seccomp: boolean, ea = seccomp): void => {
    table.set(code, { code, shape, classic: true, seccomp, ea });
  };
  for (const [size, { bits }] of Object.entries(LOAD_SIZES) as [LoadSize, { bits: number }][]) {
    add(BPF_LD | bits | BPF_ABS, { kind: 'ld_abs', size }, size === 'w');
    add(BPF_LD | bits | BPF_IND, { kind: 'ld_ind', size }, false, size === 'w');
  }
  add(BPF_LD | BPF_IMM, { kind: 'ld_imm' }, true);
  add(BPF_LD | BPF_MEM, { kind: 'ld_mem' }, true);
  add(BPF_LD | BPF_W | BPF_LEN, { kind: 'ld_len' }, true);
  add(BPF_LDX | BPF_IMM, { kind: 'ldx_imm' }, true);
  add(BPF_LDX | BPF_MEM, { kind: 'ldx_mem' }, true);
  add(BPF_LDX | BPF_W | BPF_LEN, { kind: 'ldx_len' }, true);
  add(BPF_LDX | BPF_B | BPF_MSH, { kind: 'ldx_msh' }, false);
  add(BPF_ST, { kind: 'st' }, true);
  add(BPF_STX, { kind: 'stx' }, true);
  for (const [op, bits] of Object.entries(ALU_OPS) as [AluOp, number][]) {
    for (const [src, srcBits] of Object.entries(SRC_BITS) as [Src, number][]) {
      add(BPF_ALU | bits | srcBits, { kind: 'alu', op, src }, op !== 'mod');
    }
  }
  add(BPF_ALU | BPF_NEG, { kind: 'neg' }, true);
  add(BPF_JMP | BPF_JA, { kind: 'ja' }, true);
  for (const [op, bits] of Object.entries(JMP_OPS) as [JmpOp, number][]) {
    for (const [src, srcBits] of Object.entries(SRC_BITS) as [Src, number][]) {
      add(BPF_JMP | bits | srcBits, { kind: 'jmp', op, src }, true);
    }
  }
  add(BPF_RET | BPF_K, { kind: 'ret_k' }, true);
  add(BPF_RET | BPF_A, { kind: 'ret_a' }, true);
  add(BPF_MISC | BPF_TAX, { kind: 'tax' }, true);
  add(BPF_MISC | BPF_TXA, { kind: 'txa' }, true);
  const tailzero = BPF_LD | BPF_W | BPF_TAILZ;
  table.set(tailzero, { code: tailzero, shape: { kind: 'ld_tailzero' }, classic: false, seccomp: false, ea: true });
  return table;
}

/** The 49 codes bpf_check_classic accepts plus our EA tail-zero load, keyed by the full 16-bit code. */
export const OPCODES: ReadonlyMap<number, OpcodeInfo> = buildTable();

/** Returns the code for an instruction shape (the inverse of OPCODES). */
export function codeOf(shape: OpShape): number {
  const code = CODE_BY_SHAPE.get(shapeKey(shape));
  if (code === undefined) throw new Error(`no opcode for ${shapeKey(shape)}`);
  return code;
}

function shapeKey(shape: OpShape): string {
  switch (shape.kind) {
    case 'ld_abs':
    case 'ld_ind':
      return `${shape.kind}.${shape.size}`;
    case 'alu':
    case 'jmp':
      return `${shape.kind}.${shape.op}.${shape.src}`;
    default:
      return shape.kind;
  }
}

const CODE_BY_SHAPE: ReadonlyMap<string, number> = new Map(
  [...OPCODES.values()].map((info) => [shapeKey(info.shape), info.code]),
);
