/**
 * Tidying of structured code: breaks that would fall through anyway are removed, and if/else
 * chains are flattened so that a chain of tests reads as a flat sequence.
 */
import type * as ES from 'estree';
import { ifElse, not } from '@ea/codegen';

/** Removes `break name` where it is the last thing that runs before the end of `stmts`. */
export function stripTail(stmts: ES.Statement[], name: string, uses: Map<string, number>): void {
  for (;;) {
    const last = stmts[stmts.length - 1];
    if (last === undefined) return;
    if (last.type === 'BreakStatement' && last.label?.name === name) {
      stmts.pop();
      uses.set(name, (uses.get(name) ?? 1) - 1);
      continue;
    }
    if (last.type === 'IfStatement') {
      stripTail((last.consequent as ES.BlockStatement).body, name, uses);
      if (last.alternate !== null && last.alternate !== undefined) {
        stripTail((last.alternate as ES.BlockStatement).body, name, uses);
      }
    } else if (last.type === 'LabeledStatement') {
      stripTail((last.body as ES.BlockStatement).body, name, uses);
    }
    return;
  }
}

/** Returns whether control can leave `stmts` by falling off its end. */
export function fallsThrough(stmts: readonly ES.Statement[]): boolean {
  const last = stmts[stmts.length - 1];
  if (last === undefined) return true;
  switch (last.type) {
    case 'ReturnStatement':
    case 'BreakStatement':
    case 'ThrowStatement':
      return false;
    case 'IfStatement':
      return (
        last.alternate === null ||
        last.alternate === undefined ||
        fallsThrough((last.consequent as ES.BlockStatement).body) ||
        fallsThrough((last.alternate as ES.BlockStatement).body)
      );
    default:
      return true;
  }
}

const NEGATE: Partial<Record<ES.BinaryOperator, ES.BinaryOperator>> = {
  '===': '!==', '!==': '===', '<': '>=', '>=': '<', '>': '<=', '<=': '>',
};

function negate(e: ES.Expression): ES.Expression {
  if (e.type === 'BinaryExpression') {
    const op = NEGATE[e.operator];
    if (op !== undefined) return { ...e, operator: op };
  }
  return not(e);
}

/**
 * Tidies if/else: `if (c) { ...; return } else { F }` becomes `if (c) { ...; return } F`, and a
 * short jump-only else is swapped to the front, so chains of tests read as a flat sequence.
 */
export function flatten(stmts: ES.Statement[]): ES.Statement[] {
  const out: ES.Statement[] = [];
  for (const s of stmts) {
    if (s.type === 'LabeledStatement') {
      const body = s.body as ES.BlockStatement;
      out.push({ ...s, body: { ...body, body: flatten(body.body) } });
      continue;
    }
    if (s.type === 'SwitchStatement') {
      out.push({ ...s, cases: s.cases.map((c) => ({ ...c, consequent: flatten(c.consequent) })) });
      continue;
    }
    if (s.type !== 'IfStatement') {
      out.push(s);
      continue;
    }
    let cons = flatten((s.consequent as ES.BlockStatement).body);
    let alt = s.alternate ? flatten((s.alternate as ES.BlockStatement).body) : [];
    let test = s.test;
    if (cons.length === 0 && alt.length === 0) continue;
    if (cons.length === 0 || (alt.length === 1 && !fallsThrough(alt) && cons.length > 1)) {
      [cons, alt] = [alt, cons];
      test = negate(test);
    }
    const comments = (s as { comments?: ES.Comment[] }).comments;
    const head = ifElse(test, cons, alt.length > 0 && fallsThrough(cons) ? alt : undefined);
    out.push(comments === undefined ? head : Object.assign(head, { comments }));
    if (!fallsThrough(cons)) out.push(...alt);
  }
  return out;
}
