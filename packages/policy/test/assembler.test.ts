import { describe, expect, it } from 'vitest';
import { AssembleError, Assembler, NEXT } from '../src/index.js';

describe('Assembler', () => {
  it('resolves forward labels into jt/jf and ja offsets', () => {
    const a = new Assembler();
    a.ldAbs(0).jmp('jeq', 5, 'yes', NEXT).ja('no').label('yes').ret(1).label('no').ret(0);
    const [ld, jeq, ja, r1, r0] = a.build();
    expect(ld).toMatchObject({ kind: 'ld_abs', k: 0 });
    expect(jeq).toMatchObject({ kind: 'jmp', op: 'jeq', k: 5, jt: 1, jf: 0 });
    expect(ja).toMatchObject({ kind: 'ja', k: 1 });
    expect(r1).toMatchObject({ kind: 'ret_k', k: 1 });
    expect(r0).toMatchObject({ kind: 'ret_k', k: 0 });
  });

  it('names undefined, duplicate, backward and out-of-reach labels', () => {
    expect(() => new Assembler().jmp('jeq', 0, 'nowhere', NEXT).build()).toThrow(/undefined label nowhere/);
    expect(() => new Assembler().label('a').label('a').ret(0).build()).toThrow(/defined twice/);
    expect(() => new Assembler().label('back').ret(0).ja('back').build()).toThrow(/behind/);
    const far = new Assembler().jmp('jeq', 0, 'end', NEXT);
    for (let i = 0; i < 256; i++) far.ret(0);
    far.label('end').ret(1);
    expect(() => far.build()).toThrow(AssembleError);
    expect(() => far.build()).toThrow(/256 instructions away/);
  });
});
