/**
 * What the EA examples print: a policy compiled for one flattening strategy (its disassembly
 * and instruction counts), then for each call the image summary and the verdicts of the
 * interpreter and the JIT, which must agree (a disagreement throws).
 */
import { disassemble } from '@ea/bpf';
import type { ArchInfo } from '@ea/seccomp';
import { type BuiltFilter, type Check, type GuardForm, type Strategy, type Version, buildFilter, needsOf } from '@ea/policy';
import type { EaCall, Engine } from './engine.js';
import { actionName } from './matrix.js';

/** Describes one call of a demo: its label and the call (registers and memory). */
export interface DemoCase {
  readonly label: string;
  readonly call: EaCall;
}

/** Holds what the interpreter and the JIT answered for one demo call, with the image summary. */
export interface DemoVerdict {
  readonly label: string;
  readonly interpreter: string;
  readonly jit: string;
  readonly summary: readonly string[];
}

/** Holds a demo's built filter, its verdicts and its printed report. */
export interface DemoResult {
  readonly built: BuiltFilter;
  readonly verdicts: readonly DemoVerdict[];
  /** Everything the example prints for this strategy. */
  readonly text: string;
}

/** Describes a demo: title, arch, struct version, checks, strategy, guard and the calls. */
export interface DemoSpec {
  readonly title: string;
  readonly arch: ArchInfo;
  readonly version: Version;
  readonly checks: readonly Check[];
  readonly strategy: Strategy;
  readonly guard?: GuardForm;
  readonly cases: readonly DemoCase[];
}

/** Builds, verifies and runs a policy over each case with both engines; returns the report. */
export function runDemo(engine: Engine, spec: DemoSpec): DemoResult {
  const { version: v, strategy } = spec;
  const needs = needsOf(v.struct, spec.checks);
  const built = buildFilter({
    arch: spec.arch,
    nr: v.sys.nr,
    struct: v.struct,
    placement: engine.placement(v.sys, strategy, needs),
    checks: spec.checks,
    guard: spec.guard ?? 'tailzero',
  });
  const verified = engine.verify(built.insns);
  const lines = [
    `== ${spec.title}: ${strategy} ==`,
    `filter (${built.insns.length} instructions; guard ${built.guardInsns}; per check ${spec.checks
      .map((c, i) => `${c.path}: ${built.perCheck[i]}`)
      .join(', ')})`,
    ...disassemble(built.insns).trimEnd().split('\n'),
  ];
  const verdicts: DemoVerdict[] = [];
  for (const c of spec.cases) {
    const image = engine.image(c.call, v.sys, strategy, needs);
    const interpreter = actionName(engine.interpret(verified, image.view));
    const jit = engine.jit === null ? 'n/a' : actionName(engine.jit(verified, image.view));
    if (engine.jit !== null && jit !== interpreter) {
      throw new Error(`${spec.title} / ${c.label}: interpreter ${interpreter} but JIT ${jit}`);
    }
    verdicts.push({ label: c.label, interpreter, jit, summary: image.summary });
    lines.push('', `-- ${c.label}`, ...image.summary, `verdict: interpreter ${interpreter}, JIT ${jit}`);
  }
  return { built, verdicts, text: `${lines.join('\n')}\n` };
}
