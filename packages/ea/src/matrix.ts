/**
 * The seed's requirement, evaluated: every {old, new} filter x {old, new} kernel x program
 * combination must be fail-safe.
 *
 * Model of one cell:
 * - the kernel knows struct version K (ksize = K.size). copy_struct_from_user decides the
 *   syscall's own fate: usize > ksize with a non-zero byte in [ksize, usize) is E2BIG before
 *   anything happens; otherwise the kernel consumes bytes [0, min(usize, ksize)), zero-filled.
 * - the filter sees the image that kernel's flattener builds (@ea/layout, with ksize); esize is
 *   computed over all usize caller bytes (the tail-zero rule needs them).
 * - fail-safe: the call does not go through (filter denies, or the syscall fails), or it goes
 *   through and (a) every non-zero byte the kernel consumes lies inside the struct the filter
 *   knows (no unvetted field) and (b) the filter's checks hold on the bytes the kernel consumes.
 */
import { SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO } from '@ea/bpf';
import { buildFilter } from './build.js';
import type { EaCall, Engine } from './engine.js';
import { checksHold, readField, writeField } from './fields.js';
import type { GuardForm } from './policy.js';
import type { Scenario } from './scenarios.js';
import { resolvePath } from './shapes.js';
import type { Strategy } from './placement.js';

export type Age = 'old' | 'new';

export type SyscallOutcome = { readonly ok: true } | { readonly ok: false; readonly errno: 'E2BIG' | 'EINVAL' };

/** Models copy_struct_from_user plus the callers' bounds (usize < VER0: EINVAL; > 4096: E2BIG). */
export function copyOutcome(bytes: Uint8Array, ksize: number, ver0: number): SyscallOutcome {
  if (bytes.length > 4096) return { ok: false, errno: 'E2BIG' };
  if (bytes.length < ver0) return { ok: false, errno: 'EINVAL' };
  for (let i = ksize; i < bytes.length; i += 1) if (bytes[i] !== 0) return { ok: false, errno: 'E2BIG' };
  return { ok: true };
}

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

export interface MatrixOptions {
  readonly guard: GuardForm;
  readonly strategy?: Strategy;
}

export interface Matrix {
  readonly syscall: string;
  readonly guard: GuardForm;
  readonly cells: readonly Cell[];
  readonly allFailSafe: boolean;
}

/** Names a seccomp return value. */
export function actionName(ret: number): string {
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW) return 'ALLOW';
  if (action === SECCOMP_RET_ERRNO) return `ERRNO(${ret & SECCOMP_RET_DATA})`;
  if (action === 0x80000000) return 'KILL_PROCESS';
  if (action === 0) return 'KILL_THREAD';
  return `0x${ret.toString(16)}`;
}

/** Evaluates the whole matrix of a scenario through the given engine. */
export function compatMatrix(scenario: Scenario, engine: Engine, options: MatrixOptions): Matrix {
  const strategy = options.strategy ?? 'jump-table';
  const order = scenario.arch.order;
  const cells: Cell[] = [];
  const newest = scenario.versions.new;
  for (const filterAge of ['old', 'new'] as const) {
    const fStruct = scenario.versions[filterAge];
    const checks = scenario.filters[filterAge];
    const built = buildFilter({
      arch: scenario.arch,
      nr: scenario.nr,
      struct: fStruct,
      placement: engine.placement(fStruct, strategy),
      checks,
      guard: options.guard,
    });
    const verified = engine.verify(built.insns);
    for (const kernelAge of ['old', 'new'] as const) {
      const kStruct = scenario.versions[kernelAge];
      for (const program of scenario.programs) {
        const pStruct = scenario.versions[program.version];
        const bytes = new Uint8Array(pStruct.size);
        for (const [name, value] of Object.entries(program.fields)) {
          const f = resolvePath(pStruct, name).field;
          writeField(bytes, f.offset, f.size, order, value);
        }
        const call: EaCall = {
          arch: scenario.arch,
          nr: scenario.nr,
          ptrArg: scenario.ptrArg,
          sizeArg: scenario.sizeArg,
          bytes,
          address: 0x7f0000001000n,
          memory: [],
        };
        const image = engine.image(call, kStruct, strategy);
        const ret = engine.interpret(verified, image.view);
        const jitRet = engine.jit === null ? null : engine.jit(verified, image.view);
        const outcome = copyOutcome(bytes, kStruct.size, scenario.versions.old.size);
        const allowed = (ret & SECCOMP_RET_ACTION_FULL) >>> 0 === SECCOMP_RET_ALLOW;
        const goesThrough = allowed && outcome.ok;
        const consumed = bytes.slice(0, Math.min(bytes.length, kStruct.size));
        const unvetted = kStruct.fields
          .filter((f) => f.offset >= fStruct.size && readField(consumed, f.offset, f.size, order) !== 0n)
          .map((f) => f.name);
        const vetted = checksHold(fStruct, checks, consumed, order);
        const seen: Record<string, string> = {};
        for (const f of newest.fields) {
          if (!scenario.shown.includes(f.name)) continue;
          seen[f.name] =
            f.offset < fStruct.size ? hex(imageField(image.view, engine, fStruct, strategy, f.name, order)) : '-';
        }
        cells.push({
          filter: filterAge,
          kernel: kernelAge,
          program: program.name,
          usize: image.view.getUint32(64, order === 'le'),
          esize: image.view.getUint32(68, order === 'le'),
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

/** Reads a root field from the image where the filter's placement says it is. */
function imageField(
  view: DataView,
  engine: Engine,
  struct: Scenario['versions']['old'],
  strategy: Strategy,
  name: string,
  order: 'le' | 'be',
): bigint {
  const f = resolvePath(struct, name).field;
  const at = engine.placement(struct, strategy).root + f.offset;
  const bytes = new Uint8Array(f.size);
  for (let i = 0; i < f.size; i += 1) bytes[i] = at + i < view.byteLength ? view.getUint8(at + i) : 0;
  return readField(bytes, 0, f.size, order);
}

function hex(v: bigint): string {
  return v < 10n ? v.toString() : `0x${v.toString(16)}`;
}
