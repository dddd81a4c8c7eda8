/**
 * Seccomp return values: `ret & SECCOMP_RET_ACTION_FULL` is the action, `ret & SECCOMP_RET_DATA`
 * its 16 bits of data. What each action does follows __seccomp_filter (docs/kernel-facts.md §5.1):
 * values the kernel does not define fall into its `default` branch and kill the process.
 */
import {
  assertNever,
  SECCOMP_RET_ACTION_FULL,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from '@ea/bpf';

/** Names a seccomp action as decodeAction reports it (`unknown` for undefined action values). */
export type SeccompActionName =
  | 'kill_process'
  | 'kill_thread'
  | 'trap'
  | 'errno'
  | 'user_notif'
  | 'trace'
  | 'log'
  | 'allow'
  | 'unknown';

/** A decoded return value. */
export interface SeccompAction {
  readonly action: SeccompActionName;
  /** The low 16 bits. */
  readonly data: number;
  /** The whole u32 the filter returned. */
  readonly ret: number;
}

/** MAX_ERRNO: ERRNO data above it is clamped (include/linux/err.h). */
export const MAX_ERRNO = 4095;

/** The eight defined actions by value, in the spelling of kernel.seccomp.actions_avail. */
export const SECCOMP_ACTIONS: readonly { readonly name: Exclude<SeccompActionName, 'unknown'>; readonly value: number }[] =
  [
    { name: 'kill_process', value: SECCOMP_RET_KILL_PROCESS },
    { name: 'kill_thread', value: SECCOMP_RET_KILL_THREAD },
    { name: 'trap', value: SECCOMP_RET_TRAP },
    { name: 'errno', value: SECCOMP_RET_ERRNO },
    { name: 'user_notif', value: SECCOMP_RET_USER_NOTIF },
    { name: 'trace', value: SECCOMP_RET_TRACE },
    { name: 'log', value: SECCOMP_RET_LOG },
    { name: 'allow', value: SECCOMP_RET_ALLOW },
  ];

const BY_VALUE = new Map<number, SeccompActionName>(SECCOMP_ACTIONS.map((a) => [a.value >>> 0, a.name]));

/** Returns the action name of a return value ('unknown' for undefined action values). */
export function actionName(ret: number): SeccompActionName {
  return BY_VALUE.get((ret & SECCOMP_RET_ACTION_FULL) >>> 0) ?? 'unknown';
}

/** Splits a filter's u32 result into action and data. */
export function decodeAction(ret: number): SeccompAction {
  const r = ret >>> 0;
  return { action: actionName(r), data: r & SECCOMP_RET_DATA, ret: r };
}

/**
 * Returns the action part as the signed 32-bit number seccomp_run_filters compares
 * (ACTION_ONLY): the lowest wins when filters are stacked.
 */
export function actionRank(ret: number): number {
  return ret & SECCOMP_RET_ACTION_FULL;
}

/** What the kernel does with a final result, in terms a caller can observe. */
export type SeccompEffect =
  | { readonly kind: 'kill_process' }
  | { readonly kind: 'kill_thread' }
  /** Syscall skipped, SIGSYS with si_code SYS_SECCOMP and si_errno = data. */
  | { readonly kind: 'trap'; readonly siErrno: number }
  /** Syscall skipped, returns `value` (0 or -errno). */
  | { readonly kind: 'return'; readonly value: number }
  /** Sent to the listener of the matching filter (ENOSYS when it has none). */
  | { readonly kind: 'user_notif' }
  /** PTRACE_EVENT_SECCOMP with event message = data (ENOSYS without a tracer). */
  | { readonly kind: 'trace'; readonly message: number }
  /** The syscall runs (LOG also writes an audit record when enabled). */
  | { readonly kind: 'run'; readonly logged: boolean };

/** Returns what the kernel does for a final result (unknown actions kill the process). */
export function actionEffect(ret: number): SeccompEffect {
  const { action, data } = decodeAction(ret);
  switch (action) {
    case 'kill_process':
    case 'unknown':
      return { kind: 'kill_process' };
    case 'kill_thread':
      return { kind: 'kill_thread' };
    case 'trap':
      return { kind: 'trap', siErrno: data };
    case 'errno':
      // The kernel sets the return register to -min(data, MAX_ERRNO); data 0 is a "successful" 0.
      return { kind: 'return', value: data === 0 ? 0 : -Math.min(data, MAX_ERRNO) };
    case 'user_notif':
      return { kind: 'user_notif' };
    case 'trace':
      return { kind: 'trace', message: data };
    case 'log':
      return { kind: 'run', logged: true };
    case 'allow':
      return { kind: 'run', logged: false };
    default:
      return assertNever(action);
  }
}

/**
 * Formats a return value for people: `ALLOW`, `ERRNO(1)`, `TRAP(0xbeef)`, or
 * `UNKNOWN(0x00010000) = KILL_PROCESS` for undefined actions.
 */
export function formatAction(ret: number): string {
  const { action, data, ret: r } = decodeAction(ret);
  if (action === 'unknown') return `UNKNOWN(0x${r.toString(16).padStart(8, '0')}) = KILL_PROCESS`;
  const name = action.toUpperCase();
  if (data === 0 && action !== 'errno') return name;
  return action === 'errno' ? `${name}(${data})` : `${name}(0x${data.toString(16)})`;
}
