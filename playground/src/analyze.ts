/**
 * Everything the page shows about one input, computed from the packages alone: read (any @ea/bpf
 * program format, or a profile compiled by @ea/profile), verify, disassemble, explain, compile.
 * It runs in the page's Web Worker and, unchanged, in Node, where the tests compute the answers
 * the page must show. The result is plain data (structured-clone safe): the page only renders it.
 */
import { detectInput, disassemble, formatInsn, type Insn, type ProgramFormat, readProgram } from '@ea/bpf';
import { compile } from '@ea/jit';
import { compileProfile } from '@ea/profile';
import { check, formatDiagnostic, type Profile, type VerifiedProgram } from '@ea/verifier';
import { type Explained, explainProgram } from './explain.js';
import { checkedProgram, detectEbpf, type EbpfInfo, type EbpfSource, ebpfJavaScript, type ListingRow, listSlots, readEbpf } from './ebpf.js';

export type { FormatChoice } from './choices.js';
import type { FormatChoice } from './choices.js';

/** What the user chose besides the input. */
export interface Settings {
  readonly format: FormatChoice;
  readonly profile: Profile;
  readonly arch: string;
  /** The program of an eBPF object to show (its section; '' the first). */
  readonly section: string;
}

/** The input: pasted text, or the bytes of a dropped file. */
export type Input = { readonly text: string } | { readonly bytes: Uint8Array };

/** A typed error as the page shows it: the class name, its stable code, the located message. */
export interface ShownError {
  readonly name: string;
  readonly code: string | null;
  readonly message: string;
}

/** The verifier's answer. */
export type VerifyView =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly pc: number | null;
      /** The errno the kernel's loader answers (classic); null for eBPF's load-time checks. */
      readonly errno: string | null;
      readonly why: string;
      readonly detail: string | null;
      readonly diagnostic: string;
    };

/** Everything shown for one input. */
export interface Report {
  readonly kind: 'program' | 'profile' | 'ebpf' | null;
  readonly format: string | null;
  /** Why the format was assumed, when the bytes could have been text or binary. */
  readonly note: string | null;
  /** The input could not be read: nothing else is filled in. */
  readonly error: ShownError | null;
  readonly profile: Profile;
  readonly insns: readonly Insn[];
  /** Each instruction: its pc, its text (classic jump targets absolute), an eBPF object's relocation by name. */
  readonly listing: readonly ListingRow[];
  readonly disassembly: string;
  readonly verify: VerifyView | null;
  readonly explain: Explained | { readonly error: ShownError } | null;
  readonly jit: { readonly accelerated: boolean; readonly reason: string | null; readonly source: string } | null;
  readonly warnings: readonly string[];
  /** What an eBPF input holds besides its listing (null for classic input). */
  readonly ebpf: EbpfInfo | null;
}

/** Reports progress: the stage about to start. */
export type Progress = (stage: string) => void;

/** Turns anything thrown into what the page shows; typed errors keep their name and code. */
export function shownError(error: unknown): ShownError {
  if (error instanceof Error) {
    // @ea/bpf's errors carry a `code`, @ea/ebpf's and @ea/ebpf-object's a `reason`.
    const { code, reason } = error as { code?: unknown; reason?: unknown };
    const stable = typeof code === 'string' ? code : typeof reason === 'string' && /^[a-z_]+$/.test(reason) ? reason : null;
    return { name: error.name, code: stable, message: error.message };
  }
  return { name: 'Error', code: null, message: String(error) };
}

/** Tells whether an input looks like a profile JSON (what `auto` reads as one). */
export function isJson(input: Input): boolean {
  const text = 'text' in input ? input.text : new TextDecoder().decode(input.bytes.subarray(0, 64));
  return /^\s*\{\s*"/.test(text) || /^\s*\{\s*$/m.test(text.split('\n')[0] ?? '');
}

function inputText(input: Input): string {
  return 'text' in input ? input.text : new TextDecoder('utf-8', { fatal: false }).decode(input.bytes);
}

const EMPTY = { insns: [], listing: [], disassembly: '', verify: null, explain: null, jit: null, warnings: [], ebpf: null } as const;

/** Tells whether the settings make an input eBPF, and which kind (null: classic or a profile). */
export function ebpfSource(input: Input, settings: Settings): EbpfSource | null {
  if (settings.format === 'elf') return 'object';
  if (settings.format === 'ebpf') return 'program';
  return settings.format === 'auto' ? detectEbpf(input) : null;
}

/** Reads, verifies, explains and compiles one input; never throws for bad input. */
export function analyze(input: Input, settings: Settings, progress: Progress = () => {}): Report {
  const source = ebpfSource(input, settings);
  if (source !== null) return analyzeEbpf(input, settings, source, progress);
  const asProfile = settings.format === 'profile' || (settings.format === 'auto' && isJson(input));
  progress('reading');
  let insns: Insn[];
  let program: VerifiedProgram | null = null;
  let format: string;
  let note: string | null = null;
  const warnings: string[] = [];
  let profile: Profile = settings.profile;
  try {
    if (asProfile) {
      const compiled = compileProfile(inputText(input), { arch: settings.arch });
      insns = [...compiled.insns];
      program = compiled.program;
      format = 'profile';
      // A profile with EA rules compiles to an `ea` filter (it reads the EA image).
      profile = compiled.profile;
      for (const w of compiled.warnings) warnings.push(`${w.code}: ${w.message}`);
    } else {
      const raw = 'text' in input ? input.text : input.bytes;
      const options = settings.format === 'auto' ? {} : { format: settings.format as ProgramFormat };
      const read = readProgram(raw, options);
      insns = read.insns;
      format = read.format;
      note = read.assumed ?? (settings.format === 'auto' ? null : `format forced (detected: ${detectInput(raw).format})`);
    }
  } catch (error) {
    return { ...EMPTY, kind: asProfile ? 'profile' : 'program', format: null, note: null, error: shownError(error), profile };
  }
  const listing = insns.map((ins, pc) => ({ pc, text: formatInsn(ins, pc), relocation: null }));
  const disassembly = disassemble(insns);
  progress('verifying');
  let verify: VerifyView = { ok: true };
  if (program === null) {
    const result = check(insns, { profile });
    if (result.ok) program = result.program;
    else {
      const e = result.error;
      verify = { ok: false, reason: e.reason, pc: e.pc, errno: e.errno, why: e.why, detail: e.detail, diagnostic: formatDiagnostic('input', insns, e) };
    }
  }
  let explained: Report['explain'] = null;
  let jit: Report['jit'] = null;
  if (program !== null) {
    if (profile === 'seccomp') {
      progress('explaining');
      explained = explainRows(program);
    }
    progress('compiling');
    const compiled = compile(program);
    jit = { accelerated: compiled.accelerated, reason: compiled.reason ?? null, source: compiled.source };
  }
  progress('done');
  return { kind: asProfile ? 'profile' : 'program', format, note, error: null, profile, insns, listing, disassembly, verify, explain: explained, jit, warnings, ebpf: null };
}

/**
 * An eBPF input: read (typed errors name the section and byte, or the line), listed slot by
 * slot, checked at load time (a refusal names its pc, highlighted as the classic verifier's), compiled.
 */
function analyzeEbpf(input: Input, settings: Settings, source: EbpfSource, progress: Progress): Report {
  progress('reading');
  const base = { ...EMPTY, kind: 'ebpf', note: null, profile: settings.profile } as const;
  let read: ReturnType<typeof readEbpf>;
  let listed: ReturnType<typeof listSlots>;
  try {
    read = readEbpf(input, source, settings.section);
    listed = listSlots(read.bytes, read.relocations);
  } catch (error) {
    return { ...base, format: null, error: shownError(error) };
  }
  const where = read.info.section === null ? 'input' : read.info.section;
  const listing = listed.rows;
  const disassembly = listing.map((r) => `${String(r.pc).padStart(5)}: ${r.text}${r.relocation === null ? '' : `  ; ${r.relocation}`}\n`).join('');
  const format = source === 'object' ? 'ELF object' : `eBPF ${read.info.format}`;
  progress('verifying');
  let program: ReturnType<typeof checkedProgram> | null = null;
  let verify: VerifyView = { ok: true };
  try {
    if (listed.error !== null) throw listed.error;
    program = checkedProgram(read);
  } catch (error) {
    const e = shownError(error);
    const pc = typeof (error as { pc?: unknown }).pc === 'number' && (error as { pc: number }).pc >= 0 ? (error as { pc: number }).pc : null;
    const row = pc === null ? undefined : listing.find((r) => r.pc === pc);
    const diagnostic = `${where}: ${e.name}: ${e.message}${row === undefined ? '' : `\n  ${String(row.pc).padStart(5)}: ${row.text}`}`;
    verify = { ok: false, reason: e.code ?? e.name, pc, errno: null, why: e.message, detail: null, diagnostic };
  }
  let jit: Report['jit'] = null;
  if (program !== null) {
    progress('compiling');
    try {
      jit = ebpfJavaScript(read, program);
    } catch (error) {
      return { ...base, format, error: shownError(error), listing, disassembly, verify, ebpf: read.info };
    }
  }
  progress('done');
  return { ...base, format, error: null, listing, disassembly, verify, jit, ebpf: read.info };
}

function explainRows(program: VerifiedProgram): Report['explain'] {
  try {
    return explainProgram(program);
  } catch (error) {
    return { error: shownError(error) };
  }
}
