/*
 * gen: writes the seccomp policies the benchmarks and tests run, compiled by libseccomp
 * (Debian's libseccomp-dev) and exported with seccomp_export_bpf, one raw sock_filter array per
 * file (host byte order). Usage: gen OUTDIR. Build: gcc -O2 gen.c -lseccomp.
 *
 *   allowlist.bpf       container-runtime-style allow-list (~300 calls), default ERRNO(EPERM)
 *   allowlist-tree.bpf  the same with SCMP_FLTATR_CTL_OPTIMIZE = 2 (binary tree)
 *   denylist.bpf        default ALLOW, dangerous calls get ERRNO(EPERM)
 *   args.bpf            allow-list plus 32- and 64-bit argument comparisons (EQ, GT, LE, LT, MASKED_EQ, NE)
 *   args-tree.bpf       the same with the binary tree
 *   multiarch.bpf       the allow-list for x86_64, i386 and x32 in one filter
 *
 * Names libseccomp does not know are skipped, so the policies depend only on its version.
 * Standard output: "libseccomp X.Y.Z", then "NAME RULES" per policy written.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Shaped after the default profiles of container runtimes: ordinary process, file, network,
 * memory, signal and time calls; no mount, module, kexec, ptrace, bpf, keyring or namespace calls. */
static const char *const ALLOW[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir", "chmod",
    "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
    "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
    "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
    "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64",
    "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl",
    "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat",
    "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
    "futex_time64", "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
    "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
    "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
    "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage", "getsid",
    "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32",
    "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl",
    "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
    "io_setup", "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32",
    "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek",
    "lsetxattr", "lstat", "lstat64", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore",
    "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
    "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
    "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
    "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat",
    "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
    "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read",
    "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64",
    "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
    "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
    "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
    "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
    "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
    "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid",
    "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
    "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
    "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socket", "socketcall", "socketpair", "splice", "stat", "stat64",
    "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo",
    "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
    "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
    "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes",
    "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write", "writev", "arch_prctl", "modify_ldt",
    "clone", "clone3", "chroot",
};

static const char *const DENY[] = {
    "ptrace", "mount", "umount2", "kexec_load", "kexec_file_load", "reboot", "init_module", "finit_module",
    "delete_module", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "unshare", "setns",
    "swapon", "swapoff", "pivot_root", "acct", "settimeofday", "clock_settime", "open_by_handle_at",
    "userfaultfd", "lookup_dcookie", "quotactl", "iopl", "ioperm", "syslog", "vhangup", "process_vm_readv",
    "process_vm_writev", "kcmp", "fsopen", "fsmount", "fsconfig", "move_mount", "open_tree", "mount_setattr",
    "nfsservctl", "uselib", "personality",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void fail(const char *what, int rc) {
    fprintf(stderr, "gen: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
    exit(1);
}

static scmp_filter_ctx make_ctx(uint32_t def, int optimize) {
    scmp_filter_ctx ctx = seccomp_init(def);
    if (ctx == NULL) fail("seccomp_init", ENOMEM);
    if (optimize) {
        int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)optimize);
        if (rc < 0) fail("SCMP_FLTATR_CTL_OPTIMIZE", rc);
    }
    return ctx;
}

/* Adds `action` for every name of `names` the native arch's table knows (other arches are
 * translated by libseccomp); names unknown to this libseccomp are skipped. */
static int add_names(scmp_filter_ctx ctx, uint32_t action, const char *const *names, size_t n) {
    int added = 0;
    for (size_t i = 0; i < n; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR) continue;
        int rc = seccomp_rule_add(ctx, action, nr, 0);
        if (rc == -EEXIST) continue;
        if (rc < 0) fail(names[i], rc);
        added++;
    }
    return added;
}

static void rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned int n, const struct scmp_arg_cmp *cmp) {
    int rc = seccomp_rule_add_array(ctx, action, seccomp_syscall_resolve_name(name), n, cmp);
    if (rc < 0) fail(name, rc);
}

/* The allow-list with argument checks on calls that container runtimes restrict by argument. */
static void add_arg_rules(scmp_filter_ctx ctx) {
    const uint32_t allow = SCMP_ACT_ALLOW;
    /* socket: only AF_UNIX, AF_INET, AF_INET6 (32-bit EQ on a0). */
    for (int af = 0; af < 3; af++) {
        struct scmp_arg_cmp c[] = {SCMP_A0(SCMP_CMP_EQ, (uint64_t[]){1, 2, 10}[af])};
        rule(ctx, allow, "socket", 1, c);
    }
    /* personality: the values runtimes allow; a 64-bit EQ, so a sign-extended -1 does not match. */
    const uint64_t persona[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
    for (size_t i = 0; i < COUNT(persona); i++) {
        struct scmp_arg_cmp c[] = {SCMP_A0(SCMP_CMP_EQ, persona[i])};
        rule(ctx, allow, "personality", 1, c);
    }
    /* clone: no namespace flags (MASKED_EQ on a0). */
    struct scmp_arg_cmp clone_ok[] = {SCMP_A0(SCMP_CMP_MASKED_EQ, 0x7e020000ULL, 0)};
    rule(ctx, allow, "clone", 1, clone_ok);
    /* mprotect / mmap: never writable and executable at once. */
    struct scmp_arg_cmp wx[] = {SCMP_A2(SCMP_CMP_MASKED_EQ, 0x6, 0x6)};
    struct scmp_arg_cmp not_w[] = {SCMP_A2(SCMP_CMP_MASKED_EQ, 0x2, 0x0)};
    struct scmp_arg_cmp not_x[] = {SCMP_A2(SCMP_CMP_MASKED_EQ, 0x4, 0x0)};
    rule(ctx, SCMP_ACT_ERRNO(EACCES), "mprotect", 1, wx);
    rule(ctx, allow, "mprotect", 1, not_w);
    rule(ctx, allow, "mprotect", 1, not_x);
    rule(ctx, SCMP_ACT_ERRNO(EACCES), "mmap", 1, wx);
    rule(ctx, allow, "mmap", 1, not_w);
    rule(ctx, allow, "mmap", 1, not_x);
    /* write: a 64-bit count above 4 GiB is refused (GT / LE across the word boundary). */
    struct scmp_arg_cmp big[] = {SCMP_A2(SCMP_CMP_GT, 0x100000000ULL)};
    struct scmp_arg_cmp small[] = {SCMP_A2(SCMP_CMP_LE, 0x100000000ULL)};
    rule(ctx, SCMP_ACT_ERRNO(E2BIG), "write", 1, big);
    rule(ctx, allow, "write", 1, small);
    /* pread64: offsets below 1 TiB only (64-bit LT); two conditions: fd < 1024 too. */
    struct scmp_arg_cmp pread[] = {SCMP_A3(SCMP_CMP_LT, 1ULL << 40), SCMP_A0(SCMP_CMP_LT, 1024)};
    rule(ctx, allow, "pread64", 2, pread);
    /* ioctl: anything but TIOCSTI (NE). */
    struct scmp_arg_cmp no_sti[] = {SCMP_A1(SCMP_CMP_NE, 0x5412)};
    rule(ctx, allow, "ioctl", 1, no_sti);
    /* prctl: PR_SET_NAME, PR_GET_NAME, PR_SET_NO_NEW_PRIVS. */
    const uint64_t pr[] = {15, 16, 38};
    for (size_t i = 0; i < COUNT(pr); i++) {
        struct scmp_arg_cmp c[] = {SCMP_A0(SCMP_CMP_EQ, pr[i])};
        rule(ctx, allow, "prctl", 1, c);
    }
}

/* Writes OUTDIR/NAME.bpf and prints "NAME RULES" (the number of unconditional rules added). */
static void export(scmp_filter_ctx ctx, const char *dir, const char *name, int rules) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.bpf", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(path, errno);
    int rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0) fail(path, rc);
    close(fd);
    seccomp_release(ctx);
    printf("%s %d\n", name, rules);
}

int main(int argc, char **argv) {
    const struct scmp_version *v = seccomp_version();
    if (argc != 2) {
        fprintf(stderr, "usage: gen OUTDIR\n");
        return 2;
    }
    const char *dir = argv[1];
    printf("libseccomp %u.%u.%u\n", v->major, v->minor, v->micro);
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);

    for (int tree = 0; tree < 2; tree++) {
        scmp_filter_ctx ctx = make_ctx(eperm, tree ? 2 : 0);
        int n = add_names(ctx, SCMP_ACT_ALLOW, ALLOW, COUNT(ALLOW));
        export(ctx, dir, tree ? "allowlist-tree" : "allowlist", n);
    }

    scmp_filter_ctx deny = make_ctx(SCMP_ACT_ALLOW, 0);
    int denied = add_names(deny, eperm, DENY, COUNT(DENY));
    export(deny, dir, "denylist", denied);

    /* Calls restricted by argument must not also get an unconditional rule. */
    const char *restricted = " socket personality clone mprotect mmap write pread64 ioctl prctl ";
    for (int tree = 0; tree < 2; tree++) {
        scmp_filter_ctx ctx = make_ctx(eperm, tree ? 2 : 0);
        int n = 0;
        for (size_t i = 0; i < COUNT(ALLOW); i++) {
            char key[64];
            snprintf(key, sizeof key, " %s ", ALLOW[i]);
            if (strstr(restricted, key) != NULL) continue;
            n += add_names(ctx, SCMP_ACT_ALLOW, &ALLOW[i], 1);
        }
        add_arg_rules(ctx);
        export(ctx, dir, tree ? "args-tree" : "args", n);
    }

    scmp_filter_ctx multi = make_ctx(eperm, 0);
    int rc = seccomp_arch_add(multi, SCMP_ARCH_X86);
    if (rc < 0) fail("seccomp_arch_add(x86)", rc);
    rc = seccomp_arch_add(multi, SCMP_ARCH_X32);
    if (rc < 0) fail("seccomp_arch_add(x32)", rc);
    int m = add_names(multi, SCMP_ACT_ALLOW, ALLOW, COUNT(ALLOW));
    export(multi, dir, "multiarch", m);
    return 0;
}
