"""Builds libseccomp's filter for rules given as JSON on stdin and prints JSON: the BPF as hex,
the names libseccomp refused, and the numbers libseccomp resolves each name to per arch.
The libseccomp oracle of @ea/profile's tests and the profile benchmark (@ea/testkit
libseccompProfileFilter); needs python3-seccomp."""
import json
import sys

import seccomp

ARCHES = {
    "x86_64": seccomp.Arch.X86_64, "i386": seccomp.Arch.X86, "x32": seccomp.Arch.X32,
    "aarch64": seccomp.Arch.AARCH64, "arm": seccomp.Arch.ARM, "riscv64": seccomp.Arch.RISCV64,
    "s390x": seccomp.Arch.S390X, "ppc64le": seccomp.Arch.PPC64LE, "ppc64": seccomp.Arch.PPC64,
}
OPS = {
    "SCMP_CMP_NE": seccomp.NE, "SCMP_CMP_LT": seccomp.LT, "SCMP_CMP_LE": seccomp.LE,
    "SCMP_CMP_EQ": seccomp.EQ, "SCMP_CMP_GE": seccomp.GE, "SCMP_CMP_GT": seccomp.GT,
    "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ,
}


def action(ret):
    # The binding takes a C int: KILL_PROCESS (0x80000000) needs its own constant.
    return seccomp.KILL_PROCESS if ret == 0x80000000 else ret


def main():
    spec = json.load(sys.stdin)
    f = seccomp.SyscallFilter(action(spec["default"]))
    f.remove_arch(seccomp.Arch.NATIVE)
    for a in spec["arches"]:
        f.add_arch(ARCHES[a])
    f.set_attr(seccomp.Attr.ACT_BADARCH, action(spec["badarch"]))
    refused = []
    for rule in spec["rules"]:
        args = [seccomp.Arg(i, OPS[op], int(v), int(v2)) for i, op, v, v2 in rule["args"]]
        try:
            f.add_rule(action(rule["ret"]), rule["name"], *args)
        except Exception:  # unknown to this libseccomp: runc skips such names
            if rule["name"] not in refused:
                refused.append(rule["name"])
    numbers = {}
    for a in spec["arches"]:
        numbers[a] = {}
        for name in spec["names"]:
            try:
                numbers[a][name] = seccomp.resolve_syscall(ARCHES[a], name)
            except Exception:
                numbers[a][name] = None
    with _Tmp() as out:
        f.export_bpf(out.file)
        data = out.read()
    json.dump({"bpf": data.hex(), "refused": refused, "numbers": numbers}, sys.stdout)


class _Tmp:
    """A temporary file export_bpf can write to (it needs a real file descriptor)."""

    def __enter__(self):
        import tempfile
        self.file = tempfile.TemporaryFile()
        return self

    def read(self):
        self.file.flush()
        self.file.seek(0)
        return self.file.read()

    def __exit__(self, *exc):
        self.file.close()


main()
