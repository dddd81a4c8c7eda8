/** Reading profiles: every problem is a ProfileError naming its JSON path (or line and column). */
import { type ProfileError, parseJson, readProfile, ERRNO_NAMES } from '@ea/profile';
import { describe, expect, it } from 'vitest';

function failure(text: string): ProfileError {
  try {
    readProfile(text);
  } catch (e) {
    expect((e as Error).name).toBe('ProfileError');
    return e as ProfileError;
  }
  throw new Error('expected a ProfileError');
}

const rule = (r: object): string => JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, r] });

describe('readProfile', () => {
  it('reports malformed JSON with line and column', () => {
    const e = failure('{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [\n    {"names": ["read"] "action": 1}\n  ]\n}');
    expect(e.code).toBe('JSON_SYNTAX');
    expect(e.position).toEqual({ line: 4, column: 24 });
    expect(failure('').code).toBe('JSON_SYNTAX');
    expect(failure('{"defaultAction": "SCMP_ACT_ALLOW"} x').position).toEqual({ line: 1, column: 37 });
    expect(failure('"unterminated').code).toBe('JSON_SYNTAX');
    expect(failure(`${'['.repeat(100000)}`).code).toBe('TOO_DEEP');
  });

  it('names the path of unknown actions, operators, architectures, capabilities and fields', () => {
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ALOW' }))).toMatchObject({ code: 'UNKNOWN_ACTION', path: 'syscalls[1].action' });
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQUAL' }] }))).toMatchObject({
      code: 'UNKNOWN_OPERATOR',
      path: 'syscalls[1].args[0].op',
    });
    expect(failure(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_Z80'] }))).toMatchObject({
      code: 'UNKNOWN_ARCH',
      path: 'architectures[1]',
    });
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd46'] } }))).toMatchObject({
      code: 'UNKNOWN_ARCH',
      path: 'syscalls[1].includes.arches[0]',
    });
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMN'] } }))).toMatchObject({
      code: 'UNKNOWN_CAPABILITY',
      path: 'syscalls[1].excludes.caps[0]',
    });
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ALLOW', arg: [] }))).toMatchObject({ code: 'UNKNOWN_FIELD', path: 'syscalls[1].arg' });
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ALLOW', errno: 'ENOPE' }))).toMatchObject({ code: 'UNKNOWN_ERRNO', path: 'syscalls[1].errno' });
    expect(failure(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FAST'] }))).toMatchObject({ code: 'UNKNOWN_FLAG', path: 'flags[0]' });
  });

  it('refuses argument indexes past 5 and values that are not u64', () => {
    const arg = (a: string): string =>
      `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[${a}]}]}`;
    expect(failure(arg('{"index":6,"value":1,"op":"SCMP_CMP_EQ"}'))).toMatchObject({ code: 'BAD_ARG_INDEX', path: 'syscalls[0].args[0].index' });
    expect(failure(arg('{"index":99999999999999999999999,"value":1,"op":"SCMP_CMP_EQ"}')).code).toBe('BAD_ARG_INDEX');
    expect(failure(arg('{"value":1,"op":"SCMP_CMP_EQ"}'))).toMatchObject({ code: 'MISSING_FIELD', path: 'syscalls[0].args[0].index' });
    for (const bad of ['-1', '1.5', '1e3', '18446744073709551616', '"7"']) {
      const e = failure(arg(`{"index":0,"value":${bad},"op":"SCMP_CMP_EQ"}`));
      expect(e.path).toBe('syscalls[0].args[0].value');
      expect(['BAD_VALUE', 'BAD_TYPE']).toContain(e.code);
    }
    expect(failure(arg('{"index":0,"value":4,"valueTwo":1,"op":"SCMP_CMP_EQ"}'))).toMatchObject({
      code: 'VALUE_TWO_WITHOUT_MASKED_EQ',
      path: 'syscalls[0].args[0].valueTwo',
    });
  });

  it('reads u64 values exactly, past 2^53', () => {
    const doc = readProfile(
      '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[' +
        '{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"},{"index":1,"value":9007199254740993,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"}]}]}',
    );
    expect(doc.syscalls[0]!.args[0]!.value).toBe(18446744073709551615n);
    expect(doc.syscalls[0]!.args[1]!.value).toBe(9007199254740993n);
    expect(doc.syscalls[0]!.args[1]!.valueTwo).toBe(9007199254740993n);
  });

  it('refuses empty names, both name and names, both architectures and archMap, a missing default', () => {
    expect(failure(rule({ names: [], action: 'SCMP_ACT_ALLOW' }))).toMatchObject({ code: 'EMPTY_NAMES', path: 'syscalls[1].names' });
    expect(failure(rule({ action: 'SCMP_ACT_ALLOW' }))).toMatchObject({ code: 'EMPTY_NAMES', path: 'syscalls[1].names' });
    expect(failure(rule({ names: [''], action: 'SCMP_ACT_ALLOW' }))).toMatchObject({ code: 'BAD_NAME', path: 'syscalls[1].names[0]' });
    expect(failure(rule({ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }))).toMatchObject({ code: 'NAME_AND_NAMES', path: 'syscalls[1]' });
    expect(
      failure(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] }] }))
        .code,
    ).toBe('ARCHES_AND_ARCHMAP');
    expect(failure('{"syscalls":[]}').code).toBe('NO_FILTER');
    expect(failure('[]').code).toBe('BAD_TYPE');
    expect(failure('{"defaultAction":"SCMP_ACT_ALLOW","defaultAction":"SCMP_ACT_KILL"}').code).toBe('DUPLICATE_KEY');
  });

  it('checks errno values: 16 bits, only with ERRNO and TRACE, names as Podman spells them', () => {
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 65536 }))).toMatchObject({ code: 'BAD_VALUE', path: 'syscalls[1].errnoRet' });
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }))).toMatchObject({ code: 'BAD_ERRNO', path: 'syscalls[1].errnoRet' });
    expect(failure(rule({ names: ['write'], action: 'SCMP_ACT_ERRNO', errno: '70000' }))).toMatchObject({ code: 'BAD_ERRNO', path: 'syscalls[1].errno' });
    const doc = readProfile(rule({ names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, errno: 'EACCES' }));
    expect(doc.syscalls[1]!.errnoRet).toBe(13);
    expect(doc.format).toBe('podman');
    expect(ERRNO_NAMES.get('ENOSYS')).toBe(38);
    expect(ERRNO_NAMES.get('EHWPOISON')).toBe(133);
    expect(ERRNO_NAMES.get('EBFONT')).toBe(59);
  });

  it('recognizes the format by the fields used', () => {
    expect(readProfile('{"defaultAction":"SCMP_ACT_ALLOW"}').format).toBe('oci');
    expect(readProfile('{"defaultAction":"SCMP_ACT_ALLOW","archMap":[]}').format).toBe('docker');
    expect(readProfile('{"defaultAction":"SCMP_ACT_ERRNO","defaultErrno":"ENOSYS"}')).toMatchObject({ format: 'podman', defaultErrnoRet: 38 });
  });

  it('never throws anything but ProfileError on mangled input', () => {
    const base = rule({ names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 5, op: 'SCMP_CMP_GT' }] });
    let seed = 7;
    for (let n = 0; n < 2000; n++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const at = seed % base.length;
      const chars = '{}[]",:0-9eE.\\ntrufalsx';
      const text = base.slice(0, at) + chars[seed % chars.length] + base.slice(at + ((seed >> 8) % 3));
      try {
        readProfile(text);
      } catch (e) {
        expect((e as Error).name).toBe('ProfileError');
      }
    }
    expect(parseJson('{"a":[1,2,{"b":null}]}').kind).toBe('object');
  });
});

describe('EA conditions', () => {
  it('are read with their paths, compiled into an ea filter (ea.test.ts), and never dropped', async () => {
    const { compileProfile } = await import('@ea/profile');
    const text = JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [{ path: 'flags', op: 'SCMP_CMP_MASKED_EQ', value: 2114060288, valueTwo: 0 }] },
      ],
    });
    expect(readProfile(text).syscalls[1]!.ea[0]).toMatchObject({ field: 'flags', value: 2114060288n, path: 'syscalls[1].ea[0]' });
    expect(compileProfile(text, { arch: 'x86_64' }).profile).toBe('ea');
    // On a syscall without a struct they are refused, naming the rule's name, not dropped.
    expect(() => compileProfile(text.replace('"clone3"', '"openat"'), { arch: 'x86_64' })).toThrow(/syscalls\[1\]\.names\[0\]/);
  });
});
