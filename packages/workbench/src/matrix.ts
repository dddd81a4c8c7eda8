/**
 * The seed's requirement, evaluated: every {old, new} filter x {old, new} kernel x program
 * combination must be fail-safe.
 *
 * Model of one cell:
 * - the kernel knows struct version K (ksize = K.size). copy_struct_from_user decides the
 *   syscall's own fate (@ea/layout's copyEaArgs): usize > ksize with a non-zero byte in
 *   [ksize, usize) is E2BIG before anything happens; otherwise the kernel consumes bytes
 *   [0, min(usize, ksize)), zero-filled to ksize.
 * - the filter sees the image that kernel's flattener builds (@ea/layout, with ksize); esize is
 *   computed over all usize caller bytes (the tail-zero rule needs them).
 * - fail-safe: the call does not go through (filter denies, or the syscall fails), or it goes
 *   through and (a) every non-zero byte the kernel consumes lies inside the struct the filter
 *   knows (no unvetted field) and (b) the filter's checks hold on the bytes the kernel consumes.
 */
import {
  EA_META_ESIZE, EA_META_ROOT, EA_META_USIZE, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_ERRNO, type Endian,
} from '@ea/bpf';
import { AddressSpace, copyEaArgs } from '@ea/layout';
import {
  buildFilter, checksHold, type GuardForm, needsOf, pathFields, readField, resolvePath, type Strategy, type Version,
  writeField,
} from '@ea/policy';
import type { EaCall, Engine } from './engine.js';
import type { Program, Scenario } from './scenarios.js';

/** Tells whether a side of a compatibility cell is the old or the new version. */
export type Age = 'old' | 'new';

/** Describes one cell of the compatibility matrix: filter and kernel age, what the filter saw, and the outcomes. */
export interface Cell {
  readonly filter: Age;
  readonly kernel: Age;
  readonly program: string;
  /** What the filter saw: ea_meta.usize and .esize, and each field it reads (or every field of the newer struct). */
  readonly usize: number;
  readonly esize: number;
  readonly seen: Readonly<Record<string, string>>;
  readonly verdict: string;
  readonly jitVerdict: string | null;
  readonly syscall: string;
  readonly goesThrough: boolean;
  /** Non-zero fields the kernel consumes that the filter does not know. */
  readonly unvetted: readonly string[];
  readonly failSafe: boolean;
}

/** Options of the compatibility matrix: the guard form and the strategy. */
export interface MatrixOptions {
  readonly guard: GuardForm;
  readonly strategy?: Strategy;
}

/** Holds one syscall's compatibility matrix: every cell and whether all of them fail safe. */
export interface Matrix {
  readonly syscall: string;
  readonly guard: GuardForm;
  readonly cells: readonly Cell[];
  readonly allFailSafe: boolean;
}

const ERRNO_NAMES: Readonly<Record<number, string>> = { 1: 'EPERM', 7: 'E2BIG', 14: 'EFAULT', 22: 'EINVAL' };

/** Names a seccomp return value. */
export function actionName(ret: number): string {
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW) return 'ALLOW';
  if (action === SECCOMP_RET_ERRNO) {
    const errno = ret & SECCOMP_RET_DATA;
    return `ERRNO(${ERRNO_NAMES[errno] ?? errno})`;
  }
  if (action === SECCOMP_RET_KILL_PROCESS) return 'KILL_PROCESS';
  if (action === SECCOMP_RET_KILL_THREAD) return 'KILL_THREAD';
  return `0x${ret.toString(16)}`;
}

/** Evaluates the whole matrix of a scenario through the given engine. */
export function compatMatrix(scenario: Scenario, engine: Engine, options: MatrixOptions): Matrix {
  const strategy = options.strategy ?? 'jump-table';
  const order = scenario.arch.endian;
  const cells: Cell[] = [];
  const newest = scenario.versions.new.struct;
  for (const filterAge of ['old', 'new'] as const) {
    const fv = scenario.versions[filterAge];
    const checks = scenario.filters[filterAge];
    const needs = needsOf(fv.struct, checks);
    const built = buildFilter({
      arch: scenario.arch,
      nr: fv.sys.nr,
      struct: fv.struct,
      placement: engine.placement(fv.sys, strategy, needs),
      checks,
      guard: options.guard,
    });
    const verified = engine.verify(built.insns);
    for (const kernelAge of ['old', 'new'] as const) {
      const kv = scenario.versions[kernelAge];
      for (const program of scenario.programs) {
        const bytes = programBytes(scenario, program);
        const call = callOf(scenario, kv, bytes, program.pointer ?? 'struct');
        const image = engine.image(call, kv.sys, strategy, needs);
        const ret = engine.interpret(verified, image.view);
        const jitRet = engine.jit === null ? null : engine.jit(verified, image.view);
        // The syscall's own fate: @ea/layout's copy model (checked against the running kernel).
        const outcome = copyEaArgs(kv.sys, call.regs.args, call.memory);
        const allowed = (ret & SECCOMP_RET_ACTION_FULL) >>> 0 === SECCOMP_RET_ALLOW;
        const goesThrough = allowed && outcome.ok;
        const consumed = outcome.ok ? outcome.bytes : new Uint8Array(0);
        const unvetted = pathFields(kv.struct)
          .filter((f) => f.offset >= fv.struct.size && readField(consumed, f.offset, f.size, order) !== 0n)
          .map((f) => f.name);
        const vetted = checksHold(fv.struct, checks, consumed, order);
        const little = order === 'le';
        const root = image.view.getUint32(EA_META_ROOT, little);
        const seen: Record<string, string> = {};
        for (const f of pathFields(newest)) {
          if (!scenario.shown.includes(f.name)) continue;
          seen[f.name] = f.offset < fv.struct.size ? hex(imageField(image.view, root + f.offset, f.size, order)) : '-';
        }
        cells.push({
          filter: filterAge,
          kernel: kernelAge,
          program: program.name,
          usize: image.view.getUint32(EA_META_USIZE, little),
          esize: image.view.getUint32(EA_META_ESIZE, little),
          seen,
          verdict: actionName(ret),
          jitVerdict: jitRet === null ? null : actionName(jitRet),
          syscall: outcome.ok ? 'ok' : outcome.errno,
          goesThrough,
          unvetted,
          failSafe: !goesThrough || (unvetted.length === 0 && vetted),
        });
      }
    }
  }
  return { syscall: scenario.name, guard: options.guard, cells, allFailSafe: cells.every((c) => c.failSafe) };
}

/** Returns the caller's struct bytes for a program (its header's size, its field values). */
export function programBytes(scenario: Scenario, program: Program): Uint8Array {
  const struct = scenario.versions[program.version].struct;
  const bytes = new Uint8Array(struct.size);
  for (const [name, value] of Object.entries(program.fields)) {
    const f = resolvePath(struct, name).field;
    writeField(bytes, f.offset, f.size, scenario.arch.endian, value);
  }
  return bytes;
}

/** The struct lives at this address in the modelled caller's memory. */
export const STRUCT_ADDRESS = 0x7f0000001000n;

/** An address nothing is mapped at in the modelled memory. */
const UNMAPPED_ADDRESS = 0x7f0000100000n;

function callOf(scenario: Scenario, kv: Version, bytes: Uint8Array, pointer: NonNullable<Program['pointer']>): EaCall {
  const args: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];
  args[kv.sys.ptrArg] = pointer === 'struct' ? STRUCT_ADDRESS : pointer === 'null' ? 0n : UNMAPPED_ADDRESS;
  if (kv.sys.size.kind === 'arg') args[kv.sys.size.arg] = BigInt(bytes.length);
  return {
    regs: { nr: kv.sys.nr, arch: scenario.arch.auditArch, args },
    memory: new AddressSpace().map(STRUCT_ADDRESS, bytes),
  };
}

/** Reads a field from the image (bytes past its end read as zero). */
function imageField(view: DataView, at: number, size: 1 | 2 | 4 | 8, order: Endian): bigint {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) bytes[i] = at + i < view.byteLength ? view.getUint8(at + i) : 0;
  return readField(bytes, 0, size, order);
}

function hex(v: bigint): string {
  return v < 10n ? v.toString() : `0x${v.toString(16)}`;
}
