/**
 * Tokens of one line of bpf_asm (or tcpdump -d) text, each with its 1-based column, and the
 * number syntax bpf_asm accepts: decimal, 0x hex, 0b binary, 0-prefixed octal, optional minus.
 * Comments (`;` to end of line, C-style blocks) are blanked out before lexing.
 */
import { FormatError, type Where } from '../errors.js';

/** One lexed piece of a line, with its 1-based column. */
export type Token =
  | { readonly type: 'ident'; readonly text: string; readonly column: number }
  | { readonly type: 'num'; readonly text: string; readonly value: number; readonly column: number }
  | { readonly type: 'punct'; readonly text: string; readonly column: number };

/** Builds a text location. */
export function at(line: number, column: number): Where {
  return { kind: 'text', line, column };
}

const IDENT = /[A-Za-z_.%][A-Za-z0-9_.]*/y;
const NUMBER = /-?(?:0[xX][0-9A-Fa-f]+|0[bB][01]+|[0-9]+)(?![A-Za-z0-9_])/y;
const PUNCT = '#[],+*()&:{}-';

/** Parses a number literal's text, or returns NaN when its digits are invalid; huge values become Infinity. */
export function numberValue(text: string): number {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  let digits: string;
  let radix: number;
  if (/^0[xX]/.test(body)) [digits, radix] = [body.slice(2), 16];
  else if (/^0[bB]/.test(body)) [digits, radix] = [body.slice(2), 2];
  else if (body.length > 1 && body.startsWith('0')) [digits, radix] = [body.slice(1), 8];
  else [digits, radix] = [body, 10];
  if (radix === 8 && /[89]/.test(digits)) return Number.NaN;
  const significant = digits.replace(/^0+/, '');
  // Anything longer than 40 digits is out of range whatever the radix; avoid parsing megabytes.
  const value = significant.length > 40 ? Number.POSITIVE_INFINITY : significant === '' ? 0 : Number.parseInt(significant, radix);
  return negative ? -value : value;
}

/**
 * The most tokens one line may hold. The longest instruction needs 11; the cap keeps a hostile
 * line (millions of commas) from costing a token object per character.
 */
export const MAX_LINE_TOKENS = 256;

/** Splits one comment-free line into tokens. */
export function tokenize(text: string, line: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (tokens.length === MAX_LINE_TOKENS) {
      throw new FormatError('TOO_LONG', `line has more than ${MAX_LINE_TOKENS} tokens`, at(line, tokens[tokens.length - 1]!.column));
    }
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\v' || ch === '\f') {
      i++;
      continue;
    }
    const column = i + 1;
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (num !== null) {
      const value = numberValue(num[0]);
      if (Number.isNaN(value)) throw new FormatError('BAD_NUMBER', `bad number ${num[0]}`, at(line, column));
      tokens.push({ type: 'num', text: num[0], value, column });
      i += num[0].length;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const bad = /[0-9A-Za-z_]+/y;
      bad.lastIndex = i;
      throw new FormatError('BAD_NUMBER', `bad number ${quote(bad.exec(text)?.[0] ?? ch)}`, at(line, column));
    }
    IDENT.lastIndex = i;
    const id = IDENT.exec(text);
    if (id !== null) {
      tokens.push({ type: 'ident', text: id[0], column });
      i += id[0].length;
      continue;
    }
    if (PUNCT.includes(ch)) {
      tokens.push({ type: 'punct', text: ch, column });
      i++;
      continue;
    }
    throw new FormatError('SYNTAX', `unexpected character ${quote(ch)}`, at(line, column));
  }
  return tokens;
}

/** Quotes a piece of input for an error message, escaping control characters and cutting it short. */
export function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(short);
}

/**
 * Splits text into lines with comments replaced by blanks, keeping columns: `;` to the end of
 * the line, lines starting with `#` (both bpf_asm's), C-style block comments (which may span
 * lines) and, with `slashSlash`, C++ line comments. Linear in the text; lines without a comment
 * character are passed through untouched.
 */
export function commentFreeLines(text: string, options: { slashSlash?: boolean } = {}): string[] {
  const lines = text.split('\n');
  let open: { line: number; column: number } | undefined;
  for (let n = 0; n < lines.length; n++) {
    let l = lines[n]!;
    let from = 0;
    if (open !== undefined) {
      const close = l.indexOf('*/');
      if (close === -1) {
        lines[n] = '';
        continue;
      }
      l = ' '.repeat(close + 2) + l.slice(close + 2);
      from = close + 2;
      open = undefined;
    }
    if (l.indexOf(';') === -1 && l.indexOf('#') === -1 && l.indexOf('/') === -1) {
      lines[n] = l;
      continue;
    }
    let out = '';
    let copied = 0;
    let lead = from === 0;
    for (let i = from; i < l.length; i++) {
      const ch = l.charCodeAt(i);
      const slash = ch === 0x2f; /* / */
      const next = l.charCodeAt(i + 1);
      if (ch === 0x3b /* ; */ || (ch === 0x23 /* # */ && lead) || (slash && next === 0x2f && options.slashSlash)) {
        out += l.slice(copied, i);
        copied = l.length;
        break;
      }
      if (slash && next === 0x2a /* * */) {
        const close = l.indexOf('*/', i + 2);
        out += l.slice(copied, i);
        if (close === -1) {
          open = { line: n + 1, column: i + 1 };
          copied = l.length;
          break;
        }
        out += ' '.repeat(close + 2 - i);
        copied = close + 2;
        i = close + 1;
        lead = false;
        continue;
      }
      if (ch !== 0x20 && ch !== 0x09) lead = false;
    }
    lines[n] = out + l.slice(copied);
  }
  if (open !== undefined) throw new FormatError('SYNTAX', 'unterminated /* comment', at(open.line, open.column));
  return lines;
}
