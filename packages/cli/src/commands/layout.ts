/**
 * `ea-bpf layout SYSCALL [--version N] [--strategy jump-table|fixed-window] [--svg] [--json]`: prints the
 * EA struct of a syscall the way pahole does, then the image an example call flattens to
 * (every input pointer pointing at a small pointee), as a table or an SVG picture.
 */
import {
  CATALOG,
  Flattener,
  LayoutError,
  type EaSyscall,
  type Strategy,
  demoCall,
  eaSyscall,
  mapImage,
  pahole,
  renderImageSvg,
  renderImageText,
  versionSize,
} from '@ea/layout';
import type { CAC } from 'cac';
import { printJson, UsageError } from '../output.js';

interface LayoutOptions {
  readonly version?: string | number | boolean;
  readonly strategy?: string;
  readonly svg?: boolean;
  readonly json?: boolean;
}

/** The strategies by their one name, plus the short names `layout` took before (kept as aliases). */
const STRATEGY_NAMES: Readonly<Record<string, Strategy>> = {
  'jump-table': 'jump-table',
  'fixed-window': 'fixed-window',
  jump: 'jump-table',
  window: 'fixed-window',
};

function strategyOption(value: unknown): Strategy {
  if (value === undefined) return 'jump-table';
  const strategy = Object.hasOwn(STRATEGY_NAMES, String(value)) ? STRATEGY_NAMES[String(value)] : undefined;
  if (strategy === undefined) throw new UsageError(`--strategy must be jump-table or fixed-window (got ${JSON.stringify(String(value))})`);
  return strategy;
}

/** Registers `layout` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('layout <syscall> [...rest]', `Print an EA struct (pahole style) and its flattened image map (${[...CATALOG.keys()].join(', ')})`)
    .option('--version [n]', 'struct version: an index (0 = VER0) or a name such as VER1 (default: newest)')
    .option('--strategy <s>', 'nested pointers: jump-table or fixed-window (jump and window also accepted)', { default: 'jump-table' })
    .option('--svg', 'print the image map as an SVG picture')
    .option('--json', 'print {struct, size, image: {length, copied, usize, esize, root, flags, regions}}')
    .action((syscall: string, rest: readonly string[], options: LayoutOptions) => {
      // cac's global -v/--version is a boolean flag, so `--version 1` may arrive as true + "1".
      let version: string | number | undefined;
      if (options.version === true) version = rest[0];
      else if (options.version !== undefined && options.version !== false) version = options.version;
      if ((options.version === true ? rest.length - 1 : rest.length) > 0) throw new UsageError(`unexpected argument ${rest.at(-1)}`);
      const strategy = strategyOption(options.strategy);
      let sys: EaSyscall;
      let usize: number;
      try {
        // a number picks the kernel's own entry for that syscall (not a hypothetical variant)
        const byNr = /^\d+$/.test(String(syscall))
          ? [...CATALOG.values()].find((e) => e.nr === Number(syscall) && e.hypothetical !== true)
          : undefined;
        sys = byNr ?? eaSyscall(String(syscall));
        const v = version === undefined ? undefined : /^\d+$/.test(String(version)) ? Number(version) : String(version);
        usize = versionSize(sys, v);
      } catch (e) {
        if (e instanceof LayoutError) throw new UsageError(e.message);
        throw e;
      }
      const demo = demoCall(sys, usize);
      const f = new Flattener(sys, strategy === 'fixed-window' ? demo.needs : { root: usize }, { strategy });
      f.flatten(demo.registers, demo.memory);
      if (options.json === true) {
        const map = mapImage(f);
        printJson({ struct: sys.struct.name, size: usize, image: { length: f.length, copied: f.copied, ...map } });
      } else if (options.svg === true) {
        process.stdout.write(`${renderImageSvg(f)}\n`);
      } else {
        const where =
          sys.size.kind === 'arg'
            ? `size in args[${sys.size.arg}]`
            : sys.size.kind === 'field'
              ? `size in the struct at offset ${sys.size.offset}`
              : `size in the ioctl number (args[${sys.size.arg}])`;
        process.stdout.write(
          `${sys.name} (nr ${sys.nr}${sys.hypothetical ? ', hypothetical' : ''}): pointer in args[${sys.ptrArg}], ${where}; ` +
            `versions ${sys.versions.map((v) => `${v.name} ${v.size}`).join(', ')}; kernel 6.18 copies ${sys.ksize}\n\n` +
            `${pahole(sys.struct, usize === sys.struct.size ? undefined : usize)}\n\n${renderImageText(f)}\n`,
        );
      }
      return 0;
    });
}
