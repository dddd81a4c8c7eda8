/*
 * chain: stacks seccomp filters in a forked child and reports what the kernel did to one probe
 * syscall, so that @ea/seccomp's runChain can be compared with seccomp_run_filters.
 *
 * Input, one case per line on stdin:
 *     NR LISTENER COUNT SPEC...
 *   NR        the probe's syscall number (decimal or 0x hex)
 *   LISTENER  index of the filter installed with SECCOMP_FILTER_FLAG_NEW_LISTENER, or -1
 *   SPEC      k:RET               the filter returns RET for the probe
 *             n:A:RA:B:RB:RC      nr == A ? RA : nr >= B ? RB : RC   (unsigned compares)
 *             f:PATH              the program in PATH (raw sock_filter array, host order)
 * Filters are installed in the order given (the first is the oldest). Optional last tokens:
 *             trace               the parent traces the child with PTRACE_O_TRACESECCOMP and
 *                                 continues every PTRACE_EVENT_SECCOMP stop unchanged
 *             a:A0:A1:A2:A3:A4:A5 passes these six 64-bit arguments to the probe; such probes
 *                                 may name any syscall, so their unfiltered baseline is not
 *                                 measured (base is printed as 0) and the caller must stack an
 *                                 ERRNO filter under the tested one so that nothing ever runs.
 *
 * Output, one line per case:
 *     signal S                          the child died by signal S (SIGSYS: kill_process)
 *     base B ret R trap T code C data D killed K traced E msg M
 *   B  the probe's return value before any filter was installed (what "allowed" looks like)
 *   R  the raw return value (negative errno) of the probe under the filters
 *   T  1 when SIGSYS was delivered to a handler (TRAP), with si_code C and si_errno D
 *   K  1 when the probing thread died while the process survived (kill_thread)
 *   E  1 when the tracer saw a PTRACE_EVENT_SECCOMP stop, M its PTRACE_GETEVENTMSG
 * A USER_NOTIF that reaches the listener is answered with the value 0x5eed.
 *
 * Safety: every filter starts with a gate that allows any syscall not issued from the single
 * `syscall` instruction in ea_probe (seccomp_data.instruction_pointer is the address after it),
 * so the child's own libc, thread and listener calls always run. The test only probes calls that
 * are harmless when they do run: getpid, getppid, gettid, numbers no kernel defines (1000+) and
 * x86_64's uprobe (336, which fails with ENXIO outside a uprobe trampoline). uretprobe (335) is
 * not probed: outside a trampoline the kernel answers it with SIGILL. Probes with arguments are
 * always stacked under an older filter returning ERRNO for the probe (docs/kernel-facts.md, observed 15):
 * the kernel applies the stricter of the two, so an ALLOW shows up as that ERRNO and the call
 * never runs (callers must not use the bypassing numbers 335/336 there).
 * The child is made non-dumpable so the kill actions leave no core files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __x86_64__
#error "chain.c issues its probe from x86_64 assembly"
#endif

/* long ea_probe(nr, a0..a5): one syscall instruction at a known address. */
__asm__(".text\n"
        ".globl ea_probe\n"
        ".type ea_probe, @function\n"
        "ea_probe:\n"
        "  mov %rdi, %rax\n"
        "  mov %rsi, %rdi\n"
        "  mov %rdx, %rsi\n"
        "  mov %rcx, %rdx\n"
        "  mov %r8, %r10\n"
        "  mov %r9, %r8\n"
        "  mov 8(%rsp), %r9\n"
        "  syscall\n"
        ".globl ea_probe_ip\n"
        "ea_probe_ip:\n"
        "  ret\n");
long ea_probe(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
extern char ea_probe_ip[];

#define MAX_FILTERS 16
#define NOTIF_VALUE 0x5eed

#define MAX_PROG 4096
#define GATE_LONG 6

struct spec {
    int kind; /* 'k', 'n' or 'f' */
    uint32_t k, a, ra, b, rb, rc;
    struct sock_filter prog[MAX_PROG - GATE_LONG - 1];
    unsigned short len;
};

static struct spec specs[MAX_FILTERS];
static int nspecs;
static long probe_nr;
static uint64_t probe_args[6];
static int have_args;
static int trace_mode;
static volatile long probe_ret;
static volatile int probe_done;
static volatile int trapped, trap_code, trap_data;
static int listen_fd = -1;

static void on_sigsys(int sig, siginfo_t *info, void *uctx) {
    (void)sig;
    (void)uctx;
    trapped = 1;
    trap_code = info->si_code;
    trap_data = info->si_errno;
}

static void *probe_thread(void *arg) {
    (void)arg;
    probe_ret = ea_probe(probe_nr, probe_args[0], probe_args[1], probe_args[2], probe_args[3], probe_args[4], probe_args[5]);
    probe_done = 1;
    return NULL;
}

static void *listener_thread(void *arg) {
    (void)arg;
    for (;;) {
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        memset(&req, 0, sizeof req);
        if (ioctl(listen_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
            if (errno == EINTR) continue;
            return NULL;
        }
        memset(&resp, 0, sizeof resp);
        resp.id = req.id;
        resp.val = NOTIF_VALUE;
        ioctl(listen_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}

static int load(struct sock_filter *prog, int n, unsigned int flags) {
    struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
}

/* A whole program behind a gate made of JA (its length may exceed a conditional jump's 255). */
static int install_file(const struct spec *s, unsigned int flags) {
    static struct sock_filter prog[MAX_PROG];
    uint64_t ip = (uint64_t)(uintptr_t)ea_probe_ip;
    int n = 0;
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 1, 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, s->len + 3u);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4);
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 1, 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, s->len);
    memcpy(prog + n, s->prog, s->len * sizeof prog[0]);
    n += s->len;
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    return load(prog, n, flags);
}

/* Gate (4) + body + "ret ALLOW" for calls from anywhere else. */
static int install(const struct spec *s, unsigned int flags) {
    if (s->kind == 'f') return install_file(s, flags);
    struct sock_filter prog[16];
    uint64_t ip = (uint64_t)(uintptr_t)ea_probe_ip;
    int body = s->kind == 'n' ? 6 : 1, n = 0;
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 0, body + 2);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4);
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 0, body);
    if (s->kind == 'n') {
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, s->a, 0, 1);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, s->ra);
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, s->b, 0, 1);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, s->rb);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, s->rc);
    } else {
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, s->k);
    }
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    return load(prog, n, flags);
}

static void child(int out, int listener) {
    if (trace_mode) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) _exit(15);
        raise(SIGSTOP); /* the parent sets its options, then continues us */
    }
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(10);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) != 0) _exit(11);
    long base = have_args ? 0 : ea_probe(probe_nr, 0, 0, 0, 0, 0, 0);
    for (int i = 0; i < nspecs; i++) {
        int r = install(&specs[i], i == listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
        if (r < 0) _exit(12);
        if (i == listener) listen_fd = r;
    }
    pthread_t lt, pt;
    if (listener >= 0 && pthread_create(&lt, NULL, listener_thread, NULL) != 0) _exit(13);
    if (pthread_create(&pt, NULL, probe_thread, NULL) != 0) _exit(14);
    pthread_join(pt, NULL);
    dprintf(out, "base %ld ret %ld trap %d code %d data %d killed %d", base, probe_ret, trapped, trap_code, trap_data,
            probe_done ? 0 : 1);
    _exit(0);
}

/*
 * Traces the child and its threads until the child (thread-group leader) is gone; returns its
 * wait status. Signals are passed on (SIGSYS reaches the TRAP handler or kills), the initial
 * SIGSTOPs of the child and of new threads are swallowed.
 */
static int trace_child(pid_t pid, int *traced, unsigned long *msg) {
    int st;
    if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st)) return -1;
    long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) != 0) return -1;
    ptrace(PTRACE_CONT, pid, NULL, NULL);
    for (;;) {
        pid_t w = waitpid(-1, &st, __WALL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (WIFEXITED(st) || WIFSIGNALED(st)) {
            if (w == pid) return st;
            continue;
        }
        if (!WIFSTOPPED(st)) continue;
        int event = (unsigned int)st >> 16, sig = WSTOPSIG(st);
        if (event == PTRACE_EVENT_SECCOMP) {
            *traced = 1;
            ptrace(PTRACE_GETEVENTMSG, w, NULL, msg);
            ptrace(PTRACE_CONT, w, NULL, NULL);
        } else if (event != 0 || sig == SIGSTOP) {
            ptrace(PTRACE_CONT, w, NULL, NULL);
        } else {
            ptrace(PTRACE_CONT, w, NULL, (void *)(long)sig);
        }
    }
}

static int parse_args(const char *tok) {
    const char *p = tok + 2;
    char *end;
    if (tok[0] != 'a' || tok[1] != ':') return -1;
    for (int i = 0; i < 6; i++) {
        errno = 0;
        probe_args[i] = strtoull(p, &end, 0);
        if (end == p || errno != 0 || (*end != (i == 5 ? '\0' : ':'))) return -1;
        p = end + 1;
    }
    return 0;
}

static int parse_spec(const char *tok, struct spec *s) {
    unsigned long v[5];
    char *end;
    s->kind = tok[0];
    s->len = 0;
    if (tok[0] == 'f' && tok[1] == ':') {
        FILE *f = fopen(tok + 2, "rb");
        if (f == NULL) return -1;
        size_t got = fread(s->prog, sizeof s->prog[0], sizeof s->prog / sizeof s->prog[0], f);
        int extra = fgetc(f);
        fclose(f);
        if (got == 0 || extra != EOF) return -1;
        s->len = (unsigned short)got;
        return 0;
    }
    if (tok[0] == 'k' && tok[1] == ':') {
        v[0] = strtoul(tok + 2, &end, 0);
        if (*end != '\0' || v[0] > 0xffffffffUL) return -1;
        s->k = (uint32_t)v[0];
        return 0;
    }
    if (tok[0] != 'n' || tok[1] != ':') return -1;
    const char *p = tok + 2;
    for (int i = 0; i < 5; i++) {
        v[i] = strtoul(p, &end, 0);
        if (end == p || v[i] > 0xffffffffUL || (*end != (i == 4 ? '\0' : ':'))) return -1;
        p = end + 1;
    }
    s->a = (uint32_t)v[0];
    s->ra = (uint32_t)v[1];
    s->b = (uint32_t)v[2];
    s->rb = (uint32_t)v[3];
    s->rc = (uint32_t)v[4];
    return 0;
}

int main(void) {
    char line[4096];
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof line, stdin)) {
        char *save = NULL, *tok;
        long listener, count;
        tok = strtok_r(line, " \t\n", &save);
        if (tok == NULL) continue;
        probe_nr = (long)(uint32_t)strtoul(tok, NULL, 0);
        tok = strtok_r(NULL, " \t\n", &save);
        listener = tok ? strtol(tok, NULL, 0) : -2;
        tok = strtok_r(NULL, " \t\n", &save);
        count = tok ? strtol(tok, NULL, 0) : -1;
        if (listener < -1 || count < 1 || count > MAX_FILTERS || listener >= count) {
            printf("error bad case header\n");
            continue;
        }
        nspecs = (int)count;
        int ok = 1;
        for (int i = 0; i < nspecs; i++) {
            tok = strtok_r(NULL, " \t\n", &save);
            if (tok == NULL || parse_spec(tok, &specs[i]) != 0) ok = 0;
        }
        memset(probe_args, 0, sizeof probe_args);
        have_args = 0;
        trace_mode = 0;
        while ((tok = strtok_r(NULL, " \t\n", &save)) != NULL) {
            if (strcmp(tok, "trace") == 0) {
                trace_mode = 1;
            } else {
                if (parse_args(tok) != 0) ok = 0;
                have_args = 1;
            }
        }
        if (!ok) {
            printf("error bad filter spec\n");
            continue;
        }
        int fds[2];
        if (pipe(fds) != 0) return 1;
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            close(fds[0]);
            child(fds[1], (int)listener);
        }
        close(fds[1]);
        int status, traced = 0;
        unsigned long msg = 0;
        /* Traced: wait first (the child's one short line fits the pipe); else read to EOF first. */
        if (trace_mode && (status = trace_child(pid, &traced, &msg)) == -1) return 1;
        char buf[256];
        size_t got = 0;
        ssize_t r;
        while (got < sizeof buf - 1 && (r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)r;
        buf[got] = '\0';
        close(fds[0]);
        if (!trace_mode && waitpid(pid, &status, 0) != pid) return 1;
        if (WIFSIGNALED(status))
            printf("signal %d\n", WTERMSIG(status));
        else if (WEXITSTATUS(status) != 0)
            printf("error child exit %d\n", WEXITSTATUS(status));
        else
            printf("%s traced %d msg %lu\n", buf, traced, msg);
    }
    return 0;
}
