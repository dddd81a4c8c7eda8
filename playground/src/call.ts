/**
 * "Try a call": one syscall, by name or number, with its arguments, answered by both engines
 * (@ea/interpreter and @ea/jit's compile(), which is the interpreter again where CSP forbids eval),
 * with the instructions the interpreter executed.
 */
import { readProgram, type ProgramFormat } from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { compileProfile } from '@ea/profile';
import { archInfo, callData, formatAction, writeSeccompData } from '@ea/seccomp';
import { verify, type VerifiedProgram } from '@ea/verifier';
import { type Input, type Settings, type ShownError, shownError } from './analyze.js';

/** The call to try: a syscall name or number and up to six arguments, as typed. */
export interface CallRequest {
  readonly syscall: string;
  readonly args: readonly string[];
}

/** Both engines' answer, or the typed error that stopped it. */
export type CallAnswer =
  | {
      readonly ok: true;
      readonly nr: number;
      readonly interpreter: { readonly ret: number; readonly action: string };
      readonly jit: { readonly ret: number; readonly action: string; readonly accelerated: boolean };
      readonly trace: readonly number[];
    }
  | { readonly ok: false; readonly error: ShownError };

/** Reads an input as a verified seccomp filter: a profile compiled, or a program verified; throws the typed error. */
export function seccompProgram(input: Input, settings: Settings, asProfile: boolean): VerifiedProgram {
  if (asProfile) return compileProfile('text' in input ? input.text : new TextDecoder().decode(input.bytes), { arch: settings.arch }).program;
  const raw = 'text' in input ? input.text : input.bytes;
  const { insns } = readProgram(raw, settings.format === 'auto' ? {} : { format: settings.format as ProgramFormat });
  return verify(insns, { profile: 'seccomp' });
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
    if (!asProfile && settings.profile !== 'seccomp') {
      throw new RangeError(`try a call runs seccomp filters; this input is verified as ${settings.profile}`);
    }
    const program = seccompProgram(input, settings, asProfile);
    const name = request.syscall.trim();
    const syscall = /^[0-9]+$/.test(name) ? Number(name) : name;
    const data = callData(settings.arch, syscall, request.args.map(argValue));
    const view = new DataView(new ArrayBuffer(64));
    writeSeccompData(view, data, archInfo(settings.arch).endian);
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
    };
  } catch (error) {
    return { ok: false, error: shownError(error) };
  }
}
