// The consumer browser entry: esbuild bundles it from the installed packages (no workspace
// sources), and headless Chromium runs it. The page reads `globalThis.eaResult`.
import { assemble } from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { verify } from '@ea/verifier';

try {
  const program = verify(assemble('ld [0]\njeq #39, ok\nret #0x50001\nok: ret #0x7fff0000'), { profile: 'seccomp' });
  const filter = compile(program);
  const interpreter = prepare(program);
  const data = new DataView(new ArrayBuffer(64));
  const answers = [];
  for (const nr of [39, 40]) {
    data.setUint32(0, nr, true);
    answers.push([filter.run(data), interpreter.runSeccomp(data)]);
  }
  globalThis.eaResult = { accelerated: filter.accelerated, answers };
} catch (error) {
  globalThis.eaResult = { error: String(error) };
}
