/**
 * A refused program, shown the way a compiler shows an error: `name: pc N: error: ...` and the
 * listing around the failing instruction with a marker under it.
 */
import { formatInsn, type SockFilter } from '@ea/bpf';
import type { VerifyError } from './errors.js';

/** Lines of listing shown on each side of the failing instruction. */
const CONTEXT = 3;

/** Formats a VerifyError for humans: a header line, then a marked listing (none for whole-program limits). */
export function formatDiagnostic(name: string, insns: readonly SockFilter[], error: VerifyError): string {
  const detail = error.detail === null ? '' : ` [${error.detail}]`;
  const where = error.pc === null ? '' : ` pc ${error.pc}:`;
  const head = `${name}:${where} error: ${error.reason} (${error.errno}): ${error.why}${detail}`;
  if (error.pc === null || error.pc >= insns.length) return `${head}\n`;
  const from = Math.max(0, error.pc - CONTEXT);
  const to = Math.min(insns.length - 1, error.pc + CONTEXT);
  const width = String(to).length;
  const lines = [head];
  for (let pc = from; pc <= to; pc++) {
    const text = safeFormat(insns[pc], pc);
    lines.push(`${pc === error.pc ? '>' : ' '} ${String(pc).padStart(width)} | ${text}`);
    if (pc === error.pc) lines.push(`  ${' '.repeat(width)} | ${'^'.repeat(Math.max(1, text.length))} ${error.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function safeFormat(i: SockFilter | undefined, pc: number): string {
  if (i === undefined || typeof i !== 'object' || i === null) return '<not an instruction>';
  try {
    return formatInsn(i, pc);
  } catch {
    return `.insn ${String(i.code)}, ${String(i.jt)}, ${String(i.jf)}, ${String(i.k)}`;
  }
}
