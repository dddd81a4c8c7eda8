/**
 * Calls and returns: helper calls checked against their prototypes (check_helper_call,
 * check_func_arg, check_map_func_compatibility), bpf-to-bpf calls with a new frame
 * (check_func_call: r1-r5 passed, r6-r9 unwritten in the callee, its own stack) and the exit of a
 * callee (prepare_func_exit: r0 back to the caller, whose r1-r5 become unreadable).
 */
import { MAX_BPF_STACK } from '@ea/ebpf';
import { typeName } from './alu.js';
import { helperMemAccess } from './access.js';
import { BPF_MAX_VAR_OFF, type Machine, MAX_CALL_FRAMES, type MapShape } from './machine.js';
import { HELPER_PROTOS, MAP_TYPE_PROG_ARRAY, MAP_TYPE_RINGBUF } from './protos.js';
import { isConst, UNKNOWN } from './scalar.js';
import { copyFrame, isPacket, mapRegs, newFrame, NOT_INIT, pointer, type Reg, scalar, STACK_ZERO } from './state.js';

/** license_is_gpl_compatible. */
const GPL = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

/** Checks a helper call and applies its effects on the registers. */
export function checkHelperCall(m: Machine, id: number): void {
  const proto = (m.options.helpers ?? HELPER_PROTOS).get(id);
  if (proto === undefined) m.fail('unknown_helper', `invalid func unknown#${id}`);
  if (proto.progTypes !== undefined && !proto.progTypes.includes(m.progType)) m.fail('unknown_helper', `program of this type cannot use helper bpf_${proto.name}#${id}`);
  if (proto.gplOnly === true && !GPL.has(m.options.license ?? 'GPL')) m.fail('gpl', 'cannot call GPL-restricted function from non-GPL compatible program');
  let map: MapShape | undefined;
  let mapIndex = -1;
  let memReg = 0;
  let constKey: bigint | null = null;
  for (const [i, arg] of proto.args.entries()) {
    const regno = i + 1;
    const reg = m.read(regno);
    switch (arg) {
      case 'anything':
        continue;
      case 'const_map_ptr': {
        if (reg.type !== 'map_ptr') m.fail('helper_arg', `R${regno} type=${typeName(reg)} expected=map_ptr`);
        map = m.map(reg.map);
        mapIndex = reg.map;
        const allowed = proto.mapTypes ?? null;
        const special = map.type === MAP_TYPE_PROG_ARRAY || map.type === MAP_TYPE_RINGBUF;
        if (id === 12 && map.type !== MAP_TYPE_PROG_ARRAY) m.fail('helper_arg', 'expected prog array map for tail call');
        if (allowed === null ? special : !allowed.includes(map.type)) m.fail('helper_arg', `cannot pass map_type ${map.type} into func bpf_${proto.name}#${id}`);
        continue;
      }
      case 'ptr_to_map_key':
      case 'ptr_to_map_value': {
        if (map === undefined) m.fail('helper_arg', `invalid map_ptr to access map->${arg === 'ptr_to_map_key' ? 'key' : 'value'}`);
        if (!(reg.type === 'fp' || isPacket(reg) || reg.type === 'map_value')) {
          m.fail('helper_arg', `R${regno} type=${typeName(reg)} expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_`);
        }
        helperMemAccess(m, regno, arg === 'ptr_to_map_key' ? map.keySize : map.valueSize, false, false);
        if (arg === 'ptr_to_map_key') constKey = constantMapKey(m, reg, map.keySize);
        continue;
      }
      case 'ptr_to_ctx':
        if (reg.type !== 'ctx') m.fail('helper_arg', `R${regno} type=${typeName(reg)} expected=ctx`);
        if (reg.off !== 0) m.fail('helper_arg', `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`);
        continue;
      case 'ptr_to_mem':
      case 'ptr_to_uninit_mem':
        memReg = regno;
        continue;
      case 'const_size':
      case 'const_size_or_zero': {
        if (reg.type !== 'scalar') m.fail('helper_arg', `R${regno} type=${typeName(reg)} expected=scalar`);
        const b = reg.b;
        if (b.smin < 0n) m.fail('helper_arg', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
        if (b.umin === 0n && arg === 'const_size') m.fail('helper_arg', `R${regno} invalid zero-sized read: u64=[${b.umin},${b.umax}]`);
        if (b.umax >= BigInt(BPF_MAX_VAR_OFF)) m.fail('helper_arg', `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
        const write = proto.args[memReg - 1] === 'ptr_to_uninit_mem';
        helperMemAccess(m, memReg, Number(b.umax), write, arg === 'const_size_or_zero');
        continue;
      }
      default:
        arg satisfies never;
    }
  }
  const regs = m.frame.regs;
  for (let r = 1; r <= 5; r++) regs[r] = NOT_INIT;
  if (proto.changesPacket === true) {
    // clear_all_pkt_pointers: the packet may have moved.
    mapRegs(m.state, (r) => (isPacket(r) || r.type === 'pkt_end' ? (m.privileged ? scalar(UNKNOWN) : NOT_INIT) : r));
  }
  switch (proto.ret) {
    case 'integer':
      regs[0] = scalar(UNKNOWN);
      return;
    case 'void':
      regs[0] = NOT_INIT;
      return;
    case 'map_value_or_null': {
      // A lookup in an array with a known key below max_entries cannot fail (can_elide_value_nullness).
      const elide = map !== undefined && ARRAYS.includes(map.type) && constKey !== null && constKey < BigInt(map.maxEntries);
      regs[0] = elide ? pointer('map_value', { map: mapIndex }) : pointer('map_value_or_null', { map: mapIndex, id: m.newId() });
      return;
    }
    default:
      proto.ret satisfies never;
  }
}

/** BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY. */
const ARRAYS: readonly number[] = [2, 6];

/**
 * Returns the key a stack pointer argument points to when it is known (get_constant_map_key):
 * key bytes all STACK_ZERO, or an 8-byte spill of a known scalar for an 8-byte key; else null.
 */
function constantMapKey(m: Machine, reg: Reg, keySize: number): bigint | null {
  if (reg.type !== 'fp' || !isConst(reg.b)) return null;
  const frame = m.state.frames[reg.frame]!;
  const base = MAX_BPF_STACK + reg.off + Number(BigInt.asIntN(64, reg.b.tn.value));
  if (base < 0 || base + keySize > MAX_BPF_STACK || base >> 3 !== (base + keySize - 1) >> 3) return null;
  let zero = true;
  for (let i = base; i < base + keySize; i++) if (frame.stack[i] !== STACK_ZERO) zero = false;
  if (zero) return 0n;
  const spilled = frame.spills[base >> 3];
  if (keySize === 8 && base % 8 === 0 && spilled?.type === 'scalar' && isConst(spilled.b)) return spilled.b.tn.value;
  return null;
}

/** Enters (check_func_call) the subprogram at `target` with a new frame; returns the pc to go on at. */
export function enterCall(m: Machine, target: number): number {
  const frames = m.state.frames;
  if (frames.length >= MAX_CALL_FRAMES) m.fail('call_depth', `the call stack of ${frames.length + 1} frames is too deep`);
  const caller = m.frame;
  const callee = newFrame(m.pc, target, frames.length);
  for (let r = 1; r <= 5; r++) callee.regs[r] = caller.regs[r]!;
  frames.push(callee);
  return target;
}

/** Handles an exit: in a callee, returns to the caller and gives the pc after the call; in the entry frame, null (the path ends). */
export function leave(m: Machine): number | null {
  const r0 = m.read(0);
  const frames = m.state.frames;
  if (frames.length === 1) {
    if (!m.privileged && r0.type !== 'scalar') m.fail('leak', 'R0 leaks addr as return value');
    return null;
  }
  const callee = frames[frames.length - 1]!;
  if (r0.type === 'fp' && r0.frame === frames.length - 1) m.fail('invalid_mem', 'cannot return stack pointer to the caller');
  frames.pop();
  const caller = copyFrame(frames[frames.length - 1]!);
  frames[frames.length - 1] = caller;
  caller.regs[0] = r0;
  for (let r = 1; r <= 5; r++) caller.regs[r] = NOT_INIT;
  return callee.callsite + 1;
}
