/**
 * The classic BPF case corpus (packages/testkit/corpus/cbpf/*.data): one hand-written case per
 * file, in the section format of bpf_conformance's `tests/*.data` that @ea/ebpf's corpus uses
 * too (`-- asm` or `-- raw`, `-- mem`, then `-- result` or `-- error reason@pc`), with two
 * sections of our own: `-- profile` (seccomp, socket or ea) and `-- seccomp` (seccomp_data by
 * field). The format is documented in corpus/README.md. Parsing checks everything and names the
 * file and line of a mistake, so a broken case never passes silently.
 */
import { join } from 'node:path';
import { assemble, type Insn, insn } from '@ea/bpf';
import { ARCHES, isArchName, writeSeccompData } from '@ea/seccomp';

/** Names the profile a case is verified and run with. */
export type CaseProfile = 'seccomp' | 'socket' | 'ea';

/** Holds one parsed case. */
export interface CbpfCase {
  readonly profile: CaseProfile;
  readonly insns: readonly Insn[];
  /**
   * The input bytes: seccomp_data (from `-- seccomp`, or `-- mem` as given) for seccomp; the
   * image for ea (`-- seccomp` then `-- mem`: ea_meta and the EA region); the packet for socket.
   */
  readonly input: Uint8Array;
  /** The expected return value (u32), or undefined when an error is expected. */
  readonly result?: number;
  /** The expected error: `REASON@pc` from the verifier, or an engine's code (`BAD_INPUT`). */
  readonly error?: string;
}

/** The folder of the classic BPF cases (`*.data`), run by this package's corpus test. */
export const CBPF_CORPUS_DIR = join(import.meta.dirname, '..', 'corpus', 'cbpf');
/** The folder of the eBPF cases (`*.data`, parsed by @ea/ebpf's parseDataCase), run by @ea/ebpf-jit's tests through both engines. */
export const EBPF_CORPUS_DIR = join(import.meta.dirname, '..', 'corpus', 'ebpf');

const SECTIONS = ['profile', 'asm', 'raw', 'seccomp', 'mem', 'result', 'error'] as const;
type SectionName = (typeof SECTIONS)[number];

interface Section {
  readonly lines: string[];
  /** 1-based line of the section's first content line. */
  readonly first: number;
}

/** Reports a malformed case file, naming the file and the line. */
export class CaseSyntaxError extends Error {
  override readonly name = 'CaseSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** Parses a number the way the corpus writes them: decimal or 0x hex, unsigned. */
function numberAt(text: string, file: string, line: number, bits: 32 | 64): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) throw new CaseSyntaxError(file, line, `${JSON.stringify(text)} is not a number`);
  const v = BigInt(text);
  if (v >= 1n << BigInt(bits)) throw new CaseSyntaxError(file, line, `${text} does not fit in ${bits} bits`);
  return v;
}

function hexBytes(section: Section, file: string): Uint8Array {
  const out: number[] = [];
  section.lines.forEach((l, i) => {
    for (const w of l.trim().split(/\s+/).filter((x) => x !== '')) {
      if (!/^[0-9a-fA-F]{2}$/.test(w)) throw new CaseSyntaxError(file, section.first + i, `${JSON.stringify(w)} is not a hex byte`);
      out.push(Number.parseInt(w, 16));
    }
  });
  return Uint8Array.from(out);
}

/** `nr=N arch=NAME|NUMBER ip=N args=a,b,...`: seccomp_data by field (missing ones are 0). */
function seccompBytes(section: Section, file: string): Uint8Array {
  let nr = 0;
  let arch = ARCHES.x86_64.auditArch;
  let ip = 0n;
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  section.lines.forEach((l, i) => {
    const line = section.first + i;
    for (const token of l.trim().split(/\s+/).filter((x) => x !== '')) {
      const m = /^(nr|arch|ip|args)=(.+)$/.exec(token);
      if (m === null) throw new CaseSyntaxError(file, line, `${JSON.stringify(token)} is not nr=, arch=, ip= or args=`);
      const [, key, value] = m as unknown as [string, string, string];
      if (key === 'nr') nr = Number(numberAt(value, file, line, 32));
      else if (key === 'arch') arch = isArchName(value) ? ARCHES[value].auditArch : Number(numberAt(value, file, line, 32));
      else if (key === 'ip') ip = numberAt(value, file, line, 64);
      else {
        const list = value.split(',');
        if (list.length > 6) throw new CaseSyntaxError(file, line, 'seccomp_data has six args');
        list.forEach((a, j) => {
          args[j] = numberAt(a, file, line, 64);
        });
      }
    }
  });
  const bytes = new Uint8Array(64);
  writeSeccompData(new DataView(bytes.buffer), { nr, arch, instructionPointer: ip, args }, 'le');
  return bytes;
}

/** `code jt jf k` per line (decimal or 0x hex): any 8-byte sock_filter, known opcode or not. */
function rawInsns(section: Section, file: string): Insn[] {
  const out: Insn[] = [];
  section.lines.forEach((l, i) => {
    const words = l.trim().split(/\s+/).filter((x) => x !== '');
    if (words.length === 0) return;
    const line = section.first + i;
    if (words.length !== 4) throw new CaseSyntaxError(file, line, 'a raw instruction is `code jt jf k`');
    const [code, jt, jf, k] = words.map((w) => Number(numberAt(w, file, line, 32))) as [number, number, number, number];
    if (code > 0xffff || jt > 0xff || jf > 0xff) throw new CaseSyntaxError(file, line, 'code is 16 bits, jt and jf 8 bits');
    out.push(insn(code, jt, jf, k));
  });
  return out;
}

/** Parses one case file's text; `file` names it in errors. */
export function parseCase(text: string, file: string): CbpfCase {
  const sections = new Map<SectionName, Section>();
  let current: Section | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*#/.test(line)) {
      current?.lines.push(''); // keep the assembler's line numbers aligned with the file's
      return;
    }
    const head = /^--\s*(\S+)\s*$/.exec(line);
    if (head !== null) {
      const name = SECTIONS.find((s) => s === head[1]);
      if (name === undefined) throw new CaseSyntaxError(file, i + 1, `unknown section -- ${head[1]} (known: ${SECTIONS.join(', ')})`);
      if (sections.has(name)) throw new CaseSyntaxError(file, i + 1, `a second -- ${name} section`);
      current = { lines: [], first: i + 2 };
      sections.set(name, current);
      return;
    }
    if (current === null) {
      if (line.trim() !== '') throw new CaseSyntaxError(file, i + 1, 'text before the first -- section');
      return;
    }
    current.lines.push(line);
  });
  const profileText = sections.get('profile')?.lines.join(' ').trim() ?? 'seccomp';
  if (profileText !== 'seccomp' && profileText !== 'socket' && profileText !== 'ea') {
    throw new CaseSyntaxError(file, sections.get('profile')!.first, `profile ${JSON.stringify(profileText)} is not seccomp, socket or ea`);
  }
  const profile: CaseProfile = profileText;
  const asm = sections.get('asm');
  const raw = sections.get('raw');
  if ((asm === undefined) === (raw === undefined)) throw new CaseSyntaxError(file, 1, 'a case has exactly one of -- asm and -- raw');
  let insns: Insn[];
  if (asm !== undefined) {
    try {
      insns = assemble(asm.lines.join('\n'));
    } catch (error) {
      throw new CaseSyntaxError(file, asm.first, `-- asm does not assemble: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else insns = rawInsns(raw!, file);
  const seccomp = sections.get('seccomp');
  const mem = sections.get('mem');
  if (seccomp !== undefined && profile === 'socket') throw new CaseSyntaxError(file, seccomp.first, 'a socket case has no seccomp_data');
  const parts = [seccomp === undefined ? null : seccompBytes(seccomp, file), mem === undefined ? null : hexBytes(mem, file)];
  const input = Uint8Array.from(parts.flatMap((p) => (p === null ? [] : [...p])));
  const result = sections.get('result');
  const error = sections.get('error');
  if ((result === undefined) === (error === undefined)) throw new CaseSyntaxError(file, 1, 'a case has exactly one of -- result and -- error');
  if (result !== undefined) {
    const text = result.lines.join(' ').trim();
    return { profile, insns, input, result: Number(numberAt(text, file, result.first, 32)) };
  }
  const expected = error!.lines.join(' ').trim();
  if (!/^[A-Z][A-Z0-9_]*(@\d+)?$/.test(expected)) throw new CaseSyntaxError(file, error!.first, 'an error is REASON or REASON@pc');
  return { profile, insns, input, error: expected };
}
