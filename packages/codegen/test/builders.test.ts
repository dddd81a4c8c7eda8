import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';
import {
  Scope, array, assign, assignExpr, bin, block, bool, brk, call, cont, countedLoop, declare, exportNamed, exprStmt, fnDecl, forLoop,
  i32, ifElse, importFrom, increment, indexBuilder, labelled, lineComment, logical, memberBuilder, mulU32, not, nullLiteral, optional, print,
  program, ret, switchOn, throwStmt, toI32, toU32, tryCatch, u32, u64, unary, whileLoop, withComments,
} from '../src/index.js';

/** Prints a script and checks that acorn reads it back. */
function printed(body: Parameters<typeof program>[1]): string {
  const text = print(program('script', body));
  parse(text, { ecmaVersion: 2022, sourceType: 'script', allowReturnOutsideFunction: true });
  return text;
}

describe('leaves refuse what could escape', () => {
  it('u32 takes integers in [0, 2^32) and spells them in the radix asked', () => {
    for (const bad of [-1, 0x100000000, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0.5]) expect(() => u32(bad)).toThrow(/outside/);
    expect(u32(0xffffffff, 'hex').raw).toBe('0xffffffff');
    expect(u32(9, 'imm').raw).toBe('9');
    expect(u32(10, 'imm').raw).toBe('0xa');
    expect(u32(65535, 'offset').raw).toBe('65535');
    expect(u32(65536, 'offset').raw).toBe('0x10000');
  });

  it('i32 prints a negative number as a unary minus that precedence keeps together', () => {
    for (const bad of [-0x80000001, 0x80000000, 0.5]) expect(() => i32(bad)).toThrow(/outside/);
    const scope = new Scope();
    scope.declare('a');
    expect(printed([exprStmt(bin('-', scope.id('a'), i32(-5)))])).toBe('a - -5;\n');
    expect(printed([exprStmt(bin('*', i32(-0x80000000, 'hex'), i32(3)))])).toBe('-0x80000000 * 3;\n');
  });

  it('u64 makes BigInt literals in [0, 2^64)', () => {
    for (const bad of [-1n, 1n << 64n]) expect(() => u64(bad)).toThrow(/outside/);
    expect(printed([exprStmt(u64(0xffffffffffffffffn, 'hex'))])).toBe('0xffffffffffffffffn;\n');
    expect(printed([exprStmt(u64(12n))])).toBe('12n;\n');
  });

  it('comments cannot end early', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\u2028b', 'a\u2029b', 'x */ y']) expect(() => lineComment(bad)).toThrow(/escape/);
    expect(lineComment('3: ld [4]').value).toBe('3: ld [4]');
  });

  it('names come from the scope', () => {
    const scope = new Scope();
    scope.declare('A');
    expect(() => scope.id('B')).toThrow(/undeclared/);
    for (const bad of ['constructor;', 'a b', '1x', 'this', 'eval', '']) expect(() => scope.declare(bad)).toThrow(/bad name/);
    expect(scope.id('A')).toBe(scope.id('A'));
    expect(Object.isFrozen(scope.id('A'))).toBe(true);
    expect(scope.label(7)).toBe('L7');
    expect(() => scope.label(-1)).toThrow(/outside/);
  });

  it('member access only to the names a builder was made for', () => {
    const scope = new Scope();
    scope.declare('A');
    const member = memberBuilder(['data', 'getUint8']);
    for (const bad of ['constructor', '__proto__', 'prototype', 'call']) expect(() => member(scope.id('A'), bad)).toThrow(/not allowed/);
    for (const bad of ['constructor', '__proto__', 'a-b']) expect(() => memberBuilder([bad])).toThrow(/never allowed|bad name/);
    expect(printed([exprStmt(member(scope.id('A'), 'data'))])).toBe('A.data;\n');
    expect(printed([exprStmt(optional(member(scope.id('A'), 'data')))])).toBe('A?.data;\n');
  });

  it('indexing only where the rule allows', () => {
    const scope = new Scope();
    for (const n of ['t0', 'A', 'i']) scope.declare(n);
    const index = indexBuilder((array, by) => array === 't0' && by === 'A');
    expect(() => index(scope.id('t0'), scope.id('i'))).toThrow(/not allowed/);
    expect(printed([exprStmt(index(scope.id('t0'), scope.id('A')))])).toBe('t0[A];\n');
  });

  it('an import names a plain specifier', () => {
    const scope = new Scope();
    scope.declare('table');
    for (const bad of ["x'; evil()", 'a b', '']) expect(() => importFrom([scope.id('table')], bad)).toThrow(/specifier/);
  });
});

describe('statements print as the JavaScript they name', () => {
  it('a function with every statement builder', () => {
    const s = new Scope();
    for (const n of ['f', 'a', 'b', 'i', 'n', 'imul', 'slow', 'outer']) s.declare(n);
    const id = (n: string) => s.id(n);
    const fn = fnDecl(id('f'), [id('a'), id('n')], [
      declare('let', [[id('b'), u32(0)]]),
      withComments(assign(id('b'), mulU32(id('imul'), id('a'), u32(3))), [lineComment('0: mul #3')]),
      assign(id('b'), toI32(bin('+', id('b'), toU32(unary('~', id('a')))))),
      ifElse(not(id('a')), [ret(nullLiteral())], [throwStmt(call(id('slow'), [id('a')]))]),
      tryCatch([exprStmt(call(id('slow'), [bool(true)]))], [ret(u32(0))]),
      countedLoop(id('i'), id('n'), [ifElse(logical('&&', id('a'), id('b')), [brk()])]),
      labelled(id('outer'), whileLoop(bool(true), [ifElse(id('a'), [cont(id('outer'))]), brk(id('outer'))])),
      forLoop(null, bin('<', id('b'), id('n')), assignExpr(id('b'), bin('+', id('b'), u32(2))), [exprStmt(increment(id('b')))]),
      switchOn(id('a'), [[1, [ret(array([u32(1), u32(2)]))]]]),
      ret(id('b')),
    ]);
    expect(printed([fn])).toMatchInlineSnapshot(`
      "function f(a, n) {
        let b = 0;
        // 0: mul #3
        b = imul(a, 3) >>> 0;
        b = b + (~a >>> 0) | 0;
        if (!a) {
          return null;
        } else {
          throw slow(a);
        }
        try {
          slow(true);
        } catch {
          return 0;
        }
        for (let i = 0; i < n; i++) {
          if (a && b) {
            break;
          }
        }
        outer: while (true) {
          if (a) {
            continue outer;
          }
          break outer;
        }
        for (; b < n; b = b + 2) {
          b++;
        }
        switch (a) {
          case 1:
            return [1, 2];
        }
        return b;
      }
      "
    `);
  });

  it('a module imports, declares and exports', () => {
    const s = new Scope();
    for (const n of ['table', 't0', 'run']) s.declare(n);
    const mod = program('module', [
      importFrom([s.id('table')], '@ea/jit/runtime'),
      declare('const', [[s.id('t0'), call(s.id('table'), [array([u32(0), u32(1)])])]]),
      exportNamed(fnDecl(s.id('run'), [], [ret(s.id('t0'))])),
    ]);
    const text = print(mod);
    parse(text, { ecmaVersion: 2022, sourceType: 'module' });
    expect(text).toBe(
      "import {table} from \"@ea/jit/runtime\";\nconst t0 = table([0, 1]);\nexport function run() {\n  return t0;\n}\n",
    );
    expect(block([]).body).toEqual([]);
  });
});
