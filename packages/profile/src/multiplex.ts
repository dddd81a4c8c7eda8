/**
 * socketcall(2) and ipc(2): on i386, s390x and ppc64 the socket and SysV IPC calls also arrive
 * multiplexed, the real call number in arg0 and the real arguments behind a pointer. libseccomp
 * (abi_rule_add in src/syscalls.c, used by its x86, s390, s390x, ppc and ppc64 ABIs) adds, for a
 * rule on such a call, a second rule on socketcall/ipc with args[0] replaced by `== call number`
 * and the other conditions kept as they are, next to the rule on the direct syscall when the arch
 * has one. We do the same, so the filter means what runc's does, and we warn: the conditions on
 * arg0 (socket's address family, say) cannot be checked through the multiplexer.
 */
import type { ArchName } from '@ea/seccomp';

/** The call numbers socketcall(2) takes (include/uapi/linux/net.h SYS_*). */
export const SOCKETCALL_CALLS: ReadonlyMap<string, number> = new Map(
  [
    'socket', 'bind', 'connect', 'listen', 'accept', 'getsockname', 'getpeername', 'socketpair', 'send', 'recv',
    'sendto', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg', 'accept4', 'recvmmsg', 'sendmmsg',
  ].map((name, i) => [name, i + 1]),
);

/** The call numbers ipc(2) takes (include/linux/ipc.h / libseccomp's __PNR_* minus 200). */
export const IPC_CALLS: ReadonlyMap<string, number> = new Map([
  ['semop', 1],
  ['semget', 2],
  ['semctl', 3],
  ['semtimedop', 4],
  ['msgsnd', 11],
  ['msgrcv', 12],
  ['msgget', 13],
  ['msgctl', 14],
  ['shmat', 21],
  ['shmdt', 22],
  ['shmget', 23],
  ['shmctl', 24],
]);

/** The architectures whose libseccomp ABI multiplexes (rule_add = abi_rule_add). */
export const MULTIPLEXING_ARCHES: ReadonlySet<ArchName> = new Set<ArchName>(['i386', 's390x', 'ppc64', 'ppc64le']);

/** Returns the multiplexer syscall and call number of `name` on `arch`, or undefined. */
export function multiplexOf(arch: ArchName, name: string): { readonly via: 'socketcall' | 'ipc'; readonly call: number } | undefined {
  if (!MULTIPLEXING_ARCHES.has(arch)) return undefined;
  const s = SOCKETCALL_CALLS.get(name);
  if (s !== undefined) return { via: 'socketcall', call: s };
  const i = IPC_CALLS.get(name);
  if (i !== undefined) return { via: 'ipc', call: i };
  return undefined;
}
