/**
 * The generated code's safety net: every generated function is re-parsed with acorn and must
 * stay inside a small subset of JavaScript (no string literals, no computed member access, no
 * identifier that is not its own parameter, local, label or helper), and the JIT's access
 * policy (access.ts) refuses members and indexing outside it. The builders' own refusals are
 * tested in @ea/codegen.
 */
import * as acorn from 'acorn';
import { describe, expect, it } from 'vitest';
import type { Profile } from '@ea/verifier';
import { chainFactorySource, factorySource, toModule } from '@ea/jit';
import { Scope } from '@ea/codegen';
import { computed, member } from '../src/access.js';
import { EDGES, Rng, genProgram } from '@ea/testkit';
import { verified } from './support/verified.js';

const NAMES =
  /^(A|X|T|len|base|view|input|run|slow|checkView|M([0-9]|1[0-5])|imul|packetLength|loadPacket|ancillary|loadImageWord|loadImageIndirect|tailZero|moveContext|badPacket|runBatch|offsets|lengths|wires|count|out|batch|total|matched|i|next|wire|R|best|v[0-9]+)$/;
const HELPERS = new Set([
  'imul', 'slow', 'checkView', 'packetLength', 'loadPacket', 'ancillary', 'loadImageWord', 'loadImageIndirect', 'tailZero', 'moveContext', 'badPacket',
]);
/** runBatch's typed arrays (checked by compile.ts before the call), indexed only by the loop counter. */
const INDEXED = new Set(['offsets', 'lengths', 'wires', 'out']);
const PROPS = new Set(['getUint8', 'getUint16', 'getUint32', 'byteLength', 'data', 'wireLength', 'offset', 'length']);
const NODES = new Set([
  'Program', 'FunctionDeclaration', 'ReturnStatement', 'Identifier', 'VariableDeclaration', 'VariableDeclarator',
  'ExpressionStatement', 'AssignmentExpression', 'BinaryExpression', 'LogicalExpression', 'UnaryExpression',
  'CallExpression', 'MemberExpression', 'Literal', 'IfStatement', 'BlockStatement', 'LabeledStatement', 'BreakStatement',
  'ForStatement', 'UpdateExpression', 'ThrowStatement', 'SwitchStatement', 'SwitchCase', 'TryStatement', 'CatchClause',
  'ChainExpression',
]);
/** Dispatch tables: factory parameters (Uint8Arrays or Uint16Arrays compile.ts made), indexed only by A. */
const TABLE = /^(?:[tuwc]|t[0-9]+_)[0-9]+$/;

type AnyNode = acorn.Node & Record<string, unknown>;

function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`unsafe generated code: ${what}`);
}

function* walk(node: AnyNode, parent?: AnyNode, key?: string): Generator<[AnyNode, AnyNode | undefined, string | undefined]> {
  yield [node, parent, key];
  for (const [k, v] of Object.entries(node)) {
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === 'string') yield* walk(c as AnyNode, node, k);
    } else if (v && typeof (v as AnyNode).type === 'string') {
      yield* walk(v as AnyNode, node, k);
    }
  }
}

/** Fails unless `body` (a factory body with these parameters) stays inside the subset. */
function checkFactory(body: string, params: readonly string[]): void {
  const comments: string[] = [];
  const ast = acorn.parse(body, {
    ecmaVersion: 2022,
    sourceType: 'script',
    allowReturnOutsideFunction: true,
    onComment: (_block, text) => comments.push(text),
  }) as unknown as AnyNode;
  for (const p of params) must(HELPERS.has(p) || TABLE.test(p), `parameter ${p}`);
  const declared = new Set(params);
  const labels = new Set<string>();
  for (const [n] of walk(ast)) {
    if (n.type === 'VariableDeclarator') declared.add((n['id'] as AnyNode)['name'] as string);
    if (n.type === 'FunctionDeclaration') {
      declared.add((n['id'] as AnyNode)['name'] as string);
      for (const p of n['params'] as AnyNode[]) declared.add(p['name'] as string);
    }
    if (n.type === 'LabeledStatement') labels.add((n['label'] as AnyNode)['name'] as string);
  }
  for (const [n, parent, key] of walk(ast)) {
    must(NODES.has(n.type), `node ${n.type}`);
    switch (n.type) {
      case 'Literal':
        must(['number', 'boolean'].includes(typeof n['value']) || n['value'] === null, `literal ${String(n['raw'])}`);
        must(/^(0x[0-9a-f]+|[0-9]+|true|false|null)$/.test(String(n['raw'])), `raw ${String(n['raw'])}`);
        break;
      case 'Identifier': {
        const name = n['name'] as string;
        if (parent?.type === 'MemberExpression' && key === 'property' && parent['computed'] === false) {
          must(PROPS.has(name), `property ${name}`);
        } else if (parent?.type === 'LabeledStatement' || parent?.type === 'BreakStatement') {
          must(/^(L[0-9]+|packet|filter)$/.test(name) && labels.has(name), `label ${name}`);
        } else {
          must(NAMES.test(name) && declared.has(name), `free identifier ${name}`);
        }
        break;
      }
      case 'MemberExpression': {
        const obj = n['object'] as AnyNode;
        must(obj.type === 'Identifier', 'indirect member');
        if (n['computed'] === true) {
          const prop = n['property'] as AnyNode;
          const array = obj['name'] as string;
          const by = prop.type === 'Identifier' ? (prop['name'] as string) : '';
          must((INDEXED.has(array) && by === 'i') || (TABLE.test(array) && params.includes(array) && by === 'A'), 'computed member');
        } else {
          must(['view', 'input'].includes(obj['name'] as string), `member of ${String(obj['name'])}`);
        }
        break;
      }
      case 'ForStatement': {
        // Only runBatch's loops, which always end: `for (let i = 0; i < count; i++)`, k packets at
        // a time `for (; next + (k - 1) < count; next = next + k)`, and the rest one at a time
        // `for (; next < count; next = next + 1)`.
        const test = n['test'] as AnyNode | null;
        const update = n['update'] as AnyNode | null;
        const left = test?.['left'] as AnyNode | undefined;
        const counted =
          test?.type === 'BinaryExpression' && test['operator'] === '<' && left?.['name'] === 'i' &&
          (test['right'] as AnyNode)['name'] === 'count' && update?.type === 'UpdateExpression';
        const step = update?.type === 'AssignmentExpression' ? (update['right'] as AnyNode) : undefined;
        const k = step?.type === 'BinaryExpression' && step['operator'] === '+' && (step['left'] as AnyNode)['name'] === 'next' ? (step['right'] as AnyNode)['value'] : undefined;
        const ahead =
          left?.type === 'Identifier' ? (left['name'] === 'next' ? 0 : undefined)
          : left?.type === 'BinaryExpression' && left['operator'] === '+' && (left['left'] as AnyNode)['name'] === 'next' ? (left['right'] as AnyNode)['value'] : undefined;
        const grouped =
          n['init'] === null && test?.type === 'BinaryExpression' && test['operator'] === '<' &&
          (test['right'] as AnyNode)['name'] === 'count' && (update?.['left'] as AnyNode | undefined)?.['name'] === 'next' &&
          typeof k === 'number' && k >= 1 && ahead === k - 1;
        must(counted || grouped, 'loop other than i < count; i++ or next + (k - 1) < count; next = next + k');
        break;
      }
      case 'UpdateExpression': {
        const arg = n['argument'] as AnyNode;
        must(n['operator'] === '++' && arg.type === 'Identifier' && arg['name'] === 'i', 'update of something else than i');
        break;
      }
      case 'CallExpression': {
        const callee = n['callee'] as AnyNode;
        if (callee.type === 'Identifier') must(HELPERS.has(callee['name'] as string), `call ${String(callee['name'])}`);
        else must((callee['object'] as AnyNode)['name'] === 'view', 'method call on something else than view');
        break;
      }
      case 'AssignmentExpression':
        must(n['operator'] === '=', 'assignment');
        must(!['i', 'count'].includes((n['left'] as AnyNode)['name'] as string), 'assignment to the loop counter');
        must((n['left'] as AnyNode)['name'] !== 'next' || (parent?.type === 'ForStatement' && key === 'update'), 'assignment to the loop counter');
        must(
          (n['left'] as AnyNode).type === 'Identifier' || ((n['left'] as AnyNode)['object'] as AnyNode)['name'] === 'out',
          'assignment to a member other than out[i]',
        );
        break;
      case 'UnaryExpression':
        must(n['operator'] === '!', `unary ${String(n['operator'])}`);
        break;
      case 'BreakStatement':
        must(n['label'] !== null, 'unlabelled break');
        break;
      case 'CatchClause':
        // Only `catch { return slow(view); }`: the exception itself is never looked at.
        must(n['param'] === null, 'catch binding');
        break;
      case 'SwitchCase':
        must((n['test'] as AnyNode | null)?.type === 'Literal', 'switch case that is not a number');
        break;
      case 'VariableDeclaration':
        must(['let', 'const'].includes(n['kind'] as string), 'var');
        break;
      default:
        break;
    }
  }
  for (const c of comments) {
    must(/^ ([0-9]+: .*|entry: .*|filter [0-9]+ \([0-9]+ instructions\)|x86_64 calls [0-9]+(, [0-9]+)* bypass every filter on this kernel)$|^# sourceURL=ea-jit\/((socket|seccomp|ea)-(batch-)?[0-9a-f]{8}|chain-[0-9]+)\.js$/.test(c), `comment ${c}`);
  }
}

describe('generated code stays inside the safe subset (acorn)', () => {
  for (const profile of ['socket', 'seccomp', 'ea'] as Profile[]) {
    it(`${profile}: 150 random programs`, () => {
      for (let seed = 1; seed <= 150; seed++) {
        const r = new Rng(seed * 7919);
        const program = verified(genProgram(r, profile, seed % 3 === 0 ? 200 : 40, EDGES), profile);
        const { source, helpers } = factorySource(program, { minSwitch: 2 });
        checkFactory(source, helpers);
        if (profile === 'socket') {
          const batch = factorySource(program, { minSwitch: 2, entry: 'runBatch' });
          checkFactory(batch.source, batch.helpers);
        }
      }
    });
  }

  it('chains: 60 random stacks of seccomp and EA programs', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = new Rng(seed * 104729);
      const profile: Profile = seed % 2 === 0 ? 'seccomp' : 'ea';
      const chain = Array.from({ length: 1 + r.int(6) }, () => verified(genProgram(r, profile, seed % 3 === 0 ? 120 : 30, EDGES), profile));
      const { source, helpers, tables } = chainFactorySource(chain, { minSwitch: 2 });
      checkFactory(source, [...helpers, ...tables.map((t) => t.name)]);
    }
  });

  it('standalone modules import only helpers from the runtime and export run', () => {
    for (const profile of ['socket', 'seccomp', 'ea'] as Profile[]) {
      for (let seed = 1; seed <= 50; seed++) {
        const program = verified(genProgram(new Rng(seed), profile, 60, EDGES), profile);
        const text = toModule(program);
        const ast = acorn.parse(text, { ecmaVersion: 2022, sourceType: 'module' }) as unknown as AnyNode;
        for (const s of ast['body'] as AnyNode[]) {
          expect(['ImportDeclaration', 'FunctionDeclaration', 'ExportNamedDeclaration', 'VariableDeclaration']).toContain(s.type);
          if (s.type === 'VariableDeclaration') {
            // Only dispatch tables: `const t0 = table([numbers])`.
            for (const d of s['declarations'] as AnyNode[]) {
              expect((d['id'] as AnyNode)['name']).toMatch(TABLE);
              const init = d['init'] as AnyNode;
              expect((init['callee'] as AnyNode)['name']).toBe('table');
              for (const e of ((init['arguments'] as AnyNode[])[0] as AnyNode)['elements'] as AnyNode[]) expect(typeof e['value']).toBe('number');
            }
          }
          if (s.type === 'ImportDeclaration') {
            expect((s['source'] as AnyNode)['value']).toBe('@ea/jit/runtime');
            for (const sp of s['specifiers'] as AnyNode[]) {
              const name = (sp['local'] as AnyNode)['name'] as string;
              expect(HELPERS.has(name) || (profile === 'socket' && name === 'batchEntry') || name === 'table', name).toBe(true);
            }
          }
        }
      }
    }
  });
});

describe('the subset check itself', () => {
  const bad: [string, string][] = [
    ['return globalThis;', 'free identifier'],
    ['return view["getUint8"];', 'computed'],
    ['return "x";', 'literal'],
    ['function run(input) { return input.constructor; } return run;', 'property'],
    ['return A.data;', 'member of A'],
    ['const A = 0; return A;\n// 1: ok\n/* x */', 'comment'],
    ['return imul(1, 2);', 'free identifier'],
    ['function runBatch(view, i) { return view[i]; } return runBatch;', 'computed member'],
    ['function runBatch(offsets, A) { return offsets[A]; } return runBatch;', 'computed member'],
    ['function runBatch(out, view) { out.data = 1; return 0; } return runBatch;', 'member of out'],
    ['function runBatch(view, i) { view.offset = i; return 0; } return runBatch;', 'assignment to a member'],
    ['function runBatch(A) { A++; return A; } return runBatch;', 'update of something else'],
    ['function run(view) { let A = 0; return t0[A]; } return run;', 'computed member'],
    ['function run(view) { try { return 1; } catch (e) { return e; } } return run;', 'catch binding'],
    ['function run(view) { let A = 0; switch (A) { case A: return 1; } return 0; } return run;', 'switch case'],
    ['function runBatch(i) { for (;;) { i++; } } return runBatch;', 'loop other than'],
    ['function runBatch(i, count) { for (let i = 0; i < count; i = i) {} } return runBatch;', 'loop other than'],
    ['function runBatch(i, count) { for (let i = 0; i < count; i++) { i = 0; } } return runBatch;', 'loop counter'],
    ['function runBatch(count) { let next = 0; for (; next + 1 < count; next = next + 1) {} return 0; } return runBatch;', 'loop other than'],
    ['function runBatch(count) { let next = 0; for (; next + 1 < count; next = next + 2) { next = 0; } return 0; } return runBatch;', 'loop counter'],
  ];
  for (const [src, why] of bad) {
    it(`rejects ${JSON.stringify(src)}`, () => {
      expect(() => checkFactory(src, [])).toThrow(why);
    });
  }
});

describe('the access policy refuses what generated code may not reach', () => {
  it('properties from a fixed list, indexing by the loop counter or A only', () => {
    const scope = new Scope();
    for (const n of ['A', 'i', 'view', 'offsets', 't0']) scope.declare(n);
    for (const bad of ['constructor', '__proto__', 'prototype', 'call', 'buffer']) expect(() => member(scope.id('view'), bad)).toThrow(/not allowed/);
    expect(member(scope.id('view'), 'getUint8').computed).toBe(false);
    expect(() => computed(scope.id('offsets'), scope.id('A'))).toThrow(/not allowed/);
    expect(() => computed(scope.id('view'), scope.id('i'))).toThrow(/not allowed/);
    expect(() => computed(scope.id('t0'), scope.id('i'))).toThrow(/not allowed/);
    expect(computed(scope.id('offsets'), scope.id('i')).computed).toBe(true);
    expect(computed(scope.id('t0'), scope.id('A')).computed).toBe(true);
  });
});
