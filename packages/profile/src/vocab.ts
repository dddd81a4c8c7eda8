/**
 * The words of the profile formats: actions, operators, architectures (libseccomp's SCMP_ARCH_*
 * names and the Go-style native names Docker's includes/excludes use), capabilities, errno names
 * and filter flags. Values follow runc's getAction (libcontainer/seccomp) and the kernel's uapi.
 */
import {
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from '@ea/bpf';
import type { ArchName } from '@ea/seccomp';

/** Names every action the OCI runtime-spec defines. */
export const ACTION_NAMES = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;
/** Names one action of ACTION_NAMES. */
export type ActionName = (typeof ACTION_NAMES)[number];

/**
 * The return value of each action without data. SCMP_ACT_KILL is KILL_THREAD (libseccomp's
 * SCMP_ACT_KILL is 0). ERRNO and TRACE carry errnoRet in the low 16 bits.
 */
export const ACTION_BASE: Readonly<Record<ActionName, number>> = {
  SCMP_ACT_KILL: SECCOMP_RET_KILL_THREAD,
  SCMP_ACT_KILL_THREAD: SECCOMP_RET_KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: SECCOMP_RET_KILL_PROCESS,
  SCMP_ACT_TRAP: SECCOMP_RET_TRAP,
  SCMP_ACT_ERRNO: SECCOMP_RET_ERRNO,
  SCMP_ACT_TRACE: SECCOMP_RET_TRACE,
  SCMP_ACT_ALLOW: SECCOMP_RET_ALLOW,
  SCMP_ACT_LOG: SECCOMP_RET_LOG,
  SCMP_ACT_NOTIFY: SECCOMP_RET_USER_NOTIF,
};

/** Tells whether an action carries an errno (runc's getAction: only ERRNO and TRACE take errnoRet). */
export function actionTakesErrno(name: ActionName): boolean {
  return name === 'SCMP_ACT_ERRNO' || name === 'SCMP_ACT_TRACE';
}

/** Names the seven comparison operators. */
export const OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
/** Names one operator of OPERATORS. */
export type Operator = (typeof OPERATORS)[number];

/** Describes an SCMP_ARCH_* name: the architecture we compile for (if we have its table) and Docker's native name. */
export interface ScmpArch {
  readonly arch: ArchName | undefined;
  /** libseccomp's string for the arch (`amd64`, `arm64`, `x86` ...): what includes/excludes `arches` list. */
  readonly native: string;
}

/** Describes every SCMP_ARCH_* name runtime-spec defines (SCMP_ARCH_NATIVE is resolved by the caller). */
export const SCMP_ARCHES: Readonly<Record<string, ScmpArch>> = {
  SCMP_ARCH_X86: { arch: 'i386', native: 'x86' },
  SCMP_ARCH_X86_64: { arch: 'x86_64', native: 'amd64' },
  SCMP_ARCH_X32: { arch: 'x32', native: 'x32' },
  SCMP_ARCH_ARM: { arch: 'arm', native: 'arm' },
  SCMP_ARCH_AARCH64: { arch: 'aarch64', native: 'arm64' },
  SCMP_ARCH_RISCV64: { arch: 'riscv64', native: 'riscv64' },
  SCMP_ARCH_S390X: { arch: 's390x', native: 's390x' },
  SCMP_ARCH_PPC64LE: { arch: 'ppc64le', native: 'ppc64le' },
  SCMP_ARCH_PPC64: { arch: 'ppc64', native: 'ppc64' },
  SCMP_ARCH_S390: { arch: undefined, native: 's390' },
  SCMP_ARCH_PPC: { arch: undefined, native: 'ppc' },
  SCMP_ARCH_MIPS: { arch: undefined, native: 'mips' },
  SCMP_ARCH_MIPS64: { arch: undefined, native: 'mips64' },
  SCMP_ARCH_MIPS64N32: { arch: undefined, native: 'mips64n32' },
  SCMP_ARCH_MIPSEL: { arch: undefined, native: 'mipsel' },
  SCMP_ARCH_MIPSEL64: { arch: undefined, native: 'mipsel64' },
  SCMP_ARCH_MIPSEL64N32: { arch: undefined, native: 'mipsel64n32' },
  SCMP_ARCH_PARISC: { arch: undefined, native: 'parisc' },
  SCMP_ARCH_PARISC64: { arch: undefined, native: 'parisc64' },
  SCMP_ARCH_LOONGARCH64: { arch: undefined, native: 'loong64' },
  SCMP_ARCH_M68K: { arch: undefined, native: 'm68k' },
  SCMP_ARCH_SH: { arch: undefined, native: 'sh' },
  SCMP_ARCH_SHEB: { arch: undefined, native: 'sheb' },
  SCMP_ARCH_RISCV32: { arch: undefined, native: 'riscv32' },
};

/** Returns the SCMP_ARCH_* name of one of our architectures. */
export function scmpArchOf(arch: ArchName): string {
  for (const [name, a] of Object.entries(SCMP_ARCHES)) if (a.arch === arch) return name;
  /* c8 ignore next */
  throw new Error(`no SCMP_ARCH name for ${arch}`);
}

/** The native names includes/excludes may list (libseccomp's strings, plus `x32` Docker's profile uses). */
export const NATIVE_ARCH_NAMES: ReadonlySet<string> = new Set([
  ...Object.values(SCMP_ARCHES).map((a) => a.native),
  'mips3l64n32',
  'loongarch64',
]);

/** Names every capability of include/uapi/linux/capability.h, by number. */
export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's default bounding set (moby oci/caps DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/**
 * errno names as Podman's `errno`/`defaultErrno` strings take them (asm-generic/errno*.h values,
 * which every architecture we compile for uses), with the aliases EWOULDBLOCK, EDEADLOCK, ENOTSUP.
 */
export const ERRNO_NAMES: ReadonlyMap<string, number> = (() => {
  const list =
    'EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT ENOTBLK EBUSY EEXIST ' +
    'EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ' +
    'ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP - ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG ' +
    'EUNATCH ENOCSI EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT - EBFONT ENOSTR ENODATA ETIME ENOSR ENONET ' +
    'ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ EBADFD EREMCHG ' +
    'ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE ' +
    'EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE ' +
    'EADDRNOTAVAIL ENETDOWN ENETUNREACH ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN ' +
    'ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM ' +
    'ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED ' +
    'EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON';
  const map = new Map<string, number>();
  list.split(' ').forEach((name, i) => {
    if (name !== '-') map.set(name, i + 1);
  });
  map.set('EWOULDBLOCK', 11);
  map.set('EDEADLOCK', 35);
  map.set('ENOTSUP', 95);
  return map;
})();

/** The seccomp(2) filter flags runtime-spec's `flags` may name (they change how a filter is loaded, not its code). */
export const FILTER_FLAGS: ReadonlySet<string> = new Set([
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
]);
