/**
 * Runs filters on the running kernel through the C helpers run_seccomp and run_socket, and
 * models what the kernel shows for a given filter result, so differential tests can compare an
 * engine's return value with the kernel's behaviour.
 */
import { execFileSync } from 'node:child_process';
import {
  SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, type SockFilter,
} from '@ea/bpf';
import { buildHelper } from './build.js';

/** One syscall for run_seccomp: its number and up to six unsigned 64-bit arguments. */
export interface SeccompCall {
  readonly nr: number;
  readonly args: readonly bigint[];
  /**
   * Never let the call run (run_seccomp's probes 2 and 3 only): any number and arguments are safe,
   * and TRACE, LOG and ALLOW show as one class, `allow_like`. Default false.
   */
  readonly sealed?: boolean;
  /** `i386`: issue it through `int $0x80` (the filter sees AUDIT_ARCH_I386); always sealed. Default `x86_64`. */
  readonly abi?: 'x86_64' | 'i386';
}

/** What the kernel did for one call, as run_seccomp reports it. */
export type SeccompObservation =
  /** Return values of the three probes (see run_seccomp.c); later ones only when needed. */
  | { readonly kind: 'ret'; readonly probes: readonly number[] }
  /** A sealed call: the return values of probe2 and, when it gave the helper's errno, probe3. */
  | { readonly kind: 'sealed'; readonly probes: readonly number[] }
  | { readonly kind: 'trap'; readonly data: number; readonly syscall: number }
  | { readonly kind: 'kill_thread' }
  | { readonly kind: 'kill_process'; readonly signal: number }
  | { readonly kind: 'install_error'; readonly errno: number };

/** Syscalls that return a positive id when allowed: getpid, getppid, gettid (x86_64). */
export const ID_SYSCALLS: readonly number[] = [39, 110, 186];
/** run_seccomp's helper-filter markers (probe2's ERRNO data, probe3's notification answer). */
const HELPER_ERRNO = 1234;
const NOTIF_ERRNO = 2345;
const ENOSYS = 38;
const MAX_ERRNO = 4095;

function instructionLines(program: readonly SockFilter[]): string[] {
  return [`P ${program.length}`, ...program.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k}`)];
}

const u64Hex = (v: bigint): string => BigInt.asUintN(64, v).toString(16);

/** Runs each program on the kernel as a seccomp filter (x86_64) over its calls. */
export function runSeccompOracle(
  cases: readonly { readonly program: readonly SockFilter[]; readonly calls: readonly SeccompCall[] }[],
): SeccompObservation[][] {
  const lines: string[] = [];
  for (const c of cases) {
    lines.push(...instructionLines(c.program), `C ${c.calls.length}`);
    for (const call of c.calls) {
      const args = Array.from({ length: 6 }, (_, i) => u64Hex(call.args[i] ?? 0n));
      const mode = call.abi === 'i386' ? ['si'] : call.sealed === true ? ['s'] : [];
      lines.push([(call.nr >>> 0).toString(16), ...args, ...mode].join(' '));
    }
  }
  const binary = buildHelper('run_seccomp', ['-lpthread']);
  const out = execFileSync(binary, [], { input: `${lines.join('\n')}\n`, maxBuffer: 1 << 28 }).toString();
  const rows = out.split('\n').filter((l) => l !== '');
  let next = 0;
  return cases.map((c) => c.calls.map(() => parseSeccompLine(rows[next++] ?? '')));
}

function parseSeccompLine(line: string): SeccompObservation {
  const [kind, ...rest] = line.split(' ');
  const nums = rest.map(Number);
  switch (kind) {
    case 'ret':
      return { kind: 'ret', probes: rest.filter((r) => r !== '-').map(Number) };
    case 'sealed':
      return { kind: 'sealed', probes: rest.filter((r) => r !== '-').map(Number) };
    case 'trap':
      return { kind: 'trap', data: nums[0]!, syscall: nums[1]! };
    case 'kill_thread':
      return { kind: 'kill_thread' };
    case 'kill_process':
      return { kind: 'kill_process', signal: nums[0]! };
    case 'install_error':
      return { kind: 'install_error', errno: nums[0]! };
    default:
      throw new Error(`run_seccomp: unexpected output line ${JSON.stringify(line)}`);
  }
}

/**
 * Names what the kernel showed, in the vocabulary of `expectedSeccomp`: `errno:N`, `trap:N`,
 * `kill_thread`, `kill_process`, `user_notif`, `trace`, `allow`, or `allow_like` (TRACE, LOG or
 * ALLOW, which a call to a non-existent syscall cannot tell apart), or `install_error:N`.
 */
export function classifySeccomp(obs: SeccompObservation, nr: number): string {
  switch (obs.kind) {
    case 'trap':
      return `trap:${obs.data}`;
    case 'kill_thread':
      return 'kill_thread';
    case 'kill_process':
      return 'kill_process';
    case 'install_error':
      return `install_error:${obs.errno}`;
    case 'sealed': {
      const [r2 = Number.NaN, r3] = obs.probes;
      // The call never ran: probe2's answer is the tested filter's errno unless it is the helper's.
      if (r2 !== -HELPER_ERRNO) return r2 <= 0 ? `errno:${-r2}` : `unexpected:${obs.probes.join(',')}`;
      if (r3 === -ENOSYS) return 'user_notif';
      if (r3 === -NOTIF_ERRNO) return 'allow_like';
      // The tested filter's own ERRNO(1234) wins probe3 too.
      if (r3 === -HELPER_ERRNO) return `errno:${HELPER_ERRNO}`;
      return `unexpected:${obs.probes.join(',')}`;
    }
    case 'ret': {
      const [r1 = Number.NaN, r2, r3] = obs.probes;
      if (r1 > 0) return 'allow';
      if (r1 !== -ENOSYS) return `errno:${-r1}`;
      if (r2 === -ENOSYS) return `errno:${ENOSYS}`;
      if (r2 !== -HELPER_ERRNO) return `unexpected:${obs.probes.join(',')}`;
      if (r3 === -ENOSYS) return 'user_notif';
      if (r3 !== -NOTIF_ERRNO) return `unexpected:${obs.probes.join(',')}`;
      // TRACE without a tracer fails a real syscall with ENOSYS where LOG/ALLOW would run it.
      return ID_SYSCALLS.includes(nr) ? 'trace' : 'allow_like';
    }
  }
}

/**
 * Returns what the kernel shows for a filter returning `ret` on syscall `nr` (see classifySeccomp);
 * `sealed` for a call issued sealed (where TRACE, LOG and ALLOW are one class).
 */
export function expectedSeccomp(ret: number, nr: number, sealed = false): string {
  const action = (ret & 0xffff0000) >>> 0;
  const data = ret & 0xffff;
  const idCall = !sealed && ID_SYSCALLS.includes(nr);
  switch (action) {
    case SECCOMP_RET_KILL_THREAD:
      return 'kill_thread';
    case SECCOMP_RET_TRAP:
      return `trap:${data}`;
    case SECCOMP_RET_ERRNO:
      return `errno:${Math.min(data, MAX_ERRNO)}`;
    case SECCOMP_RET_USER_NOTIF:
      return 'user_notif';
    case SECCOMP_RET_TRACE:
      return idCall ? 'trace' : 'allow_like';
    case SECCOMP_RET_LOG:
    case SECCOMP_RET_ALLOW:
      return idCall ? 'allow' : 'allow_like';
    default:
      // SECCOMP_RET_KILL_PROCESS, and undefined actions, which take its path (docs/kernel-facts.md, observed 2).
      return 'kill_process';
  }
}

/** The kernel's verdict on one program over its packets. */
export interface SocketOutcome {
  /** 0 when SO_ATTACH_FILTER accepted the program, else its errno (no packet was sent). */
  readonly attachErrno: number;
  /** Bytes delivered per packet, -1 when the filter dropped it. */
  readonly delivered: readonly number[];
}

type SocketCases = readonly { readonly program: readonly SockFilter[]; readonly packets: readonly Uint8Array[] }[];

function socketRows(cases: SocketCases, mode: 'unix' | 'packet'): string[] {
  const lines: string[] = [];
  for (const c of cases) {
    lines.push(...instructionLines(c.program), `K ${c.packets.length}`);
    for (const p of c.packets) lines.push(p.length === 0 ? '-' : Buffer.from(p).toString('hex'));
  }
  const binary = buildHelper('run_socket');
  const args = mode === 'packet' ? ['packet'] : [];
  const out = execFileSync(binary, args, { input: `${lines.join('\n')}\n`, maxBuffer: 1 << 28 }).toString();
  return out.split('\n').filter((l) => l !== '');
}

/** Runs each program as a socket filter on an AF_UNIX datagram socketpair over its packets. */
export function runSocketOracle(cases: SocketCases): SocketOutcome[] {
  return parseSocketRows(cases, socketRows(cases, 'unix'));
}

/**
 * Runs each program as a filter on an AF_PACKET raw socket on the loopback device of a private
 * network namespace; each packet (at least 14 bytes) is sent as an Ethernet frame. Returns lo's
 * ifindex with the outcomes (see run_socket.c for what the filter sees there).
 */
export function runPacketSocketOracle(cases: SocketCases): { readonly ifindex: number; readonly outcomes: SocketOutcome[] } {
  const rows = socketRows(cases, 'packet');
  const head = /^I (\d+)$/.exec(rows[0] ?? '');
  if (head === null) throw new Error(`run_socket: expected an I line, got ${JSON.stringify(rows[0])}`);
  return { ifindex: Number(head[1]), outcomes: parseSocketRows(cases, rows.slice(1)) };
}

function parseSocketRows(cases: SocketCases, rows: readonly string[]): SocketOutcome[] {
  let next = 0;
  return cases.map((c) => {
    const attach = /^A (\d+)$/.exec(rows[next++] ?? '');
    if (attach === null) throw new Error(`run_socket: expected an A line, got ${JSON.stringify(rows[next - 1])}`);
    const delivered = c.packets.map(() => {
      const r = /^R (-?\d+)$/.exec(rows[next++] ?? '');
      if (r === null) throw new Error(`run_socket: expected an R line, got ${JSON.stringify(rows[next - 1])}`);
      return Number(r[1]);
    });
    return { attachErrno: Number(attach[1]), delivered };
  });
}

/** Returns the bytes the kernel delivers for a socket filter returning `ret` on a `length`-byte datagram. */
export function expectedDelivery(ret: number, length: number): number {
  return ret === 0 ? -1 : Math.min(ret, length);
}
