/**
 * The eBPF opcode vocabulary (RFC 9669; include/uapi/linux/bpf.h and bpf_common.h), in the
 * kernel's own names. This is the only file of @ea/ebpf that holds raw opcode numbers: the
 * assembler, disassembler, load-time checks, interpreter and cBPF converter import it.
 *
 *   opcode byte of ALU, ALU64, JMP, JMP32:        opcode byte of LD, LDX, ST, STX:
 *     7   6   5   4   3   2   1   0                 7   6   5   4   3   2   1   0
 *   +---------------+---+-----------+             +-----------+-------+-----------+
 *   |   operation   | s |   class   |             |    mode   |  size |   class   |
 *   +---------------+---+-----------+             +-----------+-------+-----------+
 *   s (bit 3): BPF_K = 0 (use imm), BPF_X = 1 (use src register); for BPF_END it picks
 *   BPF_TO_LE (0) or BPF_TO_BE (1).
 *
 *   an instruction (8 bytes, little-endian fields; lddw takes two):
 *   | opcode:8 | dst_reg:4 (low) src_reg:4 (high) | offset:16 signed | imm:32 signed |
 */

// Instruction classes: opcode & 0x07.
/** Names the class of 64-bit immediate loads (lddw) and legacy packet loads (opcode & 0x07). */
export const BPF_LD = 0x00;
/** Names the class of loads from memory into a register (opcode & 0x07). */
export const BPF_LDX = 0x01;
/** Names the class of stores of an immediate to memory (opcode & 0x07). */
export const BPF_ST = 0x02;
/** Names the class of stores of a register to memory, and atomics (opcode & 0x07). */
export const BPF_STX = 0x03;
/** Names the class of 32-bit arithmetic, results zero-extended (opcode & 0x07). */
export const BPF_ALU = 0x04;
/** Names the class of 64-bit jumps, calls and exit (opcode & 0x07). */
export const BPF_JMP = 0x05;
/** Names the class of jumps comparing the low 32 bits (opcode & 0x07). */
export const BPF_JMP32 = 0x06;
/** Names the class of 64-bit arithmetic (opcode & 0x07). */
export const BPF_ALU64 = 0x07;

// Source: opcode & 0x08.
/** Selects the immediate as the source operand (opcode & 0x08). */
export const BPF_K = 0x00;
/** Selects the src register as the source operand (opcode & 0x08). */
export const BPF_X = 0x08;
/** Selects conversion to little-endian in BPF_END (opcode & 0x08). */
export const BPF_TO_LE = 0x00;
/** Selects conversion to big-endian in BPF_END (opcode & 0x08). */
export const BPF_TO_BE = 0x08;

// Sizes: opcode & 0x18.
/** Selects a 32-bit access (opcode & 0x18). */
export const BPF_W = 0x00;
/** Selects a 16-bit access (opcode & 0x18). */
export const BPF_H = 0x08;
/** Selects an 8-bit access (opcode & 0x18). */
export const BPF_B = 0x10;
/** Selects a 64-bit access (opcode & 0x18). */
export const BPF_DW = 0x18;

// Modes: opcode & 0xe0.
/** Selects the 64-bit immediate mode (lddw) (opcode & 0xe0). */
export const BPF_IMM = 0x00;
/** Selects the legacy packet load at a constant offset (opcode & 0xe0). */
export const BPF_ABS = 0x20;
/** Selects the legacy packet load at src + imm (opcode & 0xe0). */
export const BPF_IND = 0x40;
/** Selects a plain memory access at register + offset (opcode & 0xe0). */
export const BPF_MEM = 0x60;
/** Selects a sign-extending memory load (cpu v4) (opcode & 0xe0). */
export const BPF_MEMSX = 0x80;
/** Selects an atomic read-modify-write; the operation is in imm (opcode & 0xe0). */
export const BPF_ATOMIC = 0xc0;

// ALU operations: opcode & 0xf0.
/** Selects add (opcode & 0xf0). */
export const BPF_ADD = 0x00;
/** Selects subtract (opcode & 0xf0). */
export const BPF_SUB = 0x10;
/** Selects multiply (opcode & 0xf0). */
export const BPF_MUL = 0x20;
/** Selects divide; offset 1 makes it signed (opcode & 0xf0). */
export const BPF_DIV = 0x30;
/** Selects or (opcode & 0xf0). */
export const BPF_OR = 0x40;
/** Selects and (opcode & 0xf0). */
export const BPF_AND = 0x50;
/** Selects left shift (opcode & 0xf0). */
export const BPF_LSH = 0x60;
/** Selects logical right shift (opcode & 0xf0). */
export const BPF_RSH = 0x70;
/** Selects negate (opcode & 0xf0). */
export const BPF_NEG = 0x80;
/** Selects modulo; offset 1 makes it signed (opcode & 0xf0). */
export const BPF_MOD = 0x90;
/** Selects xor (opcode & 0xf0). */
export const BPF_XOR = 0xa0;
/** Selects move; offset 8/16/32 makes it a sign-extending move (opcode & 0xf0). */
export const BPF_MOV = 0xb0;
/** Selects arithmetic right shift (opcode & 0xf0). */
export const BPF_ARSH = 0xc0;
/** Selects byte swap: le/be in BPF_ALU, bswap in BPF_ALU64 (opcode & 0xf0). */
export const BPF_END = 0xd0;

// Jump operations: opcode & 0xf0.
/** Selects the unconditional jump (ja; in JMP32 the offset is imm: ja32) (opcode & 0xf0). */
export const BPF_JA = 0x00;
/** Selects jump if equal (opcode & 0xf0). */
export const BPF_JEQ = 0x10;
/** Selects jump if unsigned greater (opcode & 0xf0). */
export const BPF_JGT = 0x20;
/** Selects jump if unsigned greater or equal (opcode & 0xf0). */
export const BPF_JGE = 0x30;
/** Selects jump if dst & src is not zero (opcode & 0xf0). */
export const BPF_JSET = 0x40;
/** Selects jump if not equal (opcode & 0xf0). */
export const BPF_JNE = 0x50;
/** Selects jump if signed greater (opcode & 0xf0). */
export const BPF_JSGT = 0x60;
/** Selects jump if signed greater or equal (opcode & 0xf0). */
export const BPF_JSGE = 0x70;
/** Selects call (helper by imm, local by src 1, callx by register) (opcode & 0xf0). */
export const BPF_CALL = 0x80;
/** Selects return from the current function (opcode & 0xf0). */
export const BPF_EXIT = 0x90;
/** Selects jump if unsigned less (opcode & 0xf0). */
export const BPF_JLT = 0xa0;
/** Selects jump if unsigned less or equal (opcode & 0xf0). */
export const BPF_JLE = 0xb0;
/** Selects jump if signed less (opcode & 0xf0). */
export const BPF_JSLT = 0xc0;
/** Selects jump if signed less or equal (opcode & 0xf0). */
export const BPF_JSLE = 0xd0;

// Atomic operations: the imm of BPF_STX | BPF_ATOMIC.
/** Marks an atomic that returns the old value in src (imm bit). */
export const BPF_FETCH = 0x01;
/** Names the atomic exchange (always fetches) (imm). */
export const BPF_XCHG = 0xe0 | BPF_FETCH;
/** Names the atomic compare-and-exchange with r0 (always fetches) (imm). */
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// Pseudo sources (src_reg) of lddw and call.
/** Marks lddw whose imm is a map file descriptor (src_reg 1). */
export const BPF_PSEUDO_MAP_FD = 1;
/** Marks lddw whose imm is a map fd and next imm an offset into its value (src_reg 2). */
export const BPF_PSEUDO_MAP_VALUE = 2;
/** Marks lddw whose imm is a BTF id of a kernel variable (src_reg 3). */
export const BPF_PSEUDO_BTF_ID = 3;
/** Marks lddw whose imm is the relative address of a subprogram (src_reg 4). */
export const BPF_PSEUDO_FUNC = 4;
/** Marks lddw whose imm is an index into the loader's map array (src_reg 5). */
export const BPF_PSEUDO_MAP_IDX = 5;
/** Marks lddw whose imm is a map index and next imm an offset into its value (src_reg 6). */
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;
/** Marks a call whose imm is the relative offset of a local function (src_reg 1). */
export const BPF_PSEUDO_CALL = 1;
/** Marks a call whose imm is a kernel function's BTF id (src_reg 2). */
export const BPF_PSEUDO_KFUNC_CALL = 2;

// The fields of the opcode byte.
/** Returns the class bits of an opcode. */
export const BPF_CLASS = (code: number): number => code & 0x07;
/** Returns the size bits of a load/store opcode. */
export const BPF_SIZE = (code: number): number => code & 0x18;
/** Returns the mode bits of a load/store opcode. */
export const BPF_MODE = (code: number): number => code & 0xe0;
/** Returns the operation bits of an ALU or jump opcode. */
export const BPF_OP = (code: number): number => code & 0xf0;
/** Returns the source bit of an ALU or jump opcode. */
export const BPF_SRC = (code: number): number => code & 0x08;

// Limits (include/linux/bpf.h, kernel/bpf/verifier.c).
/** Bytes of stack per function frame (MAX_BPF_STACK). */
export const MAX_BPF_STACK = 512;
/** Frames a call chain may hold, the entry function included (MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
/** Registers r0-r10 (MAX_BPF_REG is 11 with the verifier's auxiliary register). */
export const BPF_REG_COUNT = 11;
/** The read-only frame pointer. */
export const BPF_REG_FP = 10;
/** Instructions a program may hold (BPF_COMPLEXITY_LIMIT_INSNS, the privileged limit). */
export const BPF_MAXINSNS_EBPF = 1_000_000;
/** Bytes of one instruction slot. */
export const INSN_BYTES = 8;
