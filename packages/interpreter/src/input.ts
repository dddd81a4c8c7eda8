/**
 * The checks every engine entry makes on what it is given, once, before the first load: a
 * seccomp filter reads a whole `struct seccomp_data` (64 bytes, always: the kernel fills it), an
 * `ea` filter an image holding seccomp_data, ea_meta and every byte its absolute loads reach.
 * A shorter view, or no DataView at all, is the caller's mistake: reading its missing bytes as
 * zero would give a verdict for a call that never happened (a filter denying `openat` when
 * args[2] == 1 allowed it on a 24-byte view), so it is a typed error, never a verdict.
 */
import { EA_REGION_OFFSET, SECCOMP_DATA_SIZE } from '@ea/bpf';
import type { VerifiedProgram } from '@ea/verifier';
import type { PacketContext } from './context.js';
import { InterpreterError } from './errors.js';

/**
 * Returns the fewest bytes a view must hold for `program` (seccomp or ea): 64 for seccomp; for
 * ea the header (seccomp_data and ea_meta, 80 bytes) and one past the highest byte an absolute
 * load reads (`maxLoadEnd`, the bound the flattener zero-fills to). Indexed loads and the
 * tail-zero load are checked against the view as they run (outside it: return 0, fail safe).
 */
export function imageSize(program: VerifiedProgram): number {
  return program.profile === 'ea' ? Math.max(EA_REGION_OFFSET, program.maxLoadEnd) : SECCOMP_DATA_SIZE;
}

/** Names what a value is, for messages: `undefined`, `null`, `a Uint8Array`, `a number`. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object';
}

/**
 * Checks that `view` is a DataView of at least `size` bytes (imageSize); throws InterpreterError
 * 'BAD_INPUT' naming the entry (`where`), what it got and what it needs.
 */
export function checkImage(view: unknown, size: number, profile: string, where: string): asserts view is DataView {
  const what = profile === 'ea' ? 'the EA image' : 'seccomp_data';
  if (!(view instanceof DataView)) {
    if (typeof view === 'object' && view !== null && (view as { data?: unknown }).data instanceof DataView) {
      throw new InterpreterError('WRONG_PROFILE', `${where}: a ${profile} program does not run over a PacketContext (give ${what} as a DataView)`);
    }
    const hint = ArrayBuffer.isView(view) ? ' (wrap it: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength))' : '';
    throw new InterpreterError('BAD_INPUT', `${where}: ${what} must be a DataView, got ${describe(view)}${hint}`);
  }
  if (view.byteLength < size) {
    const need = profile === 'ea' ? `${size} (seccomp_data, ea_meta and every byte the filter's absolute loads read)` : `${size}`;
    throw new InterpreterError('BAD_INPUT', `${where}: ${what} is ${view.byteLength} bytes, fewer than ${need}`);
  }
}

/**
 * Checks that `ctx` is an object with a DataView `data` (packetLength checks offset and length);
 * throws InterpreterError: 'WRONG_PROFILE' for a bare DataView (seccomp input given to a socket
 * program), 'BAD_INPUT' for anything else.
 */
export function checkPacket(ctx: unknown, where: string): asserts ctx is PacketContext {
  if (ctx instanceof DataView) {
    throw new InterpreterError('WRONG_PROFILE', `${where}: a socket program does not run over a DataView (give a PacketContext: packetContext(bytes))`);
  }
  if (typeof ctx !== 'object' || ctx === null) {
    throw new InterpreterError('BAD_INPUT', `${where}: the packet must be a PacketContext, got ${describe(ctx)}`);
  }
}
