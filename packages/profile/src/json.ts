/**
 * A small JSON reader that keeps what JSON.parse throws away: the line and column of every value
 * (for errors that say where) and the exact text of every number (JSON numbers past 2^53 lose
 * bits in a double, and seccomp argument values are u64). Duplicate keys are refused rather than
 * resolved (Go's encoding/json keeps the last, which hides mistakes).
 */
import { ProfileError } from './errors.js';

/** A position in the text, 1-based. */
export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

/** A parsed JSON value with its position. */
export type JsonNode = JsonPosition &
  (
    | { readonly kind: 'object'; readonly entries: ReadonlyMap<string, JsonNode> }
    | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
    | { readonly kind: 'string'; readonly value: string }
    /** `raw` is the number exactly as written. */
    | { readonly kind: 'number'; readonly raw: string }
    | { readonly kind: 'boolean'; readonly value: boolean }
    | { readonly kind: 'null' }
  );

/** Nesting deeper than this is refused: profiles are four levels deep, and recursion must stay bounded. */
export const MAX_JSON_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses JSON text; throws ProfileError JSON_SYNTAX (with line and column) or TOO_DEEP. */
export function parseJson(text: string): JsonNode {
  if (typeof text !== 'string') throw new ProfileError('BAD_TYPE', '$', 'the profile must be given as a string');
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = 0;

  const here = (): JsonPosition => ({ line, column: pos - lineStart + 1 });
  const fail = (reason: string, at: JsonPosition = here()): never => {
    throw new ProfileError('JSON_SYNTAX', '$', reason, at);
  };
  const describe = (): string => (pos >= text.length ? 'end of input' : JSON.stringify(text[pos]));

  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x0a) {
        pos++;
        line++;
        lineStart = pos;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
        pos++;
      } else {
        break;
      }
    }
  };

  const parseString = (): string => {
    const start = here();
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text[pos]!;
      if (c === '"') {
        pos++;
        return out;
      }
      if (c === '\\') {
        const e = text[pos + 1];
        if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          pos += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          pos += 2;
        } else {
          fail(`bad escape ${JSON.stringify(`\\${e ?? ''}`)}`);
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('control character in string');
      out += c;
      pos++;
    }
  };

  const parseValue = (depth: number): JsonNode => {
    if (depth > MAX_JSON_DEPTH) throw new ProfileError('TOO_DEEP', '$', `nesting deeper than ${MAX_JSON_DEPTH}`, here());
    skipSpace();
    const at = here();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries = new Map<string, JsonNode>();
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', entries, ...at };
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail(`expected a key string, found ${describe()}`);
        const keyAt = here();
        const key = parseString();
        if (entries.has(key)) throw new ProfileError('DUPLICATE_KEY', '$', `key ${JSON.stringify(key)} appears twice in one object`, keyAt);
        skipSpace();
        if (text[pos] !== ':') fail(`expected ':', found ${describe()}`);
        pos++;
        entries.set(key, parseValue(depth + 1));
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return { kind: 'object', entries, ...at };
        }
        fail(`expected ',' or '}', found ${describe()}`);
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', items, ...at };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return { kind: 'array', items, ...at };
        }
        fail(`expected ',' or ']', found ${describe()}`);
      }
    }
    if (c === '"') return { kind: 'string', value: parseString(), ...at };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = pos;
      const m = NUMBER.exec(text);
      if (m === null) fail(`bad number`);
      pos += m![0].length;
      return { kind: 'number', raw: m![0], ...at };
    }
    for (const [word, node] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return { ...node, ...at };
      }
    }
    return fail(`unexpected ${describe()}`);
  };

  const root = parseValue(0);
  skipSpace();
  if (pos < text.length) fail(`unexpected ${describe()} after the document`);
  return root;
}
