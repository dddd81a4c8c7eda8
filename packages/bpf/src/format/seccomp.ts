/**
 * Symbolic comments for seccomp filters: what a `ret #k` does (seccomp's action table) and which
 * field an absolute load reads (struct seccomp_data, then the EA image's ea_meta). Words are
 * named for a little-endian machine, where the low half of a u64 comes first.
 */
import { insn, type SockFilter } from '../insn.js';
import {
  EA_META_ESIZE, EA_META_FLAGS, EA_META_ROOT, EA_META_USIZE, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW,
  SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF,
} from '../opcodes.js';

const ACTIONS: ReadonlyMap<number, { name: string; data: boolean }> = new Map([
  [SECCOMP_RET_KILL_PROCESS, { name: 'KILL_PROCESS', data: false }],
  [SECCOMP_RET_KILL_THREAD, { name: 'KILL_THREAD', data: false }],
  [SECCOMP_RET_TRAP, { name: 'TRAP', data: true }],
  [SECCOMP_RET_ERRNO, { name: 'ERRNO', data: true }],
  [SECCOMP_RET_USER_NOTIF, { name: 'USER_NOTIF', data: false }],
  [SECCOMP_RET_TRACE, { name: 'TRACE', data: true }],
  [SECCOMP_RET_LOG, { name: 'LOG', data: false }],
  [SECCOMP_RET_ALLOW, { name: 'ALLOW', data: false }],
]);

/** Names a seccomp return value: `ALLOW`, `ERRNO(1)`; unknown actions act as KILL_PROCESS. */
export function seccompActionName(k: number): string {
  const action = ACTIONS.get((k & SECCOMP_RET_ACTION_FULL) >>> 0);
  const data = k & SECCOMP_RET_DATA;
  if (action === undefined) return 'unknown action, acts as KILL_PROCESS';
  return action.data ? `${action.name}(${data})` : action.name;
}

const META: ReadonlyMap<number, string> = new Map([
  [EA_META_USIZE, 'ea_meta.usize'],
  [EA_META_ESIZE, 'ea_meta.esize'],
  [EA_META_ROOT, 'ea_meta.root'],
  [EA_META_FLAGS, 'ea_meta.flags'],
]);

/** Names the word of struct seccomp_data (or ea_meta) at byte offset k, if it is one. */
export function seccompFieldName(k: number): string | undefined {
  if (k === 0) return 'nr';
  if (k === 4) return 'arch';
  if (k === 8 || k === 12) return `instruction_pointer${k === 8 ? '' : ' (high word)'}`;
  if (k >= 16 && k < 64 && k % 4 === 0) {
    const arg = Math.floor((k - 16) / 8);
    return `args[${arg}]${k % 8 === 0 ? '' : ' (high word)'}`;
  }
  return META.get(k);
}

/** Returns the seccomp comment for an instruction (without the `; `), or undefined. */
export function seccompComment(ins: SockFilter): string | undefined {
  const i = insn(ins.code, ins.jt, ins.jf, ins.k);
  if (i.kind === 'ret_k') return seccompActionName(i.k);
  if (i.kind === 'ld_abs' && i.size === 'w') return seccompFieldName(i.k);
  return undefined;
}
