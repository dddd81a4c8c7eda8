/**
 * Conditional jumps (check_cond_jmp_op in kernel/bpf/verifier.c): decide a branch from what is
 * known (is_branch_taken), and narrow each side with what its condition says — scalar ranges
 * (reg_set_min_max, shared by linked copies), NULL checks of map lookups (mark_ptr_or_null_regs)
 * and packet ranges from comparisons with data_end (try_match_pkt_pointers,
 * find_good_pkt_pointers: `pkt + N <= data_end` makes N bytes readable through every pointer with
 * the same id; `pkt + N < data_end` makes N + 1).
 */
import { assertNever, type JmpOp, type Width } from '@ea/ebpf';
import { MAX_PACKET_OFF } from './machine.js';
import { type Bounds, isConst, isEmpty, known, sync, zext32 } from './scalar.js';
import { isPacket, isPointer, mapRegs, maybeNull, type Reg, scalar, type State } from './state.js';
import { tnumIntersect, U64_MAX } from './tnum.js';

/** The condition that holds on the fall-through side. */
export const NEGATE: Record<JmpOp, JmpOp | null> = {
  jeq: 'jne', jne: 'jeq', jgt: 'jle', jle: 'jgt', jge: 'jlt', jlt: 'jge', jsgt: 'jsle', jsle: 'jsgt', jsge: 'jslt', jslt: 'jsge', jset: null,
};
/** The same condition with its operands swapped. */
const FLIP: Record<JmpOp, JmpOp> = {
  jeq: 'jeq', jne: 'jne', jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge', jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge', jset: 'jset',
};

/** The 32-bit view of a 64-bit range, as unsigned and signed ranges. */
function low32(b: Bounds): Bounds {
  const z = zext32(b);
  const sign = 1n << 31n;
  if (z.umax < sign) return { ...z, smin: z.umin, smax: z.umax };
  if (z.umin >= sign) return { ...z, smin: z.umin - (1n << 32n), smax: z.umax - (1n << 32n) };
  return { ...z, smin: -sign, smax: sign - 1n };
}

/** Decides a comparison of scalars (is_branch_taken): true, false, or null when either can happen. */
export function branchTaken(op: JmpOp, width: Width, a0: Bounds, b0: Bounds): boolean | null {
  const a = width === 64 ? a0 : low32(a0);
  const b = width === 64 ? b0 : low32(b0);
  switch (op) {
    case 'jeq':
    case 'jne': {
      const differ = a.umax < b.umin || a.umin > b.umax || a.smax < b.smin || a.smin > b.smax ||
        ((a.tn.value ^ b.tn.value) & ~(a.tn.mask | b.tn.mask) & U64_MAX) !== 0n;
      const equal = isConst(a) && isConst(b) && a.tn.value === b.tn.value;
      const r = equal ? true : differ ? false : null;
      return r === null ? null : op === 'jeq' ? r : !r;
    }
    case 'jgt': return a.umin > b.umax ? true : a.umax <= b.umin ? false : null;
    case 'jge': return a.umin >= b.umax ? true : a.umax < b.umin ? false : null;
    case 'jlt': return a.umax < b.umin ? true : a.umin >= b.umax ? false : null;
    case 'jle': return a.umax <= b.umin ? true : a.umin > b.umax ? false : null;
    case 'jsgt': return a.smin > b.smax ? true : a.smax <= b.smin ? false : null;
    case 'jsge': return a.smin >= b.smax ? true : a.smax < b.smin ? false : null;
    case 'jslt': return a.smax < b.smin ? true : a.smin >= b.smax ? false : null;
    case 'jsle': return a.smax <= b.smin ? true : a.smin > b.smax ? false : null;
    case 'jset':
      if ((a.tn.value & b.tn.value) !== 0n) return true;
      return ((a.tn.value | a.tn.mask) & (b.tn.value | b.tn.mask)) === 0n ? false : null;
    default:
      return assertNever(op);
  }
}

const maxB = (x: bigint, y: bigint): bigint => (x > y ? x : y);
const minB = (x: bigint, y: bigint): bigint => (x < y ? x : y);

/** reg_set_min_max: narrows `a op b` (64-bit) assuming it holds; returns the new [a, b]. */
function assume(op: JmpOp, a: Bounds, b: Bounds): [Bounds, Bounds] {
  switch (op) {
    case 'jeq': {
      const both = sync({ umin: maxB(a.umin, b.umin), umax: minB(a.umax, b.umax), smin: maxB(a.smin, b.smin), smax: minB(a.smax, b.smax), tn: tnumIntersect(a.tn, b.tn) });
      return [both, both];
    }
    case 'jne': {
      if (!isConst(b)) return [a, b];
      const v = b.tn.value;
      const sv = BigInt.asIntN(64, v);
      const n = { ...a };
      if (n.umin === v) n.umin = v + 1n;
      if (n.umax === v) n.umax = v - 1n;
      if (n.smin === sv) n.smin = sv + 1n;
      if (n.smax === sv) n.smax = sv - 1n;
      return [sync(n), b];
    }
    case 'jgt': return [sync({ ...a, umin: maxB(a.umin, b.umin + 1n) }), sync({ ...b, umax: minB(b.umax, a.umax - 1n) })];
    case 'jge': return [sync({ ...a, umin: maxB(a.umin, b.umin) }), sync({ ...b, umax: minB(b.umax, a.umax) })];
    case 'jlt': return [sync({ ...a, umax: minB(a.umax, b.umax - 1n) }), sync({ ...b, umin: maxB(b.umin, a.umin + 1n) })];
    case 'jle': return [sync({ ...a, umax: minB(a.umax, b.umax) }), sync({ ...b, umin: maxB(b.umin, a.umin) })];
    case 'jsgt': return [sync({ ...a, smin: maxB(a.smin, b.smin + 1n) }), sync({ ...b, smax: minB(b.smax, a.smax - 1n) })];
    case 'jsge': return [sync({ ...a, smin: maxB(a.smin, b.smin) }), sync({ ...b, smax: minB(b.smax, a.smax) })];
    case 'jslt': return [sync({ ...a, smax: minB(a.smax, b.smax - 1n) }), sync({ ...b, smin: maxB(b.smin, a.smin + 1n) })];
    case 'jsle': return [sync({ ...a, smax: minB(a.smax, b.smax) }), sync({ ...b, smin: maxB(b.smin, a.smin) })];
    case 'jset': return [a, b];
    default: return assertNever(op);
  }
}

/** Returns the bounds a condition leaves on each operand, or null when it cannot hold. */
export function narrow(op: JmpOp | null, width: Width, a: Bounds, b: Bounds, negatedJset: boolean): [Bounds, Bounds] | null {
  if (op === null) {
    // !(a & b) with b known: those bits of a are 0.
    if (!negatedJset || !isConst(b)) return [a, b];
    const keep = ~b.tn.value & U64_MAX;
    const r = sync({ ...a, tn: { value: a.tn.value & keep, mask: a.tn.mask & keep } });
    return isEmpty(r) ? null : [r, b];
  }
  if (width === 32) {
    // Narrow only when the 32-bit comparison is the 64-bit one: both values below 2^31
    // (then unsigned and signed, 32 and 64 bits all agree).
    if (a.umax >= 1n << 31n || b.umax >= 1n << 31n) return [a, b];
  }
  const [x, y] = assume(op, a, b);
  if (isEmpty(x) || isEmpty(y)) return null;
  return [x, y];
}

/** Copies narrowed bounds to every register linked to `reg` (same id): sync_linked_regs. */
export function setScalar(state: State, frame: Reg[], regno: number, b: Bounds): void {
  const reg = frame[regno]!;
  if (reg.type !== 'scalar') return;
  if (reg.id === 0 || isConst(b)) {
    frame[regno] = scalar(b, isConst(b) ? 0 : reg.id);
    if (reg.id === 0) return;
  }
  mapRegs(state, (r) => (r.type === 'scalar' && r.id === reg.id ? scalar(b, r.id) : r));
}

/** Marks the NULL-checked pointer (and its copies): `isNull` the NULL side, else the non-NULL side. */
export function markNull(state: State, id: number, isNull: boolean): void {
  mapRegs(state, (r) => {
    if (r.type !== 'map_value_or_null' || r.id !== id) return r;
    return isNull ? scalar(known(0n)) : { ...r, type: 'map_value', id: 0 };
  });
}

/** Gives packet pointers their proven range (find_good_pkt_pointers): `ptr` (pkt with fixed offset off) is at most (open: below) data_end. */
export function markPacketRange(state: State, ptr: Reg, open: boolean): void {
  if (ptr.off < 0 || (ptr.off === 0 && open)) return;
  if (ptr.b.umax > BigInt(MAX_PACKET_OFF) || ptr.b.umax + BigInt(ptr.off) > BigInt(MAX_PACKET_OFF)) return;
  const range = ptr.off + (open ? 1 : 0);
  mapRegs(state, (r) => (r.type === ptr.type && r.id === ptr.id && r.range < range ? { ...r, range } : r));
}

/** Is what a pointer comparison tells each side. */
export interface PointerOutcome {
  /** null: both sides possible; true/false: only the taken/fall-through side. */
  readonly taken: boolean | null;
  readonly onTaken?: (s: State) => void;
  readonly onFall?: (s: State) => void;
}

/** Handles comparisons with a pointer operand: NULL checks, packet ranges, non-NULL pointers vs 0. */
export function pointerCompare(op: JmpOp, width: Width, a: Reg, b: Reg): PointerOutcome {
  const zero = (r: Reg): boolean => r.type === 'scalar' && isConst(r.b) && r.b.tn.value === 0n;
  if ((op === 'jeq' || op === 'jne') && width === 64) {
    const [p, other] = isPointer(a) ? [a, b] : [b, a];
    if (zero(other) && isPointer(p)) {
      if (maybeNull(p)) {
        const nullOnTaken = op === 'jeq';
        return { taken: null, onTaken: (s) => markNull(s, p.id, nullOnTaken), onFall: (s) => markNull(s, p.id, !nullOnTaken) };
      }
      return { taken: op === 'jne' };
    }
  }
  if (width === 64) {
    // Normalise to `pkt OP pkt_end`.
    let pkt: Reg | null = null;
    let cond: JmpOp = op;
    if (isPacket(a) && b.type === 'pkt_end') pkt = a;
    else if (a.type === 'pkt_end' && isPacket(b)) {
      pkt = b;
      cond = FLIP[op];
    }
    if (pkt !== null) {
      const p = pkt;
      // On the side where pkt <= end (or pkt < end) holds, the bytes before pkt are readable.
      const le = (open: boolean) => (s: State) => markPacketRange(s, p, open);
      switch (cond) {
        case 'jgt': return { taken: null, onFall: le(false) };
        case 'jle': return { taken: null, onTaken: le(false) };
        case 'jge': return { taken: null, onFall: le(true) };
        case 'jlt': return { taken: null, onTaken: le(true) };
        default: return { taken: null };
      }
    }
  }
  return { taken: null };
}

/** Bounds for an immediate operand of a `width`-bit jump. */
export const immOperand = (imm: number, width: Width): Bounds => known(width === 64 ? BigInt(imm) : BigInt(imm >>> 0));
