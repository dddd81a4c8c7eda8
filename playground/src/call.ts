/**
 * "Try a call": one syscall, by name or number, with its arguments, answered by both engines
 * (@ea/interpreter and @ea/jit's compile(), which is the interpreter again where CSP forbids eval),
 * with the instructions the interpreter executed.
 */
import { readProgram, type ProgramFormat } from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { compileProfile } from '@ea/profile';
import { eaSyscall } from '@ea/layout';
import type { Needs, Strategy } from '@ea/policy';
import { archInfo, callData, formatAction, syscallNumber, writeSeccompData } from '@ea/seccomp';
import { filterImage } from '@ea/workbench';
import { EA_SYSCALLS } from './choices.js';
import { everything } from './ea.js';
import { type EaRequest, eaImage } from './eacall.js';
import { verify, type VerifiedProgram } from '@ea/verifier';
import { type Input, type Settings, type ShownError, shownError } from './analyze.js';

/** The call to try: a syscall name or number and up to six arguments, as typed; for an EA syscall, its struct. */
export interface CallRequest {
  readonly syscall: string;
  readonly args: readonly string[];
  readonly ea?: EaRequest;
}

/** Both engines' answer, or the typed error that stopped it. */
export type CallAnswer =
  | {
      readonly ok: true;
      readonly nr: number;
      readonly interpreter: { readonly ret: number; readonly action: string };
      readonly jit: { readonly ret: number; readonly action: string; readonly accelerated: boolean };
      readonly trace: readonly number[];
      /** For an `ea` filter: what the image holds (@ea/workbench's summary), or why it is seccomp_data alone. */
      readonly image: readonly string[] | null;
    }
  | { readonly ok: false; readonly error: ShownError };

/** Reads an input as a verified seccomp filter: a profile compiled, or a program verified; throws the typed error. */
export function seccompProgram(input: Input, settings: Settings, asProfile: boolean): VerifiedProgram {
  return filterOf(input, settings, asProfile, 'seccomp').program;
}

/** A filter and how an EA call is flattened for it: a profile's EA target, else jump-table with every pointee. */
interface Filter {
  readonly program: VerifiedProgram;
  readonly ea: ReadonlyMap<string, { readonly strategy: Strategy; readonly needs: Needs }> | null;
}

function filterOf(input: Input, settings: Settings, asProfile: boolean, profile: 'seccomp' | 'ea'): Filter {
  if (asProfile) {
    const c = compileProfile('text' in input ? input.text : new TextDecoder().decode(input.bytes), { arch: settings.arch });
    return { program: c.program, ea: c.profile === 'ea' ? new Map(c.ea.map((t) => [t.syscall, { strategy: t.strategy, needs: t.needs }])) : null };
  }
  const raw = 'text' in input ? input.text : input.bytes;
  const { insns } = readProgram(raw, settings.format === 'auto' ? {} : { format: settings.format as ProgramFormat });
  return { program: verify(insns, { profile }), ea: profile === 'ea' ? new Map() : null };
}

function argValue(text: string, i: number): bigint {
  const t = text.trim();
  if (t === '') return 0n;
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new RangeError(`args[${i}]: ${JSON.stringify(t.slice(0, 40))} is not an unsigned number`);
  return BigInt(t);
}

/** Runs one call through both engines; never throws for bad input. `asProfile` comes from analyze's report. */
export function tryCall(input: Input, settings: Settings, asProfile: boolean, request: CallRequest): CallAnswer {
  try {
    if (!asProfile && settings.profile !== 'seccomp' && settings.profile !== 'ea') {
      throw new RangeError(`try a call runs seccomp filters; this input is verified as ${settings.profile}`);
    }
    const filter = filterOf(input, settings, asProfile, asProfile || settings.profile === 'seccomp' ? 'seccomp' : 'ea');
    const program = filter.program;
    const name = request.syscall.trim();
    const syscall = /^[0-9]+$/.test(name) ? Number(name) : name;
    const args = request.args.map(argValue);
    const data = callData(settings.arch, syscall, args);
    let view: DataView = new DataView(new ArrayBuffer(64));
    writeSeccompData(view, data, archInfo(settings.arch).endian);
    let image: string[] | null = null;
    if (filter.ea !== null) {
      const ea = EA_SYSCALLS.find((s) => syscallNumber(settings.arch, s) === data.nr);
      if (ea !== undefined && request.ea !== undefined) {
        const how = filter.ea.get(ea) ?? { strategy: 'jump-table' as const, needs: everything(eaSyscall(ea)) };
        const flat = eaImage(ea, settings.arch, args, request.ea, how.strategy, how.needs);
        view = flat.view;
        image = [...flat.summary];
      } else image = ['seccomp_data only: not an EA call, so ea_meta and the EA region read as zeros'];
      // The kernel zero-fills up to the filter's furthest load (docs/ea-image.md).
      view = filterImage(view, program);
    }
    const trace: number[] = [];
    const interp = prepare(program, { endian: archInfo(settings.arch).endian });
    const ret = interp.trace(view, (pc) => {
      trace.push(pc);
    });
    const compiled = compile(program, { endian: archInfo(settings.arch).endian });
    const jitRet = compiled.run(view);
    return {
      ok: true,
      nr: data.nr,
      interpreter: { ret, action: formatAction(ret) },
      jit: { ret: jitRet, action: formatAction(jitRet), accelerated: compiled.accelerated },
      trace,
      image,
    };
  } catch (error) {
    return { ok: false, error: shownError(error) };
  }
}
