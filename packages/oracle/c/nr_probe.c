/*
 * nr_probe: tells which syscall numbers the running kernel implements, so the kernel-release
 * model of @ea/seccomp (the constant-action cache's bitmap size) can be checked against it.
 *
 * argv: syscall numbers. For each, a forked child calls syscall(nr, 0, 0, 0, 0, 0, 0) under a
 * 5-second alarm and exits with the errno (0 on success); the child's effects die with it. A
 * number the kernel does not implement answers ENOSYS without running anything.
 * stdout, one line per number:  <nr> <errno>   (or <nr> signal <sig> if the child was killed)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    long nr = strtol(argv[i], NULL, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
      alarm(5);
      long ret = syscall(nr, 0L, 0L, 0L, 0L, 0L, 0L);
      _exit(ret < 0 ? (errno & 0xff) : 0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return 2;
    if (WIFEXITED(status)) printf("%ld %d\n", nr, WEXITSTATUS(status));
    else printf("%ld signal %d\n", nr, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
  }
  return 0;
}
