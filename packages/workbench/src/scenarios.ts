/**
 * The matrix's scenarios: two struct versions, the filter a policy author would write for each,
 * and programs built against either header. Field values are chosen so that the old filter
 * alone would allow the call: whatever it then lets through that it should not is the guard's
 * business, not a check's.
 */
import { ARCHES, type ArchInfo } from '@ea/seccomp';
import { type Check, CLONE_INTO_CGROUP, CLONE_NEWUSER, O_CREAT, RESOLVE_BENEATH, type Version, version } from '@ea/policy';

/** Describes a caller of a scenario: the header version it was built against and the fields it sets. */
export interface Program {
  readonly name: string;
  /** The header the program was built against. */
  readonly version: 'old' | 'new';
  readonly fields: Readonly<Record<string, bigint>>;
  /**
   * Where the struct pointer points: the struct (default), NULL, or an unmapped page. The copy
   * then fails (the kernel's EFAULT); the filter sees the same image in both strategies
   * (docs/ea-image.md, "When the copy fails").
   */
  readonly pointer?: 'struct' | 'null' | 'unmapped';
}

/** Describes a compatibility scenario: struct versions, old and new filters, and the callers. */
export interface Scenario {
  readonly name: string;
  readonly arch: ArchInfo;
  /** The struct versions, as @ea/layout's catalog describes a kernel of each. */
  readonly versions: { readonly old: Version; readonly new: Version };
  readonly filters: { readonly old: readonly Check[]; readonly new: readonly Check[] };
  readonly programs: readonly Program[];
  /** Fields the table shows. */
  readonly shown: readonly string[];
}

const SIGCHLD = 17n;

const clone3Old: readonly Check[] = [{ path: 'flags', test: { op: 'noneSet', mask: CLONE_NEWUSER } }];

/** clone3: VER0 (64) vs VER2 (88); the newer filter also pins cgroup to "unused or fd 5". */
export const CLONE3: Scenario = {
  name: 'clone3',
  arch: ARCHES.x86_64,
  versions: { old: version('clone3', 'VER0'), new: version('clone3', 'VER2') },
  filters: { old: clone3Old, new: [...clone3Old, { path: 'cgroup', test: { op: 'oneOf', values: [0n, 5n] } }] },
  programs: [
    { name: 'VER0 fork', version: 'old', fields: { exit_signal: SIGCHLD } },
    { name: 'VER0 NEWUSER', version: 'old', fields: { flags: CLONE_NEWUSER, exit_signal: SIGCHLD } },
    { name: 'VER2 cgroup=0', version: 'new', fields: { exit_signal: SIGCHLD } },
    { name: 'VER2 cgroup=5', version: 'new', fields: { flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 5n } },
    { name: 'VER2 cgroup=9', version: 'new', fields: { flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 9n } },
    { name: 'VER2 NULL', version: 'new', fields: {}, pointer: 'null' },
    { name: 'VER2 unmapped', version: 'new', fields: {}, pointer: 'unmapped' },
  ],
  shown: ['flags', 'cgroup'],
};

const openat2Old: readonly Check[] = [
  { path: 'resolve', test: { op: 'allSet', mask: RESOLVE_BENEATH } },
  { path: 'flags', test: { op: 'noneSet', mask: O_CREAT } },
];

/** Hypothetical open_how VER1 field `ext_flags` bit 1: something the newer filter refuses. */
export const EXT_UNSAFE = 0x2n;

/** openat2: today's 24 bytes vs a hypothetical VER1 (32) adding u64 `ext_flags`; the newer filter refuses its bit 1. */
export const OPENAT2: Scenario = {
  name: 'openat2',
  arch: ARCHES.x86_64,
  versions: { old: version('openat2'), new: version('openat2_next', 'VER1') },
  filters: { old: openat2Old, new: [...openat2Old, { path: 'ext_flags', test: { op: 'noneSet', mask: EXT_UNSAFE } }] },
  programs: [
    { name: 'VER0 beneath', version: 'old', fields: { resolve: RESOLVE_BENEATH } },
    { name: 'VER0 O_CREAT', version: 'old', fields: { flags: O_CREAT, mode: 0o600n, resolve: RESOLVE_BENEATH } },
    { name: 'VER1 ext_flags=0', version: 'new', fields: { resolve: RESOLVE_BENEATH } },
    { name: 'VER1 ext_flags=1', version: 'new', fields: { resolve: RESOLVE_BENEATH, ext_flags: 1n } },
    { name: 'VER1 ext_flags=2', version: 'new', fields: { resolve: RESOLVE_BENEATH, ext_flags: EXT_UNSAFE } },
    { name: 'VER1 NULL', version: 'new', fields: {}, pointer: 'null' },
    { name: 'VER1 unmapped', version: 'new', fields: {}, pointer: 'unmapped' },
  ],
  shown: ['flags', 'resolve', 'ext_flags'],
};

/** The scenarios `compat` knows, by syscall name. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = { clone3: CLONE3, openat2: OPENAT2 };
