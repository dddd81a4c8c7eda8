/** compile(): the generated code parses, reads as documented, and falls back when told to. */
import { assemble, encode, load } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';

const program = load(encode(assemble('ldxh %r0, [%r1+12]\nbe16 %r0\njne %r0, 0x800, +1\nmov %r0, 1\nexit')));

describe('compile', () => {
  it('generates code that acorn parses, with a comment per instruction', () => {
    const { source, accelerated } = compile(program);
    expect(accelerated).toBe(true);
    expect(() => parse(`(function(){${source}})`, { ecmaVersion: 2022 })).not.toThrow();
    expect(source).toContain('// 0: ldxh %r0, [%r1+12]');
    expect(source).toContain('break L4');
  });

  it('runs like the interpreter, and falls back on request', () => {
    const packet = new Uint8Array(64);
    packet[12] = 0x08;
    expect(compile(program).run(packet)).toBe(1n);
    const slow = compile(program, { accelerate: false });
    expect(slow).toMatchObject({ accelerated: false, source: '' });
    expect(slow.run(packet)).toBe(1n);
  });

  it('refuses a non-Uint8Array input with a typed error', () => {
    expect(() => compile(program).run('x' as unknown as Uint8Array)).toThrow(expect.objectContaining({ reason: 'bad_input' }));
  });
});
