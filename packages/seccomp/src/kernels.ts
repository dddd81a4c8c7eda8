/**
 * Which syscalls a given kernel release implements, as far as the constant-action cache needs it:
 * the cache's bitmap has one bit per number below the arch's NR_syscalls (seccomp_cache_prepare,
 * since 5.11), and x86_64 hard-wires a few numbers as allowed. The syscall tables come from the
 * newest headers we package (generated/source.ts); an older release is modelled by cutting them at
 * the last number that release assigned. Since 5.1 every new syscall takes the next number on every
 * architecture at once (the unified 424+ block), so one number per release says it for all of them.
 * The facts and their sources are in docs/syscall-tables.md.
 */
import { X86_64_HARDWIRED_ALLOW } from '@ea/bpf';
import { type ArchName, archInfo } from './arch.js';
import { SeccompError } from './errors.js';
import { SYSCALL_TABLES_SOURCE } from './generated/source.js';

/** Describes one kernel release: the last syscall number it assigned, and what it added. */
export interface KernelRelease {
  /** major.minor, e.g. "6.18". */
  readonly release: string;
  /** The highest syscall number the release implements (the same on every arch we know). */
  readonly lastSyscall: number;
  /** The calls the release added to the unified block, for the reader. */
  readonly added: string;
}

/**
 * Lists every release from 5.11 (the first with the cache) that we can model exactly, oldest
 * first. 6.19, 7.0 and 7.1 are absent: no source we can cite exactly gives their last number
 * (listns is 470 and rseq_slice_yield 471 in 7.2's headers, but not when each came).
 */
export const KERNEL_RELEASES: readonly KernelRelease[] = Object.freeze(
  [
    ['5.11', 441, 'epoll_pwait2'],
    ['5.12', 442, 'mount_setattr'],
    ['5.13', 446, 'landlock_create_ruleset, landlock_add_rule, landlock_restrict_self'],
    ['5.14', 447, 'memfd_secret'],
    ['5.15', 448, 'process_mrelease'],
    ['5.16', 449, 'futex_waitv'],
    ['5.17', 450, 'set_mempolicy_home_node'],
    ['5.18', 450, ''],
    ['5.19', 450, ''],
    ['6.0', 450, ''],
    ['6.1', 450, ''],
    ['6.2', 450, ''],
    ['6.3', 450, ''],
    ['6.4', 450, ''],
    ['6.5', 451, 'cachestat'],
    ['6.6', 453, 'fchmodat2, map_shadow_stack'],
    ['6.7', 456, 'futex_wake, futex_wait, futex_requeue'],
    ['6.8', 461, 'statmount, listmount, lsm_get_self_attr, lsm_set_self_attr, lsm_list_modules'],
    ['6.9', 461, ''],
    ['6.10', 462, 'mseal'],
    ['6.11', 462, ''],
    ['6.12', 462, ''],
    ['6.13', 466, 'setxattrat, getxattrat, listxattrat, removexattrat'],
    ['6.14', 466, ''],
    ['6.15', 467, 'open_tree_attr'],
    ['6.16', 467, ''],
    ['6.17', 469, 'file_getattr, file_setattr'],
    ['6.18', 469, ''],
    ['7.2', 471, 'listns (470) and rseq_slice_yield came between 6.19 and 7.2'],
    ['7.3', 472, 'fchroot'],
  ].map(([release, lastSyscall, added]) => Object.freeze({ release, lastSyscall, added }) as KernelRelease),
);

/** Names the release the syscall tables were generated for: the default kernel everywhere. */
export const NEWEST_KERNEL: string = SYSCALL_TABLES_SOURCE.kernel;

/**
 * The first release that lets each of @ea/bpf's X86_64_HARDWIRED_ALLOW through ahead of every
 * filter: uretprobe since 6.14 (seccomp_is_const_allow, "passthrough uretprobe"), uprobe on 6.18
 * (the first release we know it in: observed on this machine's kernel).
 */
const HARDWIRED_SINCE: Readonly<Record<number, string>> = { 335: '6.14', 336: '6.18' };

function compare(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
}

/**
 * Returns the release `text` names: "6.18", "6.18.3" or a `uname -r` string such as
 * "6.18.0-1-amd64" (only major.minor counts), or "newest". Throws SeccompError UNKNOWN_KERNEL for
 * anything else, naming the releases we know.
 */
export function kernelRelease(text: string = NEWEST_KERNEL): KernelRelease {
  const wanted = text === 'newest' ? NEWEST_KERNEL : /^(\d{1,3})\.(\d{1,3})(?:[.-]|$)/.exec(text)?.slice(1, 3).join('.');
  const found = KERNEL_RELEASES.find((k) => k.release === wanted);
  if (found === undefined) {
    const known = `${KERNEL_RELEASES.map((k) => k.release).join(', ')} or newest`;
    const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
    throw new SeccompError('UNKNOWN_KERNEL', shown, `no exact syscall table for this kernel release (known: ${known})`);
  }
  return found;
}

/**
 * Returns the size of the constant-action cache's bitmap for `arch` on kernel `kernel`: one more
 * than the highest syscall number the release implements there (NR_syscalls). x32 numbers carry
 * X32_SYSCALL_BIT, which puts them outside every bitmap: 0.
 */
export function syscallCount(arch: ArchName | string, kernel?: string): number {
  const info = archInfo(arch);
  const last = kernelRelease(kernel).lastSyscall;
  if (info.nrBit !== 0) return 0;
  // Private numbers such as ARM's 0xf0000 block are above every release's lastSyscall.
  let max = -1;
  for (const nr of Object.values(info.syscalls)) if (nr <= last && nr > max) max = nr;
  return max + 1;
}

/** Returns the numbers `kernel` lets through ahead of every filter on native `arch` (x86_64 only). */
export function hardwiredAllow(arch: ArchName | string, kernel?: string): readonly number[] {
  const info = archInfo(arch);
  const release = kernelRelease(kernel).release;
  if (info.name !== 'x86_64') return [];
  return X86_64_HARDWIRED_ALLOW.filter((nr) => compare(release, HARDWIRED_SINCE[nr] ?? NEWEST_KERNEL) >= 0);
}
