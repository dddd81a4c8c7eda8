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
 * Filters are installed in the order given (the first is the oldest).
 *
 * Output, one line per case:
 *     signal S                          the child died by signal S (SIGSYS: kill_process)
 *     base B ret R trap T code C data D killed K
 *   B  the probe's return value before any filter was installed (what "allowed" looks like)
 *   R  the raw return value (negative errno) of the probe under the filters
 *   T  1 when SIGSYS was delivered to a handler (TRAP), with si_code C and si_errno D
 *   K  1 when the probing thread died while the process survived (kill_thread)
 * A USER_NOTIF that reaches the listener is answered with the value 0x5eed.
 *
 * Safety: every filter starts with a gate that allows any syscall not issued from the single
 * `syscall` instruction in ea_probe (seccomp_data.instruction_pointer is the address after it),
 * so the child's own libc, thread and listener calls always run. The test only probes calls that
 * are harmless when they do run: getpid, getppid, gettid, numbers no kernel defines (1000+) and
 * x86_64's uprobe (336, which fails with ENXIO outside a uprobe trampoline). uretprobe (335) is
 * not probed: outside a trampoline the kernel answers it with SIGILL.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __x86_64__
#error "chain.c issues its probe from x86_64 assembly"
#endif

/* long ea_probe(long nr): one syscall instruction at a known address, no arguments. */
__asm__(".text\n"
        ".globl ea_probe\n"
        ".type ea_probe, @function\n"
        "ea_probe:\n"
        "  mov %rdi, %rax\n"
        "  syscall\n"
        ".globl ea_probe_ip\n"
        "ea_probe_ip:\n"
        "  ret\n");
long ea_probe(long nr);
extern char ea_probe_ip[];

#define MAX_FILTERS 16
#define NOTIF_VALUE 0x5eed

struct spec {
    int nr_dependent;
    uint32_t k, a, ra, b, rb, rc;
};

static struct spec specs[MAX_FILTERS];
static int nspecs;
static long probe_nr;
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
    probe_ret = ea_probe(probe_nr);
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

/* Gate (4) + body + "ret ALLOW" for calls from anywhere else. */
static int install(const struct spec *s, unsigned int flags) {
    struct sock_filter prog[16];
    uint64_t ip = (uint64_t)(uintptr_t)ea_probe_ip;
    int body = s->nr_dependent ? 6 : 1, n = 0;
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 0, body + 2);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4);
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 0, body);
    if (s->nr_dependent) {
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
    struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
}

static void child(int out, int listener) {
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(10);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) != 0) _exit(11);
    long base = ea_probe(probe_nr);
    for (int i = 0; i < nspecs; i++) {
        int r = install(&specs[i], i == listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
        if (r < 0) _exit(12);
        if (i == listener) listen_fd = r;
    }
    pthread_t lt, pt;
    if (listener >= 0 && pthread_create(&lt, NULL, listener_thread, NULL) != 0) _exit(13);
    if (pthread_create(&pt, NULL, probe_thread, NULL) != 0) _exit(14);
    pthread_join(pt, NULL);
    dprintf(out, "base %ld ret %ld trap %d code %d data %d killed %d\n", base, probe_ret, trapped, trap_code, trap_data,
            probe_done ? 0 : 1);
    _exit(0);
}

static int parse_spec(const char *tok, struct spec *s) {
    unsigned long v[5];
    char *end;
    memset(s, 0, sizeof *s);
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
    s->nr_dependent = 1;
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
        char buf[256];
        size_t got = 0;
        ssize_t r;
        while (got < sizeof buf - 1 && (r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)r;
        buf[got] = '\0';
        close(fds[0]);
        int status;
        if (waitpid(pid, &status, 0) != pid) return 1;
        if (WIFSIGNALED(status))
            printf("signal %d\n", WTERMSIG(status));
        else if (WEXITSTATUS(status) != 0)
            printf("error child exit %d\n", WEXITSTATUS(status));
        else
            fputs(buf, stdout);
    }
    return 0;
}
