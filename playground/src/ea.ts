/**
 * The EA view: the struct (pahole style), the flattened image of a demo call (@ea/layout, the
 * text `ea-bpf layout` prints) and the fail-safe compatibility matrix (@ea/workbench, as
 * `ea-bpf compat` prints it), for the filter the user pasted when it reads EA structs:
 * - a profile with EA rules: its rule's checks are the matrix's new filter (and the old one when
 *   they resolve in the old struct), the image is flattened with the profile's strategy and
 *   needs, and the profile's own compiled filter runs on every cell's image, as
 *   examples/docker-clone3.ts does;
 * - a classic program verified with the `ea` profile: its syscall is found by the number it
 *   compares, and it runs on every cell's image (jump-table images with every pointee copied:
 *   a jump-table slot's place does not depend on what is copied).
 * Anything else gets the workbench's own scenario, and the page says so.
 */
import { type Insn, readProgram, type ProgramFormat } from '@ea/bpf';
import { AddressSpace, demoCall, type EaSyscall, eaSyscall, Flattener, pahole, renderImageText } from '@ea/layout';
import { type Check, type Needs, resolvePath, type Strategy, type Version } from '@ea/policy';
import { compileProfile, planEa } from '@ea/profile';
import { archInfo, syscallNumber } from '@ea/seccomp';
import { verify, type VerifiedProgram } from '@ea/verifier';
import { actionName, compatMatrix, defaultEngine, formatMatrix, type Program, programBytes, SCENARIOS, type Scenario, STRUCT_ADDRESS } from '@ea/workbench';
import { type Input, isJson, type Settings, type ShownError, shownError } from './analyze.js';

/** The pasted filter's verdict on one cell's call, beside the matrix's new filter's. */
export interface OwnRow {
  readonly kernel: 'old' | 'new';
  readonly program: string;
  readonly interpreter: string;
  readonly jit: string;
  readonly matrix: string;
}

/** What the EA view shows, or the typed error. */
export type EaAnswer =
  | {
      readonly ok: true;
      /** Whose filter is drawn: the scenario's, or the pasted one's (and why). */
      readonly source: string;
      readonly syscall: string;
      readonly layout: string;
      readonly matrix: string;
      readonly allFailSafe: boolean;
      /** The pasted filter on every cell's call (null when the input is not an EA filter). */
      readonly own: readonly OwnRow[] | null;
    }
  | { readonly ok: false; readonly error: ShownError };

/** An address nothing is mapped at (the matrix's "unmapped" programs). */
const UNMAPPED = 0x7f0000100000n;

function scenarioOf(syscall: string): Scenario {
  const s = SCENARIOS[syscall];
  if (s === undefined) throw new RangeError(`no EA scenario named ${JSON.stringify(syscall.slice(0, 40))} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  return s;
}

function layoutText(sys: EaSyscall, strategy: Strategy, needs: Needs): string {
  const demo = demoCall(sys, sys.ksize);
  const f = new Flattener(sys, { root: needs.root, pointees: needs.pointees }, { strategy });
  f.flatten(demo.registers, demo.memory);
  return `${pahole(sys.struct)}\n\n${renderImageText(f)}\n`;
}

/** Needs that copy the whole struct and every demo pointee. */
export function everything(sys: EaSyscall): Needs {
  const n = demoCall(sys, sys.ksize).needs;
  return { root: Math.max(n.root ?? 0, sys.ksize), pointees: n.pointees ?? {} };
}

function resolves(version: Version, checks: readonly Check[]): boolean {
  try {
    for (const c of checks) resolvePath(version.struct, c.path);
    return true;
  } catch {
    return false;
  }
}

/** Runs a filter (both engines) on the image a kernel of each age builds for each program of the scenario. */
function ownRows(sc: Scenario, program: VerifiedProgram, strategy: Strategy, needs: (sys: EaSyscall) => Needs, matrix: ReturnType<typeof compatMatrix>): OwnRow[] {
  const engine = defaultEngine(sc.arch.endian);
  const rows: OwnRow[] = [];
  for (const kernel of ['old', 'new'] as const) {
    const kv = sc.versions[kernel];
    for (const p of sc.programs) {
      const view = engine.image(callOf(sc, kv.sys, p), kv.sys, strategy, needs(kv.sys)).view;
      const cell = matrix.cells.find((c) => c.filter === 'new' && c.kernel === kernel && c.program === p.name)!;
      rows.push({ kernel, program: p.name, interpreter: actionName(engine.interpret(program, view) >>> 0), jit: actionName(engine.jit!(program, view) >>> 0), matrix: cell.verdict });
    }
  }
  return rows;
}

function callOf(sc: Scenario, sys: EaSyscall, p: Program): { regs: { nr: number; arch: number; args: bigint[] }; memory: AddressSpace } {
  const bytes = programBytes(sc, p);
  const pointer = p.pointer ?? 'struct';
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  args[sys.ptrArg] = pointer === 'struct' ? STRUCT_ADDRESS : pointer === 'null' ? 0n : UNMAPPED;
  if (sys.size.kind === 'arg') args[sys.size.arg] = BigInt(bytes.length);
  return { regs: { nr: sys.nr, arch: sc.arch.auditArch, args }, memory: new AddressSpace().map(STRUCT_ADDRESS, bytes) };
}

/** The EA syscalls a classic program compares the syscall number with (jeq/jne/... #nr). */
export function comparedEaSyscalls(insns: readonly Insn[], arch: string): string[] {
  return Object.keys(SCENARIOS).filter((name) => {
    const nr = syscallNumber(arch, name);
    return nr !== undefined && insns.some((i) => i.kind === 'jmp' && i.src === 'k' && i.k === nr);
  });
}

function scenarioAnswer(syscall: string, strategy: Strategy, source: string): EaAnswer {
  const sc = scenarioOf(syscall);
  const matrix = compatMatrix(sc, defaultEngine(), { guard: 'tailzero', strategy });
  const sys = eaSyscall(syscall);
  const layout = layoutText(sys, strategy, strategy === 'fixed-window' ? everything(sys) : { root: sys.ksize, pointees: {} });
  return { ok: true, source, syscall, layout, matrix: formatMatrix(matrix), allFailSafe: matrix.allFailSafe, own: null };
}

/** Renders the EA view for the page's input (or the scenario); never throws for bad input. */
export function eaAnswer(syscall: string, strategy: Strategy, input: Input | null = null, settings: Settings | null = null): EaAnswer {
  try {
    if (input === null || settings === null) return scenarioAnswer(syscall, strategy, `the workbench's ${syscall} scenario`);
    const text = 'text' in input ? input.text : new TextDecoder().decode(input.bytes);
    if (settings.format === 'profile' || (settings.format === 'auto' && isJson(input))) return profileAnswer(text, settings.arch, syscall, strategy);
    if (settings.profile === 'ea' && ['auto', 'asm', 'd', 'dd', 'ddd', 'bin'].includes(settings.format)) return programAnswer(input, settings, syscall, strategy);
    return scenarioAnswer(syscall, strategy, `the workbench's ${syscall} scenario (the input is not an EA filter: a profile with EA rules, or a program verified as ea)`);
  } catch (error) {
    return { ok: false, error: shownError(error) };
  }
}

function profileAnswer(text: string, arch: string, syscall: string, strategy: Strategy): EaAnswer {
  const c = compileProfile(text, { arch, eaStrategy: strategy });
  if (c.ea.length === 0) return scenarioAnswer(syscall, strategy, `the workbench's ${syscall} scenario (the profile has no EA rules)`);
  const target = c.ea.find((t) => t.syscall === syscall) ?? c.ea[0]!;
  const plan = planEa(c.resolved, archInfo(arch), strategy);
  const rule = [...plan.rules.entries()].find(([, bySyscall]) => bySyscall.has(target.syscall))!;
  const checks = rule[1].get(target.syscall)!.checks;
  const base = scenarioOf(target.syscall);
  const oldToo = resolves(base.versions.old, checks);
  const sc: Scenario = { ...base, name: `${base.name} (the profile's ${rule[0]})`, filters: { old: oldToo ? checks : base.filters.old, new: checks } };
  const matrix = compatMatrix(sc, defaultEngine(), { guard: 'tailzero', strategy });
  const source = `the profile's ${target.syscall} rule ${rule[0]}: ${target.version.struct.name} (${target.version.struct.size} bytes known), ${target.strategy}; the matrix's new filter has its checks${oldToo ? ', and so has the old one' : ", the old one the scenario's (the checks read fields the old struct lacks)"}`;
  return {
    ok: true, source, syscall: target.syscall,
    layout: layoutText(target.version.sys, target.strategy, target.needs),
    matrix: formatMatrix(matrix), allFailSafe: matrix.allFailSafe,
    own: ownRows(sc, c.program, target.strategy, () => target.needs, matrix),
  };
}

function programAnswer(input: Input, settings: Settings, syscall: string, strategy: Strategy): EaAnswer {
  const raw = 'text' in input ? input.text : input.bytes;
  const { insns } = readProgram(raw, settings.format === 'auto' ? {} : { format: settings.format as ProgramFormat });
  const program = verify(insns, { profile: 'ea' });
  const compared = comparedEaSyscalls(insns, settings.arch);
  if (compared.length === 0) return scenarioAnswer(syscall, strategy, `the workbench's ${syscall} scenario (the filter compares no EA syscall number of ${settings.arch})`);
  const name = compared.includes(syscall) ? syscall : compared[0]!;
  const sc = scenarioOf(name);
  const matrix = compatMatrix(sc, defaultEngine(), { guard: 'tailzero', strategy: 'jump-table' });
  const sys = eaSyscall(name);
  const source = `your filter, which compares the number of ${name}: the matrix is the workbench's ${name} scenario (jump table), and your filter runs on each of its calls (jump-table images, every pointee copied)${strategy === 'fixed-window' ? '; a pasted program\'s window placement is not known, so the fixed-window choice is not used' : ''}`;
  return {
    ok: true, source, syscall: name,
    layout: layoutText(sys, 'jump-table', everything(sys)),
    matrix: formatMatrix(matrix), allFailSafe: matrix.allFailSafe,
    own: ownRows(sc, program, 'jump-table', everything, matrix),
  };
}
