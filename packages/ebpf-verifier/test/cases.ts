/**
 * Hand-written verifier cases: the common accepts and the rejects the kernel is known for, each
 * with our expected verdict (`accept` or `reason@pc`). The same cases are loaded into the running
 * kernel by kernel.test.ts, which compares the verdicts case by case. Maps are named by index in
 * `lddw %rN, pseudo 1, IDX` (a map) and `lddw %rN, map_value IDX, OFF` (a pointer into its value).
 */
import type { MapShape, ProgType } from '@ea/ebpf-verifier';

/** Is one case. */
export interface VerifierCase {
  readonly name: string;
  readonly progType: Exclude<ProgType, 'raw'>;
  readonly asm: string;
  readonly maps?: readonly MapShape[];
  readonly privileged?: boolean;
  readonly license?: string;
  /** `accept`, or our refusal as `reason@pc`. */
  readonly expect: string;
}

const HASH = { type: 1, keySize: 4, valueSize: 8, maxEntries: 16 };
const ARRAY64 = { type: 2, keySize: 4, valueSize: 64, maxEntries: 4 };
const PROG_ARRAY = { type: 3, keySize: 4, valueSize: 4, maxEntries: 4 };
const GLOBAL = { type: 2, keySize: 4, valueSize: 16, maxEntries: 1 };

/** The packet prologue: r2 = data, r3 = data_end. */
const PKT = 'ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\n';
/** A lookup of key 0 in map 0: r0 = value or NULL. */
const LOOKUP = 'mov %r1, 0\nstxw [%r10-4], %r1\nlddw %r1, pseudo 1, 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\n';

export const CASES: readonly VerifierCase[] = [
  // Accepted.
  { name: 'return constant', progType: 'xdp', asm: 'mov %r0, 2\nexit', expect: 'accept' },
  { name: 'packet read after data_end check', progType: 'xdp', asm: `${PKT}mov %r4, %r2\nadd %r4, 14\njgt %r4, %r3, out\nldxb %r0, [%r2+13]\nexit\nout:\nmov %r0, 2\nexit`, expect: 'accept' },
  { name: 'packet read after strict < check (range off + 1)', progType: 'xdp', asm: `${PKT}mov %r4, %r2\nadd %r4, 14\njlt %r4, %r3, ok\nmov %r0, 2\nexit\nok:\nldxb %r0, [%r2+14]\nexit`, expect: 'accept' },
  { name: 'packet check with data_end on the left', progType: 'xdp', asm: `${PKT}mov %r4, %r2\nadd %r4, 8\njge %r3, %r4, ok\nmov %r0, 1\nexit\nok:\nldxdw %r0, [%r2+0]\nexit`, expect: 'accept' },
  { name: 'map lookup checked for NULL', progType: 'xdp', maps: [HASH], asm: `${LOOKUP}jeq %r0, 0, out\nldxdw %r0, [%r0+0]\nexit\nout:\nexit`, expect: 'accept' },
  { name: 'array lookup with a constant key in range needs no NULL check', progType: 'xdp', maps: [ARRAY64], asm: 'mov %r1, 0\nstw [%r10-4], 0\nlddw %r1, pseudo 1, 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxdw %r0, [%r0+0]\nexit', expect: 'accept' },
  { name: 'NULL check through a copy', progType: 'xdp', maps: [HASH], asm: `${LOOKUP}mov %r6, %r0\njne %r6, 0, ok\nmov %r0, 0\nexit\nok:\nldxdw %r0, [%r0+0]\nexit`, expect: 'accept' },
  { name: 'bounded loop of 100 turns', progType: 'xdp', asm: 'mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 100, loop\nexit', expect: 'accept' },
  { name: 'stack written then read', progType: 'xdp', asm: 'mov %r1, 7\nstxdw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit', expect: 'accept' },
  { name: 'spilled pointer filled back', progType: 'xdp', asm: `${PKT}stxdw [%r10-8], %r2\nldxdw %r4, [%r10-8]\nmov %r5, %r4\nadd %r5, 1\njgt %r5, %r3, out\nldxb %r0, [%r4+0]\nexit\nout:\nmov %r0, 1\nexit`, expect: 'accept' },
  { name: 'uninitialised stack read as root', progType: 'xdp', asm: 'ldxdw %r0, [%r10-8]\nexit', expect: 'accept' },
  { name: 'map value, masked variable offset', progType: 'xdp', maps: [ARRAY64], asm: `${LOOKUP}jeq %r0, 0, out\nldxdw %r1, [%r0+0]\nand %r1, 7\nlsh %r1, 3\nadd %r0, %r1\nldxdw %r0, [%r0+0]\nexit\nout:\nexit`, expect: 'accept' },
  { name: 'map value, variable offset bounded by a branch', progType: 'xdp', maps: [ARRAY64], asm: `${LOOKUP}jeq %r0, 0, out\nldxdw %r1, [%r0+0]\njgt %r1, 56, out\nadd %r0, %r1\nldxdw %r0, [%r0+0]\nexit\nout:\nmov %r0, 0\nexit`, expect: 'accept' },
  { name: 'map update from the stack', progType: 'xdp', maps: [HASH], asm: 'mov %r1, 0\nstxw [%r10-4], %r1\nstxdw [%r10-16], %r1\nlddw %r1, pseudo 1, 0\nmov %r2, %r10\nadd %r2, -4\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 0\ncall 2\nexit', expect: 'accept' },
  { name: 'ktime_get_ns', progType: 'xdp', asm: 'call 5\nexit', expect: 'accept' },
  { name: 'tail call through a program array', progType: 'xdp', maps: [PROG_ARRAY], asm: 'lddw %r2, pseudo 1, 0\nmov %r3, 0\ncall 12\nmov %r0, 2\nexit', expect: 'accept' },
  { name: 'global data through map_value', progType: 'xdp', maps: [GLOBAL], asm: 'lddw %r1, map_value 0, 8\nldxdw %r0, [%r1+0]\nexit', expect: 'accept' },
  { name: 'subprogram call', progType: 'xdp', asm: 'mov %r1, 3\ncall local sub\nexit\nsub:\nmov %r0, %r1\nadd %r0, 1\nexit', expect: 'accept' },
  { name: 'packet length by pointer subtraction (root)', progType: 'xdp', asm: `${PKT}mov %r0, %r3\nsub %r0, %r2\nexit`, expect: 'accept' },
  { name: 'socket filter LD_ABS', progType: 'socket_filter', asm: 'mov %r6, %r1\nldabsh 12\nexit', expect: 'accept' },
  { name: 'socket filter reads skb->len and a narrow field', progType: 'socket_filter', asm: 'ldxw %r0, [%r1+0]\nldxb %r2, [%r1+16]\nadd %r0, %r2\nexit', expect: 'accept' },
  { name: 'socket filter writes cb[0]', progType: 'socket_filter', asm: 'mov %r2, 1\nstxw [%r1+48], %r2\nmov %r0, 0\nexit', expect: 'accept' },
  { name: 'dead branch never explored', progType: 'xdp', asm: 'mov %r0, 1\njeq %r0, 1, ok\nldxdw %r0, [%r5+0]\nok:\nexit', expect: 'accept' },
  // Refused.
  { name: 'packet read without data_end check', progType: 'xdp', asm: `${PKT}ldxb %r0, [%r2+0]\nexit`, expect: 'packet_access@2' },
  { name: 'packet read one byte past the check', progType: 'xdp', asm: `${PKT}mov %r4, %r2\nadd %r4, 14\njgt %r4, %r3, out\nldxb %r0, [%r2+14]\nexit\nout:\nmov %r0, 2\nexit`, expect: 'packet_access@5' },
  { name: 'packet read on the wrong side of the check', progType: 'xdp', asm: `${PKT}mov %r4, %r2\nadd %r4, 4\njle %r4, %r3, ok\nldxw %r0, [%r2+0]\nexit\nok:\nmov %r0, 2\nexit`, expect: 'packet_access@5' },
  { name: 'map value used without NULL check', progType: 'xdp', maps: [HASH], asm: `${LOOKUP}ldxdw %r0, [%r0+0]\nexit`, expect: 'invalid_mem@7' },
  { name: 'array lookup with a constant key past max_entries', progType: 'xdp', maps: [ARRAY64], asm: 'mov %r1, 0\nstw [%r10-4], 4\nlddw %r1, pseudo 1, 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxdw %r0, [%r0+0]\nexit', expect: 'invalid_mem@7' },
  { name: 'arithmetic on map_value_or_null', progType: 'xdp', maps: [HASH], asm: `${LOOKUP}add %r0, 4\nmov %r0, 0\nexit`, expect: 'ptr_arith@7' },
  { name: 'uninitialised stack read (CAP_BPF, no CAP_PERFMON)', progType: 'xdp', privileged: false, asm: 'ldxdw %r0, [%r10-8]\nexit', expect: 'stack_access@0' },
  { name: 'uninitialised map key (CAP_BPF)', progType: 'xdp', privileged: false, maps: [HASH], asm: 'lddw %r1, pseudo 1, 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\nmov %r0, 0\nexit', expect: 'stack_access@4' },
  { name: 'xdp ctx read at a bad offset', progType: 'xdp', asm: 'ldxw %r0, [%r1+2]\nexit', expect: 'ctx_access@0' },
  { name: 'xdp ctx read past xdp_md', progType: 'xdp', asm: 'ldxw %r0, [%r1+24]\nexit', expect: 'ctx_access@0' },
  { name: 'xdp ctx 8-byte read', progType: 'xdp', asm: 'ldxdw %r0, [%r1+0]\nexit', expect: 'ctx_access@0' },
  { name: 'xdp ctx write', progType: 'xdp', asm: 'mov %r2, 0\nstxw [%r1+12], %r2\nmov %r0, 0\nexit', expect: 'ctx_access@1' },
  { name: 'socket filter reads skb->data', progType: 'socket_filter', asm: 'ldxw %r0, [%r1+76]\nexit', expect: 'ctx_access@0' },
  { name: 'socket filter writes skb->mark', progType: 'socket_filter', asm: 'mov %r2, 1\nstxw [%r1+8], %r2\nmov %r0, 0\nexit', expect: 'ctx_access@1' },
  { name: 'modified ctx pointer dereferenced', progType: 'xdp', asm: 'add %r1, 4\nldxw %r0, [%r1+0]\nexit', expect: 'ctx_access@1' },
  { name: 'infinite loop', progType: 'xdp', asm: 'mov %r0, 0\nloop:\njeq %r0, 0, loop\nexit', expect: 'infinite_loop@1' },
  { name: 'loop without a bound', progType: 'xdp', asm: 'mov %r0, 0\nloop:\nadd %r0, 1\njne %r0, 0, loop\nexit', expect: 'too_large@2' },
  { name: 'helper given a scalar for the map', progType: 'xdp', asm: 'mov %r1, 0\nstxw [%r10-4], %r1\nmov %r2, %r10\nadd %r2, -4\ncall 1\nmov %r0, 0\nexit', expect: 'helper_arg@4' },
  { name: 'helper given the ctx for the key', progType: 'xdp', maps: [HASH], asm: 'mov %r2, %r1\nlddw %r1, pseudo 1, 0\ncall 1\nmov %r0, 0\nexit', expect: 'helper_arg@3' },
  { name: 'tail call through a hash map', progType: 'xdp', maps: [HASH], asm: 'lddw %r2, pseudo 1, 0\nmov %r3, 0\ncall 12\nmov %r0, 2\nexit', expect: 'helper_arg@3' },
  { name: 'trace_printk from a non-GPL program', progType: 'xdp', license: 'Proprietary', asm: 'mov %r1, 0\nstxdw [%r10-8], %r1\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 6\nexit', expect: 'gpl@5' },
  { name: 'unknown helper', progType: 'xdp', asm: 'call 9999\nexit', expect: 'unknown_helper@0' },
  { name: 'write to r10', progType: 'xdp', asm: 'mov %r10, 0\nmov %r0, 0\nexit', expect: 'write_fp@0' },
  { name: 'read of an unwritten register', progType: 'xdp', asm: 'mov %r0, %r5\nexit', expect: 'not_init@0' },
  { name: 'r0 unwritten at exit', progType: 'xdp', asm: 'exit', expect: 'not_init@0' },
  { name: 'caller-saved register read after a call', progType: 'xdp', asm: 'mov %r1, 1\ncall 5\nmov %r0, %r1\nexit', expect: 'not_init@2' },
  { name: 'unreachable instruction', progType: 'xdp', asm: 'mov %r0, 0\nexit\nmov %r0, 1\nexit', expect: 'unreachable@2' },
  { name: 'jump out of range', progType: 'xdp', asm: 'mov %r0, 0\nja +5\nexit', expect: 'jump_out_of_range@1' },
  { name: 'stack access below the frame', progType: 'xdp', asm: 'mov %r0, 0\nstxdw [%r10-520], %r0\nexit', expect: 'stack_access@1' },
  { name: 'misaligned stack access', progType: 'xdp', asm: 'mov %r0, 0\nstxdw [%r10-12], %r0\nexit', expect: 'stack_access@1' },
  { name: 'map value read past value_size', progType: 'xdp', maps: [HASH], asm: `${LOOKUP}jeq %r0, 0, out\nldxdw %r0, [%r0+8]\nexit\nout:\nexit`, expect: 'map_access@8' },
  { name: 'map value, unbounded variable offset', progType: 'xdp', maps: [ARRAY64], asm: `${LOOKUP}jeq %r0, 0, out\nldxdw %r1, [%r0+0]\nadd %r0, %r1\nldxdw %r0, [%r0+0]\nexit\nout:\nexit`, expect: 'ptr_arith@9' },
  { name: 'map value, offset bounded too loosely', progType: 'xdp', maps: [ARRAY64], asm: `${LOOKUP}jeq %r0, 0, out\nldxdw %r1, [%r0+0]\njgt %r1, 60, out\nadd %r0, %r1\nldxdw %r0, [%r0+0]\nexit\nout:\nmov %r0, 0\nexit`, expect: 'map_access@11' },
  { name: 'pointer multiplied', progType: 'xdp', asm: 'mov %r0, %r10\nmul %r0, 2\nexit', expect: 'ptr_arith@1' },
  { name: 'pointer added to pointer', progType: 'xdp', asm: 'mov %r0, %r10\nadd %r0, %r1\nexit', expect: 'ptr_arith@1' },
  { name: '32-bit pointer arithmetic', progType: 'xdp', asm: 'mov %r0, %r10\nadd32 %r0, 4\nexit', expect: 'ptr_arith@1' },
  { name: 'arithmetic on data_end', progType: 'xdp', asm: `${PKT}add %r3, 1\nmov %r0, 0\nexit`, expect: 'ptr_arith@2' },
  { name: 'data_end dereferenced', progType: 'xdp', asm: `${PKT}ldxb %r0, [%r3+0]\nexit`, expect: 'invalid_mem@2' },
  { name: 'scalar dereferenced', progType: 'xdp', asm: 'mov %r1, 4096\nldxb %r0, [%r1+0]\nexit', expect: 'invalid_mem@1' },
  { name: 'LD_ABS in an XDP program', progType: 'xdp', asm: 'mov %r6, %r1\nldabsb 0\nexit', expect: 'ld_abs@1' },
  { name: 'LD_ABS without the skb in r6', progType: 'socket_filter', asm: 'mov %r6, 0\nldabsb 0\nexit', expect: 'ld_abs@1' },
  { name: 'subprogram returns its stack pointer', progType: 'xdp', asm: 'call local sub\nmov %r0, 0\nexit\nsub:\nmov %r0, %r10\nadd %r0, -8\nexit', expect: 'invalid_mem@5' },
  { name: 'shift by 64', progType: 'xdp', asm: 'mov %r0, 1\nlsh %r0, 64\nexit', expect: 'alu@1' },
  { name: 'pointer stored into a map (CAP_BPF)', progType: 'xdp', privileged: false, maps: [HASH], asm: `${LOOKUP}jeq %r0, 0, out\nstxdw [%r0+0], %r10\nout:\nmov %r0, 0\nexit`, expect: 'leak@8' },
  { name: 'pointer returned (CAP_BPF)', progType: 'xdp', privileged: false, asm: 'mov %r0, %r10\nexit', expect: 'leak@1' },
  { name: 'pointer comparison (CAP_BPF)', progType: 'xdp', privileged: false, asm: 'mov %r0, 0\njgt %r10, 5, out\nout:\nexit', expect: 'ptr_arith@1' },
];
