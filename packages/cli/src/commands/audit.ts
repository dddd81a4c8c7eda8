/**
 * `ea-bpf audit FILE`: the usual mistakes in a seccomp filter, each with a severity and the
 * instructions involved (@ea/explain's audit).
 *   human   one block per finding: SEVERITY kind [arch]: message, then the instructions
 *   --json  one line per finding {"kind","severity","arch","message","pcs":[…]}
 * Exit 0 whatever is found (findings are advice, not a verdict).
 */
import { formatInsn } from '@ea/bpf';
import { audit } from '@ea/explain';
import type { CAC } from 'cac';
import { printJson } from '../output.js';
import { archFilter, readFilter } from './read-filter.js';

/** How many instructions a human-readable finding lists before eliding the rest. */
const SHOWN = 12;

/** Registers `audit` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('audit <file>', 'List the usual mistakes in a seccomp filter, with severity and the instructions involved')
    .option('--json', 'one JSON line per finding')
    .option('--arch <arch>', 'a profile JSON is compiled for this native architecture (default x86_64)')
    .action((file: string, options: { json?: boolean; arch?: string }) => {
      const program = readFilter(file, archFilter(options.arch) ?? 'x86_64');
      const findings = audit(program);
      if (options.json) {
        for (const f of findings) printJson({ kind: f.kind, severity: f.severity, arch: f.arch ?? null, message: f.message, pcs: f.pcs });
        return 0;
      }
      if (findings.length === 0) process.stdout.write('no findings\n');
      for (const f of findings) {
        process.stdout.write(`${f.severity.toUpperCase()} ${f.kind}${f.arch ? ` [${f.arch}]` : ''}: ${f.message}\n`);
        for (const pc of f.pcs.slice(0, SHOWN)) process.stdout.write(`  ${String(pc).padStart(5)}: ${formatInsn(program.insns[pc]!, pc)}\n`);
        if (f.pcs.length > SHOWN) process.stdout.write(`    ... ${f.pcs.length - SHOWN} more\n`);
      }
      return 0;
    });
}
