/**
 * `ea-bpf compat SYSCALL`: the fail-safe matrix of the EA profile (docs/ea-profile.md). Every
 * {old, new} filter x {old, new} kernel x program cell: what the filter saw, its verdict, the
 * syscall's own outcome and whether the cell is fail-safe. Exit 0 when every cell is fail-safe,
 * 1 when some cell is not (the point of `--no-guard`), 2 on usage errors.
 */
import type { GuardForm, Strategy } from '@ea/policy';
import { SCENARIOS, compatMatrix, defaultEngine, formatMatrix } from '@ea/workbench';
import type { CAC } from 'cac';
import { EXIT_OK, EXIT_REJECTED, UsageError, printJson } from '../output.js';

interface CompatFlags {
  readonly guard?: boolean;
  readonly form?: string;
  readonly strategy?: string;
  readonly json?: boolean;
}

const FORMS: readonly string[] = ['tailzero', 'esize'];
const STRATEGIES: readonly string[] = ['jump-table', 'fixed-window'];

/** Adds the `compat` subcommand. */
export function register(cli: CAC): void {
  cli
    .command('compat <syscall>', `Fail-safe matrix of old/new filter x kernel x program (${Object.keys(SCENARIOS).join(', ')})`)
    .option('--guard', 'Add the automatic tail-zero guard (default)')
    .option('--no-guard', 'Leave the guard out, to see the cell it protects')
    .option('--form <form>', 'Guard form: tailzero (new instruction) or esize (ea_meta word + jgt)', {
      default: 'tailzero',
    })
    .option('--strategy <strategy>', 'Flattening strategy: jump-table or fixed-window', { default: 'jump-table' })
    .option('--json', 'Print the matrix as JSON')
    .action((syscall: string, flags: CompatFlags): number => {
      const scenario = SCENARIOS[syscall];
      if (scenario === undefined) {
        throw new UsageError(`compat knows ${Object.keys(SCENARIOS).join(', ')}, not ${syscall}`);
      }
      const form = String(flags.form ?? 'tailzero');
      if (!FORMS.includes(form)) throw new UsageError(`--form must be tailzero or esize, not ${form}`);
      const strategy = String(flags.strategy ?? 'jump-table');
      if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy must be jump-table or fixed-window`);
      const guard: GuardForm = flags.guard === false ? 'none' : (form as GuardForm);
      const matrix = compatMatrix(scenario, defaultEngine(), { guard, strategy: strategy as Strategy });
      if (flags.json === true) printJson(matrix);
      else process.stdout.write(formatMatrix(matrix));
      return matrix.allFailSafe ? EXIT_OK : EXIT_REJECTED;
    });
}
