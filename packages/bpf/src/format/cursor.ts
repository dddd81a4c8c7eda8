/**
 * A cursor over the tokens of one line, for the instruction parser: peeks, consumes, reads
 * range-checked numbers, and throws FormatError naming the line and column.
 */
import { FormatError } from '../errors.js';
import { at, quote, type Token } from './lexer.js';

/** The largest value of a u32 field. */
export const U32_MAX = 0xffffffff;

/** Walks the tokens of one line, naming the line and column in every error. */
export class Cursor {
  private pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    readonly line: number,
    private readonly endColumn: number,
  ) {}

  /** Returns the token `offset` places ahead without consuming it. */
  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  /** Returns the column of the next token (or the end of the line). */
  column(): number {
    return this.peek()?.column ?? this.endColumn;
  }

  /** Throws a FormatError at the given column of this line. */
  fail(code: 'SYNTAX' | 'BAD_OPERAND' | 'OUT_OF_RANGE', message: string, column = this.column()): never {
    throw new FormatError(code, message, at(this.line, column));
  }

  /** Describes the next token for an error message. */
  describe(): string {
    const t = this.peek();
    return t === undefined ? 'end of line' : quote(t.text);
  }

  /** Consumes and returns the next token (fails at the end of the line). */
  next(): Token {
    const t = this.peek();
    if (t === undefined) this.fail('SYNTAX', 'unexpected end of line');
    this.pos++;
    return t;
  }

  /** Tells whether the token `offset` ahead is the punctuation `ch`. */
  isPunct(ch: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.type === 'punct' && t.text === ch;
  }

  /** Returns the identifier `offset` ahead, or undefined. */
  isIdent(offset = 0): string | undefined {
    const t = this.peek(offset);
    return t?.type === 'ident' ? t.text.toLowerCase() : undefined;
  }

  /** Consumes the punctuation `ch` or fails. */
  punct(ch: string): void {
    if (!this.isPunct(ch)) this.fail('SYNTAX', `expected ${quote(ch)}, found ${this.describe()}`);
    this.pos++;
  }

  /** Consumes the word `name` or fails. */
  word(name: string): void {
    if (this.isIdent() !== name) this.fail('SYNTAX', `expected ${quote(name)}, found ${this.describe()}`);
    this.pos++;
  }

  /** Fails unless the line has no tokens left. */
  end(): void {
    if (this.peek() !== undefined) this.fail('SYNTAX', `unexpected ${this.describe()} after the operands`);
  }

  /** Reads a number in min..max; negative values (down to -2^31) are taken as u32 when max is U32_MAX. */
  number(what: string, max = U32_MAX, signed = max === U32_MAX): number {
    const t = this.peek();
    if (t?.type !== 'num') this.fail('BAD_OPERAND', `expected ${what}, found ${this.describe()}`);
    this.pos++;
    const min = signed ? -0x80000000 : 0;
    if (!(t.value >= min && t.value <= max)) {
      this.fail('OUT_OF_RANGE', `${what} ${t.text} is outside ${min}..${max}`, t.column);
    }
    return t.value >>> 0;
  }
}
