/**
 * The eBPF side of the page: an input is a clang-built ELF object (@ea/ebpf-object) or eBPF text
 * (@ea/ebpf: bpf_conformance assembly, a conformance `.data` case, hex, `llvm-objdump -d`). It is
 * read, listed (with each relocation by name), put through the load-time checks, and compiled
 * (@ea/ebpf-jit). Like analyze.ts it runs in the worker and, unchanged, in Node for the tests.
 */
import {
  type CheckedProgram, decodeInsn, EbpfLoadError, formatInsn, load, parseDataCase, type RawInsn, readProgramBytes, readSlots,
  toHex,
} from '@ea/ebpf';
import { compile, generate } from '@ea/ebpf-jit';
import { type BpfObject, type ContextKind, contextOf, findProgram, loadObject, ObjectRunner } from '@ea/ebpf-object';
import type { Input } from './analyze.js';

/** Instructions one run of an object's program may execute: ObjectRunner's default, the kernel verifier's limit. */
export const OBJECT_BUDGET = 1_000_000;

/** What an eBPF input was read as. */
export type EbpfSource = 'object' | 'program';

/** One listed slot: its pc, its text, and the relocation applied to it (by name), if any. */
export interface ListingRow {
  readonly pc: number;
  readonly text: string;
  readonly relocation: string | null;
}

/** What the page shows about an eBPF input besides the listing. */
export interface EbpfInfo {
  readonly source: EbpfSource;
  /** elf, or @ea/ebpf's detected format (asm, hex, objdump, binary), or data (a conformance case). */
  readonly format: string;
  /** The object's programs (empty for a plain program). */
  readonly programs: readonly { readonly section: string; readonly name: string; readonly context: ContextKind }[];
  /** The program shown: its section, or null for a plain program. */
  readonly section: string | null;
  readonly maps: readonly { readonly name: string; readonly type: string; readonly keySize: number; readonly valueSize: number; readonly maxEntries: number }[];
  readonly globals: readonly { readonly section: string; readonly size: number }[];
  readonly license: string | null;
  /** Packets the run view starts with: a conformance case's `-- mem`, as one hex line. */
  readonly packets: string;
}

/** Says whether an input is eBPF, and which kind, for the `auto` format. */
export function detectEbpf(input: Input): EbpfSource | null {
  if ('bytes' in input) {
    const b = input.bytes;
    return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46 ? 'object' : null;
  }
  const t = input.text;
  // Classic bpf_asm and tcpdump listings have neither %rN registers, nor `exit`, nor a case's sections.
  if (/^\s*--\s*(asm|raw)\s*$/m.test(t) || /%r(10|[0-9])\b/.test(t) || /^\s*exit\s*(#.*)?$/m.test(t) || /file format elf64-bpf/.test(t)) return 'program';
  return null;
}

/** The bytes of an input, whether pasted or dropped. */
export function inputBytes(input: Input): Uint8Array {
  return 'bytes' in input ? input.bytes : new TextEncoder().encode(input.text);
}

/** A read eBPF input: the program to show (its relocated bytes) and what surrounds it. */
export interface ReadEbpf {
  readonly info: EbpfInfo;
  readonly bytes: Uint8Array;
  readonly relocations: ReadonlyMap<number, string>;
  readonly object: BpfObject | null;
}

/** Reads an eBPF input; throws the typed error (ObjectError, EbpfSyntaxError, EbpfLoadError) that names where. */
export function readEbpf(input: Input, source: EbpfSource, section: string): ReadEbpf {
  if (source === 'object') {
    const object = loadObject(inputBytes(input));
    const program = findProgram(object, section === '' ? undefined : section);
    return {
      info: {
        source, format: 'elf', section: program.section, license: object.license, packets: '',
        programs: object.programs.map((p) => ({ section: p.section, name: p.name, context: contextOf(p.section) })),
        maps: object.maps.map((m) => ({ name: m.def.name, type: m.typeName, keySize: m.def.keySize, valueSize: m.def.valueSize, maxEntries: m.def.maxEntries })),
        globals: object.globals.map((g) => ({ section: g.section, size: g.bytes.length })),
      },
      bytes: program.bytes,
      relocations: new Map(program.relocations.map((r) => [r.pc, `${r.kind} ${r.target}`])),
      object,
    };
  }
  const text = 'text' in input ? input.text : null;
  let bytes: Uint8Array;
  let format: string;
  let packets = '';
  if (text !== null && /^\s*--\s*(asm|raw)\s*$/m.test(text)) {
    // A case needs an expected outcome for parseDataCase; the page runs it, so one pasted
    // without (just `-- asm` and `-- mem`) gets a placeholder after its last line.
    const c = parseDataCase(/^\s*--\s*(result|error)\s*$/m.test(text) ? text : `${text}\n-- result\n0\n`);
    bytes = c.program;
    format = 'data';
    packets = c.mem.length === 0 ? '' : toHex(c.mem);
  } else {
    ({ bytes, format } = readProgramBytes(inputBytes(input)));
  }
  const info: EbpfInfo = { source, format, programs: [], section: null, maps: [], globals: [], license: null, packets };
  return { info, bytes, relocations: new Map(), object: null };
}

/**
 * Lists every slot: decoded one by one, so a slot that does not decode is shown (as its raw
 * fields) with the ones after it, and the first such error is returned for the verifier view.
 */
export function listSlots(bytes: Uint8Array, relocations: ReadonlyMap<number, string>): { rows: ListingRow[]; error: EbpfLoadError | null } {
  const raws = readSlots(bytes);
  const rows: ListingRow[] = [];
  let error: EbpfLoadError | null = null;
  for (let pc = 0; pc < raws.length; pc++) {
    const raw = raws[pc]!;
    try {
      const insn = decodeInsn(raw, raws[pc + 1], pc);
      rows.push({ pc, text: formatInsn(insn), relocation: relocations.get(pc) ?? null });
      if (insn.kind === 'lddw') pc++;
    } catch (e) {
      if (!(e instanceof EbpfLoadError)) throw e;
      error ??= e;
      rows.push({ pc, text: rawText(raw), relocation: relocations.get(pc) ?? null });
    }
  }
  return { rows, error };
}

function rawText(raw: RawInsn): string {
  return `(not decoded: code 0x${raw.code.toString(16).padStart(2, '0')} dst ${raw.dst} src ${raw.src} off ${raw.off} imm ${raw.imm})`;
}

/** The checked program an engine runs: an object's through its runner (the XDP rewrite included), else load(). */
export function checkedProgram(read: ReadEbpf): CheckedProgram {
  if (read.object === null) return load(read.bytes);
  const program = findProgram(read.object, read.info.section ?? undefined);
  return new ObjectRunner(read.object, program, { engine: 'interp' }).program;
}

/** The JavaScript the JIT makes of a checked program (generated even where eval is forbidden, to be read). */
export function ebpfJavaScript(read: ReadEbpf, program: CheckedProgram): { accelerated: boolean; reason: string | null; source: string } {
  const options = read.object === null ? {} : { budget: OBJECT_BUDGET };
  const compiled = compile(program, options);
  return { accelerated: compiled.accelerated, reason: compiled.reason ?? null, source: compiled.source !== '' ? compiled.source : generate(program, options) };
}
