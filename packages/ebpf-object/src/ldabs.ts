/**
 * Legacy packet loads (LD_ABS, LD_IND) of socket and tc programs, rewritten as the kernel's
 * verifier does for an eBPF program (bpf_gen_ld_abs, called from do_misc_fixups): each becomes
 *
 *     r2 = imm               (LD_IND: r2 = src; r2 += imm)
 *     call skb_load_{b,h,w}  (the value in network byte order, zero-extended, or -EFAULT)
 *     if r0 s>= 0 goto +2
 *     w0 ^= w0               (a load outside the packet ends the program with r0 = 0)
 *     exit
 *
 * The engines' own LD_ABS reads the context region, which for these program types is the
 * `__sk_buff`, not the packet; after this rewrite the load goes through a helper that reads the
 * packet as `bpf_skb_load_helper_8/16/32` do (skb.ts). Like the kernel's rewrite it clobbers r2
 * (the verifier makes r1-r5 unreadable after a legacy load anyway). Jumps and local calls are
 * re-aimed at the moved instructions.
 */
import { branchTarget, type CheckedProgram, EbpfLoadError, encode, type Insn, load } from '@ea/ebpf';

/**
 * Helper ids of our packet loads (1, 2 and 4 bytes): above any kernel helper id (the kernel's are
 * below 300), so they never shadow one. A program may call them directly; they only read the packet.
 */
export const SKB_LOAD_HELPERS = { b: 0x7ffff001, h: 0x7ffff002, w: 0x7ffff004 } as const;

/** Returns the instructions that replace one legacy load. */
function expansion(insn: Extract<Insn, { kind: 'ldabs' | 'ldind' }>): Insn[] {
  const offset: Insn[] = insn.kind === 'ldabs'
    ? [{ kind: 'alu', width: 64, op: 'mov', dst: 2, src: { imm: insn.imm } }]
    : [
        { kind: 'alu', width: 64, op: 'mov', dst: 2, src: { reg: insn.src } },
        ...(insn.imm === 0 ? [] : [{ kind: 'alu', width: 64, op: 'add', dst: 2, src: { imm: insn.imm } } as const]),
      ];
  return [
    ...offset,
    { kind: 'call', helper: SKB_LOAD_HELPERS[insn.size] },
    { kind: 'jmp', width: 64, op: 'jsge', dst: 0, src: { imm: 0 }, off: 2 },
    { kind: 'alu', width: 32, op: 'xor', dst: 0, src: { reg: 0 } },
    { kind: 'exit' },
  ];
}

/** Returns the program with its legacy packet loads rewritten (the program itself when it has none). */
export function rewriteLegacyLoads(program: CheckedProgram): CheckedProgram {
  const insns = program.insns;
  if (!insns.some((i) => i?.kind === 'ldabs' || i?.kind === 'ldind')) return program;
  // New slot of each old pc (and of the end), then every branch re-aimed through it.
  const at: number[] = [];
  let next = 0;
  insns.forEach((insn, pc) => {
    at[pc] = next;
    if (insn === undefined) return;
    next += insn.kind === 'ldabs' || insn.kind === 'ldind' ? expansion(insn).length : insn.kind === 'lddw' ? 2 : 1;
  });
  at[insns.length] = next;
  const out: Insn[] = [];
  insns.forEach((insn, pc) => {
    if (insn === undefined) return;
    if (insn.kind === 'ldabs' || insn.kind === 'ldind') {
      out.push(...expansion(insn));
      return;
    }
    const target = branchTarget(insn, pc);
    if (target === null || (insn.kind !== 'ja' && insn.kind !== 'jmp' && insn.kind !== 'call_local')) {
      out.push(insn);
      return;
    }
    const off = at[target]! - (at[pc]! + 1);
    const long = insn.kind === 'ja' && insn.long;
    if (!long && (off < -32768 || off > 32767)) {
      throw new EbpfLoadError('jump_out_of_range', pc, `after expanding legacy packet loads the jump is ${off} slots, past a 16-bit offset`);
    }
    out.push({ ...insn, off });
  });
  return load(encode(out));
}
