/**
 * A small JavaScript tokenizer for showing generated code: comments, strings, numbers, keywords,
 * the rest. The page builds one text node per token (never innerHTML), so even text that is not
 * ours could not become markup.
 */

/** A token's kind, which becomes its CSS class. */
export type TokenKind = 'comment' | 'string' | 'number' | 'keyword' | 'plain';

const KEYWORDS = new Set([
  'const', 'let', 'var', 'function', 'return', 'if', 'else', 'for', 'while', 'do', 'switch', 'case', 'default', 'break',
  'continue', 'new', 'throw', 'try', 'catch', 'finally', 'typeof', 'true', 'false', 'null', 'undefined', 'this',
]);

const TOKEN = /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|(\b0x[0-9a-fA-F]+\b|\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_$][\w$]*)/g;

/** Splits source into tokens whose texts concatenate back to the source. */
export function tokenize(source: string): { kind: TokenKind; text: string }[] {
  const out: { kind: TokenKind; text: string }[] = [];
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    if (m.index > last) out.push({ kind: 'plain', text: source.slice(last, m.index) });
    const kind: TokenKind = m[1] ? 'comment' : m[2] ? 'string' : m[3] ? 'number' : KEYWORDS.has(m[4]!) ? 'keyword' : 'plain';
    out.push({ kind, text: m[0] });
    last = m.index + m[0].length;
  }
  if (last < source.length) out.push({ kind: 'plain', text: source.slice(last) });
  return out;
}
