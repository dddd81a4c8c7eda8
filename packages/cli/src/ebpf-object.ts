/**
 * `run OBJ.o --isa ebpf` and `disasm OBJ.o --isa ebpf` for clang-built ELF objects
 * (@ea/ebpf-object): run one program over packets (hex lines or a pcap/pcapng capture) with its
 * maps carrying state from packet to packet, printing one {"r0": …} line per packet and, with
 * --dump-maps, each map's entries; or print each program with its relocations by name.
 */
import { type CheckedProgram, decodeBytes, formatInsn, parseHex } from '@ea/ebpf';
import { type BpfObject, findProgram, loadObject, ObjectRunner, XDP_ACTIONS } from '@ea/ebpf-object';
import { readCapture } from '@ea/pcap';
import { inputName, printJson, readInput, UsageError } from './output.js';

/** Returns the file's bytes when it is an ELF object (FILE - is never treated as one), else null. */
export function elfObject(file: string): Uint8Array | null {
  if (file === '-') return null;
  const bytes = readInput(file);
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46 ? bytes : null;
}

function named<T>(file: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof Error && !(error instanceof UsageError)) error.message = `${inputName(file)}: ${error.message}`;
    throw error;
  }
}

/** Reads the packets: hex lines (`-` for empty, `#` comments) or a capture. */
function packetList(options: { packets?: unknown; pcap?: unknown }): Uint8Array[] {
  if (options.packets !== undefined && options.pcap !== undefined) throw new UsageError('give either --packets or --pcap, not both');
  if (options.pcap !== undefined) {
    const file = String(options.pcap);
    const capture = named(file, () => readCapture(readInput(file)));
    return Array.from({ length: capture.count }, (_, i) => capture.data.subarray(capture.offsets[i]!, capture.offsets[i]! + capture.capLengths[i]!));
  }
  if (options.packets === undefined) throw new UsageError('an object runs over packets: give --packets FILE (hex lines) or --pcap CAPTURE');
  const file = String(options.packets);
  const out: Uint8Array[] = [];
  new TextDecoder().decode(readInput(file)).split(/\r?\n/).forEach((raw, i) => {
    const text = raw.replace(/#.*$/, '').trim();
    if (text === '') return;
    const bytes = text === '-' ? new Uint8Array(0) : parseHex(text.replace(/\s+/g, ''));
    if (bytes === null) throw new UsageError(`${inputName(file)}: line ${i + 1}: a packet must be hex bytes (or - for an empty one)`);
    out.push(bytes);
  });
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function r0Json(r0: bigint): number | string {
  return r0 <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r0) : `0x${r0.toString(16)}`;
}

/** Runs a program of an object over packets. */
export function objectRun(
  file: string,
  bytes: Uint8Array,
  options: { section?: unknown; engine?: unknown; packets?: unknown; pcap?: unknown; dumpMaps?: unknown },
): number {
  const engine = options.engine ?? 'jit';
  if (engine !== 'jit' && engine !== 'interp') throw new UsageError(`--engine must be jit or interp (got ${JSON.stringify(String(engine))})`);
  const packets = packetList(options);
  const object = named(file, () => loadObject(bytes));
  const program = named(file, () => findProgram(object, options.section === undefined ? undefined : String(options.section)));
  const runner = named(file, () => new ObjectRunner(object, program, { engine, print: (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`) }));
  for (const packet of packets) {
    const r0 = named(file, () => runner.run(packet));
    printJson(runner.context === 'xdp' ? { r0: r0Json(r0), action: XDP_ACTIONS[Number(r0)] ?? null } : { r0: r0Json(r0) });
  }
  if (options.dumpMaps === true) dumpMaps(object);
  return 0;
}

function dumpMaps(object: BpfObject): void {
  for (const map of object.maps) {
    printJson({ map: map.def.name, type: map.typeName, entries: map.keys().map((k) => ({ key: hex(k), value: hex(map.lookup(k)!) })) });
  }
  for (const g of object.globals) printJson({ map: g.section, type: 'global', entries: [{ key: '00000000', value: hex(g.bytes) }] });
}

/** Prints each program of an object with its relocations, then its maps and global data. */
export function objectDisasm(file: string, bytes: Uint8Array, json: boolean): number {
  const object = named(file, () => loadObject(bytes));
  const out: unknown[] = [];
  for (const program of object.programs) {
    const decoded = named(file, () => decodeBytes(program.bytes)) as CheckedProgram;
    const notes = new Map(program.relocations.map((r) => [r.pc, `${r.kind} ${r.target}`]));
    const insns = decoded.insns.flatMap((insn, pc) => (insn === undefined ? [] : [{ pc, text: formatInsn(insn), ...(notes.has(pc) && { relocation: notes.get(pc) }) }]));
    if (json) out.push({ section: program.section, name: program.name, insns });
    else {
      process.stdout.write(`${program.section} (${program.name}): ${decoded.insns.length} slots\n`);
      for (const i of insns) process.stdout.write(`${String(i.pc).padStart(5)}: ${i.text}${i.relocation === undefined ? '' : `  ; ${i.relocation}`}\n`);
    }
  }
  const maps = object.maps.map((m) => ({ name: m.def.name, type: m.typeName, keySize: m.def.keySize, valueSize: m.def.valueSize, maxEntries: m.def.maxEntries }));
  const globals = object.globals.map((g) => ({ section: g.section, size: g.bytes.length }));
  if (json) printJson({ license: object.license, programs: out, maps, globals });
  else {
    for (const m of maps) process.stdout.write(`map ${m.name}: ${m.type}, key ${m.keySize}, value ${m.valueSize}, max_entries ${m.maxEntries}\n`);
    for (const g of globals) process.stdout.write(`global ${g.section}: ${g.size} bytes\n`);
    process.stdout.write(`license ${JSON.stringify(object.license)}\n`);
  }
  return 0;
}
