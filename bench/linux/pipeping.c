/*
 * pipeping N: context switches through pipes, for the Linux guest's
 * benchmark (bench/bench.py, make bench).
 *
 * Two processes bounce one byte N times: the parent writes it into one pipe,
 * the child reads it and writes it back through the other.  On one hart each
 * round trip is two blocking reads, hence two context switches and four
 * system calls.  Prints "pipeping: N round trips" when done.
 *
 * Built static for the guest (riscv64-linux-gnu-gcc -static) and installed in
 * the initramfs as /bin/pipeping by the Makefile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	int ping[2], pong[2];
	char c = 'x';

	if (n < 1 || pipe(ping) || pipe(pong))
		die("pipeping: usage: pipeping N (N > 0)");

	pid_t pid = fork();
	if (pid < 0)
		die("pipeping: fork");
	if (pid == 0) {
		/* The child: echo every byte back until the parent closes its end. */
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1)
			if (write(pong[1], &c, 1) != 1)
				die("pipeping: child write");
		_exit(0);
	}

	close(ping[0]);
	close(pong[1]);
	for (long i = 0; i < n; i++) {
		if (write(ping[1], &c, 1) != 1)
			die("pipeping: write");
		if (read(pong[0], &c, 1) != 1)
			die("pipeping: read");
	}
	close(ping[1]);            /* the child's read returns 0: it exits */
	if (waitpid(pid, NULL, 0) != pid)
		die("pipeping: waitpid");
	printf("pipeping: %ld round trips\n", n);
	return 0;
}
