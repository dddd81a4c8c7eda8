/**
 * Test helper: an EA image built straight from the contract in @ea/bpf's opcodes.ts (root-only:
 * seccomp_data, ea_meta, the caller's usize bytes at EA_REGION_OFFSET), so the two guard forms
 * can be compared on arbitrary callers without depending on a flattening strategy.
 */
import { EA_FLAG_PRESENT, EA_META_ESIZE, EA_META_FLAGS, EA_META_ROOT, EA_META_USIZE, EA_REGION_OFFSET } from '@ea/bpf';
import { effectiveSize } from '../../src/index.js';

/** Returns a little-endian image of `caller` for syscall nr on x86_64. */
export function contractImage(nr: number, audit: number, caller: Uint8Array): DataView {
  const buf = new Uint8Array(EA_REGION_OFFSET + caller.length);
  const view = new DataView(buf.buffer);
  view.setUint32(0, nr, true);
  view.setUint32(4, audit, true);
  view.setUint32(EA_META_USIZE, caller.length, true);
  view.setUint32(EA_META_ESIZE, effectiveSize(caller), true);
  view.setUint32(EA_META_ROOT, EA_REGION_OFFSET, true);
  view.setUint32(EA_META_FLAGS, EA_FLAG_PRESENT, true);
  buf.set(caller, EA_REGION_OFFSET);
  return view;
}
