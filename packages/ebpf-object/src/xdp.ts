/**
 * The XDP context. A program reads `struct xdp_md`'s data, data_end and data_meta as u32 fields
 * and uses them as packet pointers; the kernel's verifier knows which register holds the context
 * and rewrites those loads into loads of the real 64-bit pointers (xdp_convert_ctx_access). We do
 * the same without a verifier: a forward data-flow pass finds, for each `ldxw rD, [rS + 0|4|8]`,
 * whether rS holds the context on every path (entry r1, copies by `mov`, arguments of local
 * calls), and rewrites that load to `ldxdw rD, [rS + 24|32|40]`, where our context region keeps
 * the 64-bit pointers into the packet region after the 24 bytes of xdp_md. A load the pass cannot
 * prove reads the plain u32 field, a small integer whose region tag is 0: any access through it is
 * an `out_of_bounds` error, so the program fails closed.
 */
import { branchTarget, type CheckedProgram, encode, type Insn, load, REGION_EXTRA, writtenRegister } from '@ea/ebpf';

/** XDP return codes (enum xdp_action). */
export const XDP_ACTIONS = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'] as const;

/** Bytes of our XDP context region: xdp_md (24) then data, data_end, data_meta as 64-bit pointers. */
export const XDP_CTX_BYTES = 48;
/** xdp_md's data, data_end, data_meta (u32 fields) to where our context keeps the 64-bit pointers. */
const XDP_POINTERS: Readonly<Record<number, number>> = { 0: 24, 4: 32, 8: 40 };

/**
 * Returns the pcs of `ldxw` loads of pointer fields (`fields`' keys: xdp_md's data, data_end,
 * data_meta by default; __sk_buff's for tc) from a register proven to hold the context.
 */
export function contextLoads(program: CheckedProgram, fields: Readonly<Record<number, number>> = XDP_POINTERS): number[] {
  const insns = program.insns;
  const state = new Map<number, number>([[0, 1 << 1]]);
  const work = [0];
  const flow = (pc: number, mask: number): void => {
    if (pc < 0 || pc >= insns.length) return;
    const old = state.get(pc);
    const merged = old === undefined ? mask : old & mask;
    if (merged !== old) {
      state.set(pc, merged);
      work.push(pc);
    }
  };
  while (work.length > 0) {
    const pc = work.pop()!;
    const insn = insns[pc] as Insn;
    const mask = state.get(pc)!;
    let out = mask;
    const written = writtenRegister(insn);
    if (insn.kind === 'call' || insn.kind === 'callx' || insn.kind === 'call_local') out &= ~0b111111;
    else if (insn.kind === 'alu' && insn.op === 'mov' && insn.width === 64 && 'reg' in insn.src) {
      out = (mask >> insn.src.reg) & 1 ? out | (1 << insn.dst) : out & ~(1 << insn.dst);
    } else if (written !== null) out &= ~(1 << written);
    if (insn.kind === 'exit') continue;
    const target = branchTarget(insn, pc);
    if (insn.kind === 'call_local') {
      if (target !== null) flow(target, mask & 0b111110);
      flow(pc + 1, out);
      continue;
    }
    if (target !== null) flow(target, out);
    if (insn.kind !== 'ja') flow(pc + (insn.kind === 'lddw' ? 2 : 1), out);
  }
  const loads: number[] = [];
  insns.forEach((insn, pc) => {
    if (insn?.kind === 'ldx' && insn.size === 'w' && !insn.signed && fields[insn.off] !== undefined && ((state.get(pc) ?? 0) >> insn.src) & 1) loads.push(pc);
  });
  return loads;
}

/** Returns the program with its context pointer loads rewritten (see the module comment). */
export function rewriteXdp(bytes: Uint8Array): CheckedProgram {
  return rewriteContextPointers(load(bytes), XDP_POINTERS);
}

/**
 * Returns the program with each proven `ldxw rD, [ctx + field]` of `fields` turned into
 * `ldxdw rD, [ctx + fields[field]]`, the 64-bit pointer our context keeps there (what the
 * kernel's convert_ctx_access does for xdp_md and __sk_buff's data pointers).
 */
export function rewriteContextPointers(program: CheckedProgram, fields: Readonly<Record<number, number>>): CheckedProgram {
  const loads = new Set(contextLoads(program, fields));
  if (loads.size === 0) return program;
  const insns = program.insns.flatMap((insn, pc): Insn[] => {
    if (insn === undefined) return [];
    return loads.has(pc) && insn.kind === 'ldx' ? [{ ...insn, size: 'dw', off: fields[insn.off]! }] : [insn];
  });
  return load(encode(insns));
}

/** Fills an XDP context for a packet in extra region `packetRegion`. */
export function xdpContext(ctx: Uint8Array, packetLength: number, packetRegion: number): void {
  writeXdpContext(new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength), packetLength, packetRegion);
}

/**
 * Fills an XDP context through a view the caller keeps, run after run: the pointers are written as their
 * two 32-bit halves (tag above, offset below; see @ea/ebpf's memory.ts), so no BigInt is made.
 */
export function writeXdpContext(v: DataView, packetLength: number, packetRegion: number): void {
  const tag = REGION_EXTRA + packetRegion;
  v.setUint32(0, 0, true);
  v.setUint32(4, packetLength, true);
  v.setUint32(8, 0, true);
  v.setUint32(24, 0, true); // data
  v.setUint32(28, tag, true);
  v.setUint32(32, packetLength, true); // data_end
  v.setUint32(36, tag, true);
  v.setUint32(40, 0, true); // data_meta
  v.setUint32(44, tag, true);
}
