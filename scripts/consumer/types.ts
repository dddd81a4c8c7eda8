// The consumer type test: tsc checks this file against the installed packages' .d.ts, under
// moduleResolution node16 and bundler, with skipLibCheck off and no @types/node.
import { assemble, type Insn } from '@ea/bpf';
import { type Compiled, compile } from '@ea/jit';
import { type SeccompAction, decodeAction } from '@ea/seccomp';
import { type VerifiedProgram, VerifyError, verify } from '@ea/verifier';

const insns: readonly Insn[] = assemble('ld [0]\njeq #39, ok\nret #0\nok: ret #0x7fff0000');
let program: VerifiedProgram;
try {
  program = verify(insns, { profile: 'seccomp' });
} catch (error) {
  if (error instanceof VerifyError) throw new Error(`${error.reason} at ${error.pc}`);
  throw error;
}
const filter: Compiled = compile(program);
const action: SeccompAction = decodeAction(filter.run(new DataView(new ArrayBuffer(64))));
export const answer: string = action.action;
