import { CATALOG } from '@ea/layout';
import { syscallNumber } from '@ea/seccomp';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';

describe('ea-bpf syscalls', () => {
  it('knows the calls after 6.1 (statmount, mseal) and agrees with layout', async () => {
    const r = await cli(['syscalls', 'x86_64', 'statmount']);
    expect([r.code, r.stdout]).toEqual([0, 'statmount 457\n']);
    expect((await cli(['syscalls', 'aarch64', '462'])).stdout).toBe('mseal 462\n');
    const layout = await cli(['layout', 'statmount']);
    expect(layout.stdout).toContain('statmount (nr 457)');
    // Every catalog entry named after a syscall has the same number in the x86_64 table (the
    // others are variants such as openat2_nested, over a syscall's number, or ioctl structs).
    const named = [...CATALOG.values()].filter((e) => syscallNumber('x86_64', e.name) !== undefined);
    for (const e of named) expect(syscallNumber('x86_64', e.name), e.name).toBe(e.nr);
    expect(named.map((e) => e.name)).toEqual(expect.arrayContaining(['statmount', 'listmount', 'setxattrat', 'file_setattr', 'open_tree_attr']));
  });
});
