/**
 * runc's -ENOSYS answer (libcontainer/seccomp/patchbpf/enosys_linux.go), as a rule on
 * (seccomp_data.arch, nr). runc prepends a stub to libseccomp's filter so that a syscall newer
 * than the profile fails with ENOSYS (and glibc falls back, as for clone3) instead of getting the
 * default action's EPERM. docs/runc-enosys.md has the rule with its sources; in short:
 *   - no stub when the default action is ALLOW, LOG or TRACE (isAllowAction); runc also skips
 *     it when defaultErrnoRet equals SCMP_ACT_ERRNO(ENOSYS) = 0x50026, a value no errno we read
 *     can take (errnoRet is at most 65535), so here only the default action decides;
 *   - per architecture of the filter (the native one always included), `last` is the largest
 *     number any rule of the profile names there (whatever its action or conditions; names the
 *     arch lacks are ignored), as libseccomp resolves names: on i386, s390x and ppc64(le) a
 *     socket or IPC name resolves to socketcall or ipc, not to its direct number; an
 *     architecture where that is 0 gets no section;
 *   - x86_64 and x32 share AUDIT_ARCH_X86_64 and are told apart by bit 30 of nr: set, x32's
 *     section (if any) decides; clear, x86_64's. So with x86_64 only, 0x80000000..0xbfffffff
 *     get ENOSYS and every number with bit 30 set goes to the filter;
 *   - s390x also answers nr 0 with ENOSYS (the multiplexer unknown large numbers end up at);
 *   - nr > last gets ERRNO(ENOSYS) before the filter runs; anything else, and any other
 *     AUDIT_ARCH, goes to the filter.
 * The compiler writes the answer into its dispatch as ranges (enosysRanges), which costs a few
 * instructions rather than runc's separate stub.
 */
import { SECCOMP_RET_ERRNO, X32_SYSCALL_BIT } from '@ea/bpf';
import { ARCHES, type ArchName, syscallNumber } from '@ea/seccomp';
import { multiplexOf } from './multiplex.js';
import type { ResolvedProfile } from './resolve.js';

/** What runc's stub answers: SCMP_ACT_ERRNO(ENOSYS). */
export const ENOSYS_RET = (SECCOMP_RET_ERRNO | 38) >>> 0;

/** Per architecture of the filter, the largest syscall number the profile names there (arches with none are absent). */
export type EnosysRule = Readonly<Partial<Record<ArchName, number>>>;

const U32_MAX = 0xffffffff;
const BIT30 = X32_SYSCALL_BIT;

/** Returns runc's stub for a resolved profile, or undefined when runc adds none (the default action is ALLOW, LOG or TRACE). */
export function planEnosys(resolved: ResolvedProfile): EnosysRule | undefined {
  const d = resolved.defaultAction;
  if (d === 'SCMP_ACT_ALLOW' || d === 'SCMP_ACT_LOG' || d === 'SCMP_ACT_TRACE') return undefined;
  const last: Partial<Record<ArchName, number>> = {};
  for (const arch of resolved.arches) {
    let largest = 0;
    for (const rule of resolved.rules) {
      for (const name of rule.names) {
        // libseccomp (seccomp_syscall_resolve_name_arch, which runc asks) places socket and IPC
        // names at socketcall/ipc on the multiplexing ABIs, whatever direct number they also have.
        const mux = multiplexOf(arch, name);
        const nr = syscallNumber(arch, mux === undefined ? name : mux.via);
        if (nr !== undefined && nr > largest) largest = nr;
      }
    }
    // findLastSyscalls drops an arch whose largest number is 0 ("could not find any syscalls").
    if (largest !== 0) last[arch] = largest;
  }
  return last;
}

/** Tells whether runc's stub answers ENOSYS for this call (the model the compiled ranges are tested against). */
export function enosysAnswers(rule: EnosysRule, auditArch: number, nr: number): boolean {
  const arches = (Object.keys(rule) as ArchName[]).filter((a) => ARCHES[a].auditArch >>> 0 === auditArch >>> 0);
  if (arches.length === 0) return false;
  const n = nr >>> 0;
  if (arches.includes('x86_64') || arches.includes('x32')) {
    const section = (n & BIT30) !== 0 ? rule.x32 : rule.x86_64;
    return section !== undefined && n > section;
  }
  const a = arches[0]!;
  if (a === 's390x' && n === 0) return true;
  return n > rule[a]!;
}

/** Returns the numbers of one AUDIT_ARCH value the stub answers ENOSYS, as sorted disjoint ranges. */
export function enosysRanges(rule: EnosysRule, auditArch: number): { readonly lo: number; readonly hi: number }[] {
  const out: { lo: number; hi: number }[] = [];
  const above = (last: number, hi: number): void => {
    if (last < hi) out.push({ lo: last + 1, hi });
  };
  const arches = (Object.keys(rule) as ArchName[]).filter((a) => ARCHES[a].auditArch >>> 0 === auditArch >>> 0);
  if (arches.length === 0) return out;
  if (arches.includes('x86_64') || arches.includes('x32')) {
    // Bit 30 clear: [0, 0x3fffffff] and [0x80000000, 0xbfffffff]; set: the other two quarters.
    const x64 = rule.x86_64;
    const x32 = rule.x32;
    if (x64 !== undefined) above(Math.min(x64, BIT30 - 1), BIT30 - 1);
    if (x32 !== undefined) above(Math.max(Math.min(x32, 2 * BIT30 - 1), BIT30 - 1), 2 * BIT30 - 1);
    if (x64 !== undefined) above(Math.max(x64, 2 * BIT30 - 1), 3 * BIT30 - 1);
    if (x32 !== undefined) above(Math.max(x32, 3 * BIT30 - 1), U32_MAX);
    return out;
  }
  const a = arches[0]!;
  if (a === 's390x') out.push({ lo: 0, hi: 0 });
  above(rule[a]!, U32_MAX);
  return out;
}
