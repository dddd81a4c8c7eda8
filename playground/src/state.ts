/**
 * The session in the URL fragment, so a link reproduces it: the input (text, or a dropped file's
 * bytes in base64), the format, profile, arch and tab. The fragment never leaves the browser.
 */
import type { FormatChoice } from './choices.js';

/** The state a link carries. */
export interface State {
  readonly text: string;
  readonly bytes: Uint8Array | null;
  readonly format: string;
  readonly profile: string;
  readonly arch: string;
  /** The program of an eBPF object ('' the first). */
  readonly section: string;
  readonly tab: string;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Writes the state as a fragment (without the #). */
export function encodeState(s: State): string {
  const p = new URLSearchParams({ format: s.format, profile: s.profile, arch: s.arch, tab: s.tab });
  if (s.section !== '') p.set('section', s.section);
  if (s.bytes !== null) p.set('bytes', toBase64(s.bytes));
  else p.set('text', s.text);
  return p.toString();
}

/** Reads a fragment; null when it holds no input. Unknown values are left for the selects to refuse. */
export function decodeState(fragment: string): State | null {
  const p = new URLSearchParams(fragment.replace(/^#/, ''));
  const bytes = p.has('bytes') ? fromBase64(p.get('bytes')!) : null;
  if (bytes === null && !p.has('text')) return null;
  return {
    text: p.get('text') ?? '',
    bytes,
    format: p.get('format') ?? ('auto' satisfies FormatChoice),
    profile: p.get('profile') ?? 'seccomp',
    arch: p.get('arch') ?? 'x86_64',
    section: p.get('section') ?? '',
    tab: p.get('tab') ?? 'verifier',
  };
}
