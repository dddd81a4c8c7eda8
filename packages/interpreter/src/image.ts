/**
 * Loads from seccomp_data and the EA image (the `seccomp` and `ea` profiles). All of them are
 * native-endian 32-bit reads (seccomp_check_filter rewrites `ld [k]` into one) and none can
 * throw. Every entry has checked that the view holds every absolute load (input.ts), so the
 * zero fill of loadImageWord is a last defence, not a rule callers may rely on: zero-filling
 * the image up to what the filter reads (the 2020 design's option 3) is the kernel's job.
 * The JIT calls these same functions for its slow paths.
 */
import { EA_META_ROOT, EA_META_USIZE } from '@ea/bpf';

/** Reads a u32 at `off` (>= 0); bytes past the end of `view` count as zero. */
export function loadImageWord(view: DataView, off: number, little: boolean): number {
  const len = view.byteLength;
  if (off + 4 <= len) return view.getUint32(off, little);
  // Straddles the end (or lies wholly past it): assemble the bytes that exist.
  let word = 0;
  for (let i = 0; i < 4; i++) {
    const b = off + i < len ? view.getUint8(off + i) : 0;
    word = little ? word | (b << (8 * i)) : (word << 8) | b;
  }
  return word >>> 0;
}

/**
 * Loads the word of EA `ld [x + k]`: the word at `(X + k) mod 2^32`, or -1 when that offset is misaligned or the
 * word does not lie wholly inside the image; the program then returns 0 (KILL_THREAD), failing
 * safe rather than reading zeros an attacker could steer towards.
 */
export function loadImageIndirect(view: DataView, x: number, k: number, little: boolean): number {
  const off = (x + k) >>> 0;
  if ((off & 3) !== 0 || off + 4 > view.byteLength) return -1;
  return view.getUint32(off, little);
}

/**
 * Evaluates EA `ldtz #k` (BPF_LD|BPF_W|BPF_TAILZ), bpf_check_uarg_tail_zero as an instruction. With
 * usize = ea_meta.usize and root = ea_meta.root (read with the zero-fill rule), returns 1 when
 * every image byte in [root + k, root + usize) is zero, which includes usize <= k, and 0 when
 * some byte is not. If that range runs past the end of the image the copy is incomplete and
 * the answer is 0 (fail safe).
 */
export function tailZero(view: DataView, k: number, little: boolean): number {
  const usize = loadImageWord(view, EA_META_USIZE, little);
  if (usize <= k) return 1;
  const root = loadImageWord(view, EA_META_ROOT, little);
  const from = root + k;
  const to = root + usize;
  if (to > view.byteLength) return 0;
  for (let i = from; i < to; i++) {
    if (view.getUint8(i) !== 0) return 0;
  }
  return 1;
}
