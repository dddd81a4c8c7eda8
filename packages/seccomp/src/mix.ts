/**
 * A deterministic, realistic syscall stream for seccomp benchmarks and tests: mostly the calls a
 * busy server makes (read/write/futex/epoll...), some rare ones drawn from the whole table, a few
 * that container policies deny, and a sprinkle of numbers no kernel defines. Same seed, same mix.
 */
import { type ArchInfo, archInfo } from './arch.js';
import { writeSeccompDataWords } from './data.js';
import { SeccompError } from './errors.js';
import { syscallNumber } from './syscalls.js';

/** Calls a server issues all the time, with relative weights. */
const COMMON: readonly (readonly [string, number])[] = [
  ['read', 14],
  ['write', 12],
  ['futex', 12],
  ['epoll_wait', 8],
  ['epoll_pwait', 4],
  ['recvfrom', 5],
  ['sendto', 5],
  ['close', 4],
  ['openat', 3],
  ['newfstatat', 3],
  ['fstat', 2],
  ['mmap', 2],
  ['munmap', 2],
  ['brk', 1],
  ['clock_gettime', 3],
  ['getpid', 1],
  ['lseek', 2],
  ['pread64', 2],
  ['pwrite64', 1],
  ['poll', 1],
  ['ppoll', 1],
  ['nanosleep', 1],
  ['rt_sigprocmask', 2],
  ['ioctl', 2],
  ['fcntl', 2],
  ['getrandom', 1],
  ['madvise', 1],
  ['writev', 2],
  ['readv', 1],
  ['accept4', 1],
  ['sendmsg', 2],
  ['recvmsg', 2],
  ['epoll_ctl', 2],
  ['sched_yield', 1],
];

/** Calls a container runtime's default policy refuses. */
export const DENIED_SYSCALLS: readonly string[] = [
  'ptrace',
  'mount',
  'umount2',
  'kexec_load',
  'reboot',
  'init_module',
  'finit_module',
  'delete_module',
  'bpf',
  'perf_event_open',
  'keyctl',
  'add_key',
  'request_key',
  'unshare',
  'setns',
  'swapon',
  'swapoff',
  'pivot_root',
  'acct',
  'settimeofday',
  'clock_settime',
  'open_by_handle_at',
  'userfaultfd',
  'lookup_dcookie',
  'quotactl',
];

/** Options of syscallMix(). */
export interface SyscallMixOptions {
  readonly arch?: string;
  readonly count?: number;
  readonly seed?: number;
  /** Shares of the stream (the rest is common calls). Defaults: rare 0.1, denied 0.03, undefined 0.01. */
  readonly rare?: number;
  readonly denied?: number;
  readonly undefinedNr?: number;
}

/** A stream of calls in struct-of-arrays form, ready for writeSeccompDataWords. */
export interface SyscallMix {
  readonly arch: ArchInfo;
  readonly count: number;
  /** seccomp_data.nr of each call. */
  readonly nr: Uint32Array;
  /** 12 u32 per call: low then high word of args[0..5]. */
  readonly argWords: Uint32Array;
}

/** Returns a small, fast PRNG (mulberry32) so the mix is identical everywhere. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates `count` calls for `arch` (default x86_64, 100,000 calls, seed 1). Arguments look like
 * real ones: small file descriptors, sizes, flags and user-space pointers (high word 0x7ffx on
 * 64-bit arches, 0 on 32-bit ones).
 */
export function syscallMix(options: SyscallMixOptions = {}): SyscallMix {
  const arch = archInfo(options.arch ?? 'x86_64');
  const count = options.count ?? 100_000;
  if (!Number.isSafeInteger(count) || count < 0 || count > 1 << 26) {
    throw new SeccompError('BAD_FIELD', 'count', `${count} is not a call count in 0..${1 << 26}`);
  }
  const rand = prng(options.seed ?? 1);
  const shares = { rare: options.rare ?? 0.1, denied: options.denied ?? 0.03, undef: options.undefinedNr ?? 0.01 };
  const common = COMMON.flatMap(([name, w]) => {
    const nr = syscallNumber(arch.name, name);
    return nr === undefined ? [] : [[nr, w] as const];
  });
  const totalWeight = common.reduce((sum, [, w]) => sum + w, 0);
  const denied = DENIED_SYSCALLS.flatMap((name) => {
    const nr = syscallNumber(arch.name, name);
    return nr === undefined ? [] : [nr];
  });
  const all = Object.values(arch.syscalls);
  const nr = new Uint32Array(count);
  const argWords = new Uint32Array(count * 12);
  for (let i = 0; i < count; i++) {
    const u = rand();
    let n: number;
    if (u < shares.undef) {
      n = (arch.nrBit | (1000 + Math.floor(rand() * 64))) >>> 0;
    } else if (u < shares.undef + shares.denied && denied.length > 0) {
      n = denied[Math.floor(rand() * denied.length)]!;
    } else if (u < shares.undef + shares.denied + shares.rare) {
      n = all[Math.floor(rand() * all.length)]!;
    } else {
      let pick = rand() * totalWeight;
      n = common[common.length - 1]![0];
      for (const [cnr, w] of common) {
        pick -= w;
        if (pick < 0) {
          n = cnr;
          break;
        }
      }
    }
    nr[i] = n;
    for (let a = 0; a < 6; a++) {
      const kind = rand();
      let lo: number;
      let hi = 0;
      if (kind < 0.45) {
        lo = Math.floor(rand() * 64); // file descriptors, small flags, indexes
      } else if (kind < 0.7) {
        lo = [0, 1, 4096, 65536, 0x80000, 0x800, 0x2000000][Math.floor(rand() * 7)]!; // sizes and flags
      } else {
        lo = Math.floor(rand() * 0x100000000) & ~7; // a pointer
        hi = arch.bits === 64 ? 0x7ff0 + Math.floor(rand() * 16) : 0;
      }
      argWords[i * 12 + 2 * a] = lo >>> 0;
      argWords[i * 12 + 2 * a + 1] = hi;
    }
  }
  return { arch, count, nr, argWords };
}

/** Writes call `i` of `mix` as seccomp_data into `view` (arch and byte order of the mix); allocates nothing. */
export function writeMixCall(view: DataView, mix: SyscallMix, i: number): void {
  writeSeccompDataWords(view, mix.nr[i]!, mix.arch.auditArch, mix.argWords, mix.arch.endian, 0, 0, i * 12);
}
