/**
 * loadObject(): a clang-built eBPF object (ELF) to programs ready for @ea/ebpf's engines, as
 * libbpf's bpf_object__open + relocation would prepare them for the kernel:
 * - each executable section but `.text` is a program (entry at offset 0; named by the function
 *   symbol there); `.text` holds subprograms, appended after the program when it calls into them,
 *   with each `R_BPF_64_32` call relocation resolved to a pc-relative `call` (libbpf
 *   reloc_code: target = sym_off / 8 + imm + 1);
 * - `R_BPF_64_64` on a lddw of a map (legacy `maps` section or BTF-defined `.maps`) becomes a
 *   lddw of the map's handle, a plain integer (region tag 0, so never a pointer) that the map
 *   helpers take; on a lddw of global data (`.data*`, `.rodata*`, `.bss*`) it becomes lddw src 2
 *   (BPF_PSEUDO_MAP_VALUE) with the data section's region index and offset imm + st_value;
 * - `license` is read as a string.
 * Regions of a run: index 0 the packet (XDP), then one per global data section, then one per map.
 */
import { btfMaps, readBtf } from './btf.js';
import { type ElfFile, readElf, type Section, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS } from './elf.js';
import { ObjectError } from './errors.js';
import { type BpfMap, createMap, type MapDef } from './maps.js';

/** Relocation type of a lddw's 64-bit immediate (maps, global data), as LLVM's BPF backend emits it. */
export const R_BPF_64_64 = 1;
/** Relocation type of a local call's 32-bit immediate. */
export const R_BPF_64_32 = 10;

/** Handles of maps are MAP_HANDLE_BASE + index: below 2^32, so their region tag is 0. */
export const MAP_HANDLE_BASE = 0x4d500000;

/** Is one global data section, kept as a region. */
export interface GlobalData {
  readonly section: string;
  readonly bytes: Uint8Array;
}

/** Is what a relocation did to one instruction (for disassembly). */
export interface AppliedRelocation {
  readonly pc: number;
  readonly kind: 'call' | 'map' | 'data';
  /** The symbol (or section) named. */
  readonly target: string;
}

/** Is one program of an object, linked and relocated. */
export interface ObjectProgram {
  readonly section: string;
  readonly name: string;
  /** Instruction bytes after linking and relocation. */
  readonly bytes: Uint8Array;
  readonly relocations: readonly AppliedRelocation[];
}

/** Is a loaded object. */
export interface BpfObject {
  readonly license: string;
  readonly programs: readonly ObjectProgram[];
  readonly maps: readonly BpfMap[];
  readonly globals: readonly GlobalData[];
}

const MAX_GLOBAL = 1 << 24;

function isGlobalData(s: Section): boolean {
  return (s.flags & SHF_ALLOC) !== 0 && (s.flags & SHF_EXECINSTR) === 0 && (s.type === SHT_PROGBITS || s.type === SHT_NOBITS) &&
    /^\.(data|rodata|bss)(\.|$)/.test(s.name);
}

/** Parses and relocates an object; ObjectError (naming section and offset) when malformed. */
export function loadObject(bytes: Uint8Array): BpfObject {
  const elf = readElf(bytes);
  const maps = readMaps(elf);
  const globalSections = elf.sections.filter(isGlobalData);
  const globals = globalSections.map((s): GlobalData => {
    if (s.size > MAX_GLOBAL) throw new ObjectError('bad_section', s.name, s.offset, `${s.size} bytes of global data`);
    return { section: s.name, bytes: s.type === SHT_NOBITS ? new Uint8Array(s.size) : s.data.slice() };
  });
  const licenseSection = elf.sections.find((s) => s.name === 'license');
  const license = licenseSection === undefined ? '' : String.fromCharCode(...licenseSection.data.subarray(0, 128)).replace(/\0.*$/s, '');
  const text = elf.sections.find((s) => s.name === '.text' && s.type === SHT_PROGBITS);
  const programSections = elf.sections.filter((s) => s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0 && s.name !== '.text');
  const context: LinkContext = { elf, maps: maps.map((m) => m.name), globals: globalSections.map((s) => s.index), text };
  const programs = programSections.map((s) => link(context, s));
  if (programs.length === 0) throw new ObjectError('no_program', null, 0, 'no executable section other than .text');
  return { license, programs, maps: maps.map((m) => createMap(m)), globals };
}

interface NamedDef extends MapDef {
  /** Section index and offset of the map's symbol. */
  readonly sectionIndex: number;
  readonly offset: number;
}

interface LinkContext {
  readonly elf: ElfFile;
  readonly maps: readonly string[];
  readonly globals: readonly number[];
  readonly text: Section | undefined;
}

/** Reads the legacy `maps` section (struct bpf_map_def per symbol) and the BTF-defined `.maps`. */
function readMaps(elf: ElfFile): NamedDef[] {
  const out: NamedDef[] = [];
  const legacy = elf.sections.find((s) => s.name === 'maps');
  if (legacy !== undefined) {
    const v = new DataView(legacy.data.buffer, legacy.data.byteOffset, legacy.data.byteLength);
    for (const sym of elf.symbols.filter((s) => s.section === legacy.index && s.name !== '' && s.type !== 3)) {
      if (sym.value + 20 > legacy.data.length) throw new ObjectError('bad_map', 'maps', legacy.offset + sym.value, `map ${sym.name}: a bpf_map_def needs 20 bytes`);
      const w = (i: number): number => v.getUint32(sym.value + i * 4, true);
      out.push({ name: sym.name, type: w(0), keySize: w(1), valueSize: w(2), maxEntries: w(3), flags: w(4), sectionIndex: legacy.index, offset: sym.value });
    }
  }
  const dotMaps = elf.sections.find((s) => s.name === '.maps');
  if (dotMaps !== undefined) {
    const btf = elf.sections.find((s) => s.name === '.BTF');
    if (btf === undefined) throw new ObjectError('bad_btf', '.maps', dotMaps.offset, 'a .maps section needs .BTF to describe it (compile with -g)');
    for (const def of btfMaps(readBtf(btf))) {
      const sym = elf.symbols.find((s) => s.section === dotMaps.index && s.name === def.name);
      if (sym === undefined) throw new ObjectError('bad_map', '.maps', dotMaps.offset, `BTF map ${def.name} has no symbol`);
      out.push({ ...def, sectionIndex: dotMaps.index, offset: sym.value });
    }
  }
  return out;
}

function functionName(elf: ElfFile, section: Section, offset: number): string {
  return elf.symbols.find((s) => s.section === section.index && s.type === 2 && s.value === offset)?.name ?? section.name;
}

/** Links `.text` after a program when it calls into it, and applies the relocations. */
function link(cx: LinkContext, section: Section): ObjectProgram {
  const { elf, text } = cx;
  if (section.size % 8 !== 0) throw new ObjectError('bad_section', section.name, section.offset, `size ${section.size} is not a multiple of 8`);
  const own = elf.relocations.get(section.index) ?? [];
  const callsText = text !== undefined && own.some((r) => r.type === R_BPF_64_32 && elf.symbols[r.symbol]?.section === text.index);
  const base = section.size;
  const code = new Uint8Array(base + (callsText ? text.size : 0));
  code.set(section.data);
  const relocs = own.map((r) => ({ ...r, in: section, at: r.offset }));
  if (callsText) {
    if (text.size % 8 !== 0) throw new ObjectError('bad_section', '.text', text.offset, `size ${text.size} is not a multiple of 8`);
    code.set(text.data, base);
    for (const r of elf.relocations.get(text.index) ?? []) relocs.push({ ...r, in: text, at: r.offset + base });
  }
  const view = new DataView(code.buffer);
  const applied: AppliedRelocation[] = [];
  for (const r of relocs) {
    const where = r.in.offset + (r.in === section ? r.at : r.at - base);
    const fail = (detail: string): never => { throw new ObjectError('bad_relocation', r.in.name, where, detail); };
    if (r.at % 8 !== 0 || r.at + 8 > code.length) fail(`offset ${r.at} is not an instruction of the section`);
    const sym = elf.symbols[r.symbol]!;
    const target = elf.sections[sym.section];
    const pc = r.at / 8;
    const opcode = code[r.at]!;
    const imm = view.getInt32(r.at + 4, true);
    if (r.type === R_BPF_64_32) {
      if (opcode !== 0x85 || code[r.at + 1]! >> 4 !== 1) fail(`R_BPF_64_32 on an instruction that is not a local call (opcode 0x${opcode.toString(16)})`);
      const inText = target !== undefined && target === text;
      if (!inText && target !== r.in) fail(`call into section ${target?.name ?? `#${sym.section}`}`);
      const index = Math.floor(sym.value / 8) + imm + 1 + (inText || r.in === text ? base / 8 : 0);
      if (index < 0 || index >= code.length / 8) fail(`call target ${index} is outside the linked program`);
      view.setInt32(r.at + 4, index - (pc + 1), true);
      applied.push({ pc, kind: 'call', target: sym.name || target?.name || '?' });
    } else if (r.type === R_BPF_64_64) {
      if (opcode !== 0x18 || r.at + 16 > code.length) fail(`R_BPF_64_64 on an instruction that is not a lddw (opcode 0x${opcode.toString(16)})`);
      const mapIndex = findMap(cx, sym.section, sym.value, sym.name);
      if (mapIndex >= 0) {
        code[r.at + 1] = code[r.at + 1]! & 0x0f; // src 0: the handle is a plain value
        view.setInt32(r.at + 4, MAP_HANDLE_BASE + mapIndex, true);
        view.setInt32(r.at + 12, 0, true);
        applied.push({ pc, kind: 'map', target: cx.maps[mapIndex]! });
      } else {
        const region = cx.globals.indexOf(sym.section);
        if (region < 0) fail(`lddw of symbol ${sym.name || '?'} in section ${target?.name ?? `#${sym.section}`}, neither a map nor global data`);
        code[r.at + 1] = (code[r.at + 1]! & 0x0f) | (2 << 4); // BPF_PSEUDO_MAP_VALUE
        view.setInt32(r.at + 4, 1 + region, true);
        view.setInt32(r.at + 12, imm + sym.value, true);
        applied.push({ pc, kind: 'data', target: `${target!.name}${sym.name && sym.name !== target!.name ? `:${sym.name}` : ''}+${imm + sym.value}` });
      }
    } else {
      fail(`relocation type ${r.type} on code (only R_BPF_64_64 and R_BPF_64_32)`);
    }
  }
  return { section: section.name, name: functionName(elf, section, 0), bytes: code, relocations: applied.sort((a, b) => a.pc - b.pc) };
}

/** Returns the index of the map a symbol names (by section and offset), or -1. */
function findMap(cx: LinkContext, sectionIndex: number, offset: number, name: string): number {
  const section = cx.elf.sections[sectionIndex];
  if (section?.name !== 'maps' && section?.name !== '.maps') return -1;
  const index = cx.maps.indexOf(name);
  if (index < 0) throw new ObjectError('bad_relocation', section.name, section.offset + offset, `lddw of ${name || 'an unnamed symbol'}, which defines no map`);
  return index;
}
