/**
 * Tokens of one line of bpf_asm (or tcpdump -d) text, each with its 1-based column, and the
 * number syntax bpf_asm accepts: decimal, 0x hex, 0b binary, 0-prefixed octal, optional minus.
 * Comments (`;` to end of line, C-style blocks) are blanked out before lexing.
 */
import { FormatError, type Where } from '../errors.js';

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

/** Splits one comment-free line into tokens. */
export function tokenize(text: string, line: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
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
 * Replaces comments by spaces, keeping line breaks and columns: `;` to the end of the line,
 * lines starting with `#` (both bpf_asm's), and C-style block comments, which may span lines.
 */
export function stripComments(text: string): string {
  // bpf_asm also skips lines that start with `#`; no instruction can start with one.
  const out = text.replace(/\/\*[\s\S]*?\*\/|;[^\n]*|^[ \t]*#[^\n]*/gm, (m) => m.replace(/[^\n]/g, ' '));
  const open = out.indexOf('/*');
  if (open !== -1) {
    const before = out.slice(0, open);
    const line = before.split('\n').length;
    throw new FormatError('SYNTAX', 'unterminated /* comment', at(line, open - before.lastIndexOf('\n')));
  }
  return out;
}
