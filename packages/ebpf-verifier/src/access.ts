/**
 * Memory accesses through a register (check_mem_access in kernel/bpf/verifier.c): the pointer
 * type decides what is allowed — the context by offset and size per program type, the stack
 * inside its 512 bytes with reads only of written bytes (for root, uninitialised bytes read as
 * unknown), packet bytes only inside the range a data_end comparison proved, map values inside
 * value_size, never through a scalar or a pointer that may be NULL.
 */
import { MAX_BPF_STACK } from '@ea/ebpf';
import { loadedBounds, typeName } from './alu.js';
import { ctxAccess } from './context.js';
import { BPF_MAX_VAR_OFF, type Machine } from './machine.js';
import { type Bounds, isConst, known } from './scalar.js';
import { isPointer, pointer, type Reg, scalar, STACK_INVALID, STACK_MISC, STACK_SPILL, STACK_ZERO } from './state.js';
import { tnumString } from './tnum.js';

/** Is what a store writes: a register, or a known immediate (BPF_ST). */
export type Stored = { readonly reg: Reg; readonly srcNo?: number } | { readonly imm: bigint } | null;

/**
 * check_mem_region_access: the variable part keeps [off + min, off + max + size) inside [0, limit).
 * `first` is the kernel's first log line for an access out of the region.
 */
function regionAccess(m: Machine, regno: number, reg: Reg, off: number, size: number, limit: number, first: (o: number) => string): void {
  const b = reg.b;
  if (b.smin < 0n && (b.smin === -(1n << 63n) || Number(b.smin) + off < 0)) {
    m.fail('invalid_mem', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  const lo = Number(b.smin) + off;
  if (lo < 0 || lo + size > limit) {
    if (isConst(b)) m.fail(reasonOf(reg), first(lo));
    m.fail(reasonOf(reg), `${first(lo)}\nR${regno} min value is outside of the allowed memory range`);
  }
  if (b.umax >= BigInt(BPF_MAX_VAR_OFF)) m.fail(reasonOf(reg), `R${regno} unbounded memory access, make sure to bounds check any such access`);
  const hi = Number(b.umax) + off;
  if (hi + size > limit) m.fail(reasonOf(reg), `${first(hi)}\nR${regno} max value is outside of the allowed memory range`);
}

function reasonOf(reg: Reg): 'packet_access' | 'map_access' | 'invalid_mem' {
  return reg.type === 'pkt' || reg.type === 'pkt_meta' ? 'packet_access' : reg.type === 'map_value' ? 'map_access' : 'invalid_mem';
}

/** Checks an access of `size` bytes at `reg + off`; returns what a load reads (null for stores). */
export function checkAccess(m: Machine, regno: number, off: number, size: number, write: boolean, stored: Stored, what: 'load' | 'store' | 'atomic'): Reg | null {
  const reg = m.read(regno);
  if (!isPointer(reg)) m.fail('invalid_mem', `R${regno} invalid mem access '${typeName(reg)}'`);
  const total = reg.off + off;
  switch (reg.type) {
    case 'ctx': {
      if (what === 'atomic') m.fail('invalid_mem', `BPF_ATOMIC stores into R${regno} ctx is not allowed`);
      if (stored !== null && 'imm' in stored) m.fail('ctx_access', `BPF_ST stores into R${regno} ctx is not allowed`);
      if (!isConst(reg.b)) m.fail('ctx_access', `variable ctx access var_off=${tnumString(reg.b.tn)} disallowed`);
      if (reg.off !== 0) m.fail('ctx_access', `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`);
      const access = ctxAccess(m.progType, off, size, write);
      if (!access.ok) m.fail('ctx_access', `invalid bpf_context access off=${off} size=${size}`);
      if (write) return null;
      return access.type === 'scalar' ? scalar(loadedBounds(size)) : pointer(access.type);
    }
    case 'fp':
      return stackAccess(m, regno, reg, off, size, write, stored);
    case 'pkt':
    case 'pkt_meta': {
      if (what === 'atomic') m.fail('invalid_mem', `BPF_ATOMIC stores into R${regno} ${reg.type} is not allowed`);
      if (write && m.progType !== 'xdp' && m.progType !== 'tc') m.fail('packet_access', 'cannot write into packet');
      if (write && stored !== null && 'reg' in stored && isPointer(stored.reg) && !m.privileged) m.fail('leak', `R${stored.srcNo ?? regno} leaks addr into packet`);
      // check_packet_access: the range counts from the pointer's variable part (pointers sharing an
      // id share it), so only a negative variable part and the fixed offset are checked.
      if (reg.b.smin < 0n) m.fail('packet_access', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
      if (total < 0 || total + size > reg.range) {
        m.fail('packet_access', `invalid access to packet, off=${total} size=${size}, R${regno}(id=${reg.id},off=${total},r=${reg.range})\nR${regno} offset is outside of the packet`);
      }
      return write ? null : scalar(loadedBounds(size));
    }
    case 'map_value': {
      const shape = m.map(reg.map);
      if (write && stored !== null && 'reg' in stored && isPointer(stored.reg) && !m.privileged) m.fail('leak', `R${stored.srcNo ?? regno} leaks addr into map`);
      regionAccess(m, regno, reg, total, size, shape.valueSize, (o) => `invalid access to map value, value_size=${shape.valueSize} off=${o} size=${size}`);
      return write ? null : scalar(loadedBounds(size));
    }
    case 'mem':
      regionAccess(m, regno, reg, total, size, reg.map, (o) => `invalid access to memory, mem_size=${reg.map} off=${o} size=${size}`);
      return write ? null : scalar(loadedBounds(size));
    case 'map_value_or_null':
    case 'pkt_end':
    case 'map_ptr':
      return m.fail('invalid_mem', `R${regno} invalid mem access '${reg.type}'`);
    default:
      return m.fail('invalid_mem', `R${regno} invalid mem access '${typeName(reg)}'`);
  }
}

/** The stack frame a stack pointer points into. */
function frameOf(m: Machine, reg: Reg) {
  return m.state.frames[reg.frame]!;
}

/** Stack accesses (check_stack_read/check_stack_write, fixed and variable offsets). */
function stackAccess(m: Machine, regno: number, reg: Reg, off: number, size: number, write: boolean, stored: Stored): Reg | null {
  const lo = reg.off + off + Number(reg.b.smin);
  const hi = reg.off + off + Number(reg.b.smax);
  const fixed = isConst(reg.b);
  if (lo < -MAX_BPF_STACK || hi + size > 0 || reg.b.smin < -BigInt(MAX_BPF_STACK) || reg.b.smax > BigInt(MAX_BPF_STACK)) {
    if (fixed) m.fail('stack_access', `invalid ${write ? 'write to' : 'read from'} stack R${regno} off=${lo} size=${size}`);
    m.fail('stack_access', `invalid variable-offset ${write ? 'write to' : 'read from'} stack R${regno} var_off=${tnumString(reg.b.tn)} off=${off} size=${size}`);
  }
  if (fixed && lo % size !== 0) m.fail('stack_access', `misaligned stack access off ${reg.b.tn.value}+${reg.off}+${off} size ${size}`);
  const frame = frameOf(m, reg);
  const base = MAX_BPF_STACK + lo; // index of the first byte in frame.stack
  if (write) {
    if (!fixed) {
      // A variable-offset write may touch any byte in the range: all of them become unknown data.
      for (let i = base; i < MAX_BPF_STACK + hi + size; i++) clobber(frame, i, STACK_MISC);
      return null;
    }
    const value = stored === null ? null : 'reg' in stored ? stored.reg : null;
    if (value !== null && isPointer(value) && size !== 8) m.fail('stack_access', 'invalid size of register spill');
    if (size === 8 && base % 8 === 0 && (value !== null || (stored !== null && 'imm' in stored))) {
      const spilled = value ?? scalar(known((stored as { imm: bigint }).imm));
      for (let i = base; i < base + 8; i++) frame.stack[i] = STACK_SPILL;
      frame.spills[base >> 3] = spilled;
      return null;
    }
    const zero = stored !== null && ('imm' in stored ? stored.imm === 0n : isConst(stored.reg.b) && stored.reg.b.tn.value === 0n && !isPointer(stored.reg));
    for (let i = base; i < base + size; i++) clobber(frame, i, zero ? STACK_ZERO : STACK_MISC);
    return null;
  }
  if (!fixed) {
    for (let i = base; i < MAX_BPF_STACK + hi + size; i++) readable(m, regno, frame.stack[i]!, lo, i - base, size);
    return scalar(loadedBounds(size));
  }
  const slot = frame.spills[base >> 3];
  if (frame.stack[base] === STACK_SPILL && slot !== undefined) {
    if (size === 8 && base % 8 === 0) return slot;
    if (isPointer(slot)) m.fail('stack_access', 'invalid size of register fill');
    return scalar(loadedBounds(size));
  }
  let allZero = true;
  for (let i = base; i < base + size; i++) {
    const t = frame.stack[i]!;
    readable(m, regno, t, lo, i - base, size);
    if (t !== STACK_ZERO) allZero = false;
  }
  return scalar(allZero ? known(0n) : loadedBounds(size));
}

function readable(m: Machine, regno: number, type: number, off: number, _i: number, size: number): void {
  if (type === STACK_INVALID && !m.privileged) m.fail('stack_access', `invalid read from stack R${regno} off=${off} size=${size}`);
}

/** Marks one stack byte written with `type`, breaking the spill that covered it. */
function clobber(frame: { stack: Uint8Array; spills: (Reg | undefined)[] }, i: number, type: number): void {
  const slot = i >> 3;
  if (frame.stack[i] === STACK_SPILL || frame.spills[slot] !== undefined) {
    for (let j = slot * 8; j < slot * 8 + 8; j++) if (frame.stack[j] === STACK_SPILL) frame.stack[j] = STACK_MISC;
    frame.spills[slot] = undefined;
  }
  frame.stack[i] = type;
}

/**
 * Checks that a helper may read (or write) `size` bytes at a pointer argument (check_helper_mem_access):
 * a helper reads (or writes) `size` bytes at a pointer argument.
 * `size` is the maximum; a read of the stack needs initialised bytes (for root, any).
 */
export function helperMemAccess(m: Machine, regno: number, size: number, write: boolean, zeroOk: boolean, sizeBounds?: Bounds): void {
  const reg = m.read(regno);
  if (size === 0 && zeroOk) return;
  if (reg.type === 'fp') {
    if (write) {
      stackAccessRange(m, regno, reg, size, true);
      return;
    }
    stackAccessRange(m, regno, reg, size, false);
    return;
  }
  void sizeBounds;
  if (reg.type === 'pkt' || reg.type === 'pkt_meta' || reg.type === 'map_value' || reg.type === 'mem') {
    checkAccess(m, regno, 0, size, write, null, write ? 'store' : 'load');
    return;
  }
  m.fail('helper_arg', `R${regno} type=${typeName(reg)} expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_`);
}

/** check_stack_range_initialized: every byte of [ptr, ptr + size) inside the frame and, for reads, written. */
function stackAccessRange(m: Machine, regno: number, reg: Reg, size: number, write: boolean): void {
  const lo = reg.off + Number(reg.b.smin);
  const hi = reg.off + Number(reg.b.smax);
  if (lo < -MAX_BPF_STACK || hi + size > 0) {
    m.fail('stack_access', `invalid indirect access to stack R${regno} off=${lo} size=${size}`);
  }
  const frame = frameOf(m, reg);
  for (let i = MAX_BPF_STACK + lo; i < MAX_BPF_STACK + hi + size; i++) {
    if (write) clobber(frame, i, STACK_MISC);
    else if (frame.stack[i] === STACK_INVALID && !m.privileged) {
      m.fail('stack_access', `invalid read from stack R${regno} off=${lo} size=${size}`);
    }
  }
}
