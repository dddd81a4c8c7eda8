/**
 * An object's program as the kernel's verifier sees it after libbpf's relocation, and its
 * verification with @ea/ebpf-verifier. The runner's form names a map by a plain handle
 * (MAP_HANDLE_BASE + index) and global data by region; the kernel view names both as libbpf
 * does: `lddw` src 1 (BPF_PSEUDO_MAP_FD) with the map's index, src 2 (BPF_PSEUDO_MAP_VALUE) with
 * the index of the global section's one-element array map (after the object's maps) and the
 * offset. The same view loads into the kernel in the agreement tests.
 */
import { type MapShape, type ProgType, type VerifyOptions, type VerifyStats, verifyEbpf } from '@ea/ebpf-verifier';
import { decodeBytes } from '@ea/ebpf';
import { MAP_HANDLE_BASE, type BpfObject, type ObjectProgram } from './object.js';
import type { ContextKind } from './runner.js';

/** BPF_MAP_TYPE_ARRAY: libbpf makes each global data section one. */
const MAP_TYPE_ARRAY = 2;

/** Is a program as the kernel loads it: its instructions and the maps its lddw name by index. */
export interface KernelView {
  readonly bytes: Uint8Array;
  readonly maps: readonly MapShape[];
}

/** Returns the kernel's view of one program of an object (maps by index, globals as array maps after them). */
export function kernelView(object: BpfObject, program: ObjectProgram): KernelView {
  const maps: MapShape[] = [
    ...object.maps.map((m) => ({ type: m.def.type, keySize: m.def.keySize, valueSize: m.def.valueSize, maxEntries: m.def.maxEntries, name: m.def.name })),
    ...object.globals.map((g) => ({ type: MAP_TYPE_ARRAY, keySize: 4, valueSize: g.bytes.length, maxEntries: 1, name: g.section })),
  ];
  const bytes = program.bytes.slice();
  const view = new DataView(bytes.buffer);
  for (const r of program.relocations) {
    const at = r.pc * 8;
    if (r.kind === 'map') {
      bytes[at + 1] = (bytes[at + 1]! & 0x0f) | (1 << 4);
      view.setInt32(at + 4, view.getInt32(at + 4, true) - MAP_HANDLE_BASE, true);
    } else if (r.kind === 'data') {
      // src 2 already; imm is 1 + the global's region index, globals follow the maps.
      view.setInt32(at + 4, object.maps.length + view.getInt32(at + 4, true) - 1, true);
    }
  }
  return { bytes, maps };
}

/** Returns the verifier's program type for a runner context (null: raw memory, which has no kernel counterpart). */
export function progTypeOf(context: ContextKind): ProgType | null {
  switch (context) {
    case 'xdp': return 'xdp';
    case 'socket': return 'socket_filter';
    case 'tc': return 'tc';
    case 'raw': return null;
    default: return context satisfies never;
  }
}

/** Verifies one program of an object for its context; throws EbpfVerifierError when the verifier refuses it. */
export function verifyProgram(object: BpfObject, program: ObjectProgram, context: ContextKind, options: VerifyOptions = {}): VerifyStats | null {
  const progType = progTypeOf(context);
  if (progType === null) return null;
  const { bytes, maps } = kernelView(object, program);
  return verifyEbpf(decodeBytes(bytes), { license: object.license, ...options, progType, maps });
}

/** Programs already verified for a context with the default options (runners of one object share them). */
const verified = new WeakMap<ObjectProgram, Set<ContextKind>>();

/** Verifies a program once per context (the runner's check before it runs anything). */
export function verifyOnce(object: BpfObject, program: ObjectProgram, context: ContextKind): void {
  const done = verified.get(program) ?? new Set<ContextKind>();
  if (done.has(context)) return;
  verifyProgram(object, program, context);
  done.add(context);
  verified.set(program, done);
}
