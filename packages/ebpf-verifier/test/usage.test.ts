/**
 * A caller's mistake in the verifier's options is a typed error naming the option, never a
 * verdict: an unknown program type used to fall back to the default and accept the program.
 */
import { assemble, decodeBytes, encode } from '@ea/ebpf';
import { checkEbpf, EbpfVerifierUsageError, verifyEbpf } from '@ea/ebpf-verifier';
import { describe, expect, it } from 'vitest';

const program = encode(assemble('mov %r0, 1\nexit'));

describe('verifier options', () => {
  it.each([
    ['progType', { progType: 'nope' }],
    ['progType', { progType: 'XDP' }],
    ['maps', { maps: {} }],
    ['memSize', { memSize: -1 }],
    ['memSize', { memSize: 1.5 }],
    ['privileged', { privileged: 'no' }],
    ['license', { license: 7 }],
    ['budget', { budget: 0 }],
    ['helpers', { helpers: [] }],
  ])('refuses a bad %s with a typed error, from checkEbpf too', (field, options) => {
    for (const run of [() => checkEbpf(program, options as never), () => verifyEbpf(decodeBytes(program), options as never)]) {
      expect(run).toThrow(
        expect.objectContaining({ name: 'EbpfVerifierUsageError', field: `options.${field}` }),
      );
    }
  });

  it('refuses options that are not an object', () => {
    expect(() => checkEbpf(program, null as never)).toThrow(EbpfVerifierUsageError);
  });

  it('still verifies with every valid program type', () => {
    for (const progType of ['xdp', 'socket_filter', 'tc', 'raw'] as const) expect(checkEbpf(program, { progType }).accepted).toBe(true);
  });
});
