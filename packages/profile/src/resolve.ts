/**
 * Resolves a ProfileDocument for one machine, the way dockerd's setupSeccomp (moby/profiles
 * seccomp_linux.go) and Podman's (containers/common pkg/seccomp) do: pick the architectures
 * (`architectures`, else the archMap entry of the native arch, else the native arch alone; runc's
 * libseccomp filter always keeps the native arch), keep the rules whose includes/excludes match
 * the native arch, the bounding capabilities and the kernel version, and turn actions into return
 * values as runc's getAction does (ERRNO and TRACE default to EPERM).
 */
import { ARCHES, type ArchName, isArchName, SYSCALL_ARCHES } from '@ea/seccomp';
import { ProfileError, type ProfileWarning } from './errors.js';
import type { ArgCondition, EaCondition, KernelVersion, ProfileDocument, RuleFilter, SyscallRule } from './model.js';
import { parseKernelVersion } from './read.js';
import { ACTION_BASE, type ActionName, actionTakesErrno, CAPABILITIES, DOCKER_DEFAULT_CAPS, SCMP_ARCHES, scmpArchOf } from './vocab.js';

/** The machine a profile is resolved for. */
export interface ResolveOptions {
  /** The native architecture (our names: x86_64, aarch64, ...). */
  readonly arch: string;
  /** The bounding capabilities: `default` (Docker's default set, the default), `none`, `all`, or a list. */
  readonly caps?: 'default' | 'none' | 'all' | readonly string[];
  /** The kernel version minKernel is compared with, "6.18" (default: 6.18, the kernel our syscall tables describe). */
  readonly kernel?: string;
}

/** A rule after resolution: its action is a return value. */
export interface ResolvedRule {
  readonly path: string;
  readonly names: readonly string[];
  readonly action: ActionName;
  /** The u32 the filter returns when this rule matches. */
  readonly ret: number;
  readonly args: readonly ArgCondition[];
  readonly ea: readonly EaCondition[];
}

/** A profile resolved for one machine: what runc would hand to libseccomp. */
export interface ResolvedProfile {
  readonly native: ArchName;
  /** The architectures the filter covers, native first; only ones we have tables for. */
  readonly arches: readonly ArchName[];
  readonly defaultAction: ActionName;
  readonly defaultRet: number;
  readonly rules: readonly ResolvedRule[];
  readonly flags: readonly string[];
  readonly warnings: readonly ProfileWarning[];
}

/** EPERM: what runc's getAction answers for ERRNO and TRACE without errnoRet. */
const EPERM = 1;

/** Returns the u32 an action returns (errno in the low 16 bits for ERRNO and TRACE). */
export function actionRet(action: ActionName, errnoRet: number | undefined): number {
  const base = ACTION_BASE[action];
  return actionTakesErrno(action) ? (base | ((errnoRet ?? EPERM) & 0xffff)) >>> 0 : base >>> 0;
}

function capsOf(caps: ResolveOptions['caps']): ReadonlySet<string> {
  if (caps === undefined || caps === 'default') return new Set(DOCKER_DEFAULT_CAPS);
  if (caps === 'none') return new Set();
  if (caps === 'all') return new Set(CAPABILITIES);
  if (!Array.isArray(caps)) throw new ProfileError('BAD_OPTION', 'caps', "expected 'default', 'none', 'all' or a list of CAP_* names");
  caps.forEach((c, i) => {
    if (!(CAPABILITIES as readonly string[]).includes(c)) throw new ProfileError('UNKNOWN_CAPABILITY', `caps[${i}]`, `unknown capability ${JSON.stringify(c)}`);
  });
  return new Set(caps);
}

function atLeast(kernel: KernelVersion, min: KernelVersion): boolean {
  return kernel.kernel > min.kernel || (kernel.kernel === min.kernel && kernel.major >= min.major);
}

/** The includes/excludes test of setupSeccomp: excludes win on any match; includes need every cap. */
function keeps(rule: SyscallRule, native: string, caps: ReadonlySet<string>, kernel: KernelVersion): boolean {
  const ex: RuleFilter | undefined = rule.excludes;
  if (ex !== undefined) {
    if (ex.arches.includes(native)) return false;
    if (ex.caps.some((c) => caps.has(c))) return false;
    if (ex.minKernel !== undefined && atLeast(kernel, ex.minKernel)) return false;
  }
  const inc: RuleFilter | undefined = rule.includes;
  if (inc !== undefined) {
    if (inc.arches.length > 0 && !inc.arches.includes(native)) return false;
    if (inc.caps.some((c) => !caps.has(c))) return false;
    if (inc.minKernel !== undefined && !atLeast(kernel, inc.minKernel)) return false;
  }
  return true;
}

/** Resolves a document for one machine; throws ProfileError for bad options. */
export function resolveProfile(doc: ProfileDocument, options: ResolveOptions): ResolvedProfile {
  if (typeof options !== 'object' || options === null || typeof options.arch !== 'string' || !isArchName(options.arch)) {
    throw new ProfileError('BAD_OPTION', 'arch', `expected one of ${SYSCALL_ARCHES.join(', ')}`);
  }
  const native = options.arch;
  const kernel = parseKernelVersion(options.kernel ?? '6.18');
  if (kernel === undefined) throw new ProfileError('BAD_OPTION', 'kernel', `${JSON.stringify(options.kernel)} is not "<kernel>.<major>"`);
  const caps = capsOf(options.caps);
  const nativeScmp = scmpArchOf(native);
  const nativeName = SCMP_ARCHES[nativeScmp]!.native;
  const warnings: ProfileWarning[] = [];

  const entry = doc.archMap.find((e) => e.architecture === nativeScmp);
  const listed: readonly string[] =
    doc.architectures.length > 0 ? doc.architectures : entry === undefined ? [] : [entry.architecture, ...entry.subArchitectures];
  const arches: ArchName[] = [native];
  const unsupported: string[] = [];
  for (const scmp of listed) {
    const a = SCMP_ARCHES[scmp]!.arch;
    if (a === undefined) unsupported.push(scmp);
    else if (!arches.includes(a)) arches.push(a);
  }
  // One kernel has one byte order; libseccomp refuses such a filter (EDOM) and so does runc.
  const mixed = arches.find((a) => ARCHES[a].endian !== ARCHES[native].endian);
  if (mixed !== undefined) {
    throw new ProfileError('MIXED_BYTE_ORDER', doc.architectures.length > 0 ? 'architectures' : 'archMap', `${native} and ${mixed} differ in byte order: one filter cannot serve both`);
  }
  if (unsupported.length > 0) {
    warnings.push({
      code: 'UNSUPPORTED_ARCH',
      paths: [],
      message: `no syscall table for ${unsupported.join(', ')}: the filter does not cover ${unsupported.length === 1 ? 'it' : 'them'} (such calls get the bad-arch action)`,
    });
  }

  const rules: ResolvedRule[] = [];
  for (const rule of doc.syscalls) {
    if (!keeps(rule, nativeName, caps, kernel)) continue;
    rules.push({ path: rule.path, names: rule.names, action: rule.action, ret: actionRet(rule.action, rule.errnoRet), args: rule.args, ea: rule.ea });
  }
  return {
    native,
    arches,
    defaultAction: doc.defaultAction,
    defaultRet: actionRet(doc.defaultAction, doc.defaultErrnoRet),
    rules,
    flags: doc.flags,
    warnings,
  };
}
