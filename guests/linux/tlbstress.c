/*
 * tlbstress: a TLB-shootdown stress test for the SMP Linux guest.
 *
 *     tlbstress [-s SECONDS] [-i ITERATIONS] [-p PAGES] [-t THREADS] [-w SECONDS]
 *               [-z USECONDS] [-v] [-x 1|2]
 *
 * One writer thread and one reader thread per other online CPU (each pinned
 * to its own CPU) share a region of PAGES anonymous pages.  The writer
 * changes the region's mappings over and over: mprotect read-only, then
 * PROT_NONE, then read-write again (each on a random run of pages),
 * MADV_DONTNEED (the pages must then read as zero), munmap (the pages must
 * then fault) and mmap MAP_FIXED at the same address with a new pattern, and
 * fork (the child's copy must not see what the parent's threads write after
 * fork returned, nor the parent the child's writes).  Meanwhile the readers
 * sweep the region without pause: on every page they load a word and store
 * to the page's last word (its scratch word).
 *
 * What each page must do is published under a sequence count (a seqlock):
 * odd while the writer is changing something, even once the change has
 * returned from the kernel.  A reader's sweep counts only if the count was
 * the same even value before and after it; then every access must have done
 * exactly what the published state says: a word of the right generation's
 * pattern (or zero), a store that succeeds, or a SIGSEGV with the right
 * si_code.  A CPU that kept a stale TLB entry after the kernel's shootdown
 * (an SBI remote fence that a hypervisor did not carry out, a shadow page
 * table not emptied on another vCPU) reads freed memory or an old pattern,
 * or writes through a read-only or unmapped page: the sweep fails.  While the
 * count is odd the readers still load from every page (without checking):
 * those loads refill TLB entries in the middle of the writer's changes.
 *
 * The writer waits, after each change, for every reader to finish two more
 * sweeps, so each state is seen by every CPU (and cached in its TLB) before
 * the next change.  A reader that makes no progress for -w seconds (default
 * 60) fails the test.
 *
 * Prints "tlbstress: OK <n> iterations ..." and exits 0, or prints
 * "tlbstress: FAIL <what>" and exits 1.  One iteration is seven changes and
 * a fork.  Runs for SECONDS (default 5) or ITERATIONS, whichever ends first.
 * -p: the region's size in pages (16); -t: threads in all (one per online
 * CPU); -z: readers sleep this long after each sweep (0: they spin); -v:
 * the time each kind of change took; -x: a self-test of the checks, which
 * must FAIL: the writer publishes each mprotect (-x 1) or each new pattern
 * (-x 2) before making it, as a hart whose TLB shootdown came late sees it.
 *
 * Built static with riscv64-linux-gnu-gcc -pthread and installed in the
 * initramfs as /bin/tlbstress by the Makefile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_PAGES   64
#define MAX_THREADS 64

/* What a page is, as published by the writer. */
enum prot { P_RW, P_RO, P_NONE, P_UNMAPPED };
static const char *const prot_name[] = { "read-write", "read-only", "PROT_NONE", "unmapped" };

static uint8_t *region;
static long npages, pagesz, words;      /* words per page; the last is scratch */

static _Atomic uint64_t seq;            /* odd: the writer is changing things */
static _Atomic uint32_t pgen[MAX_PAGES];/* pattern generation, 0: zeros */
static _Atomic uint8_t pprot[MAX_PAGES];
static _Atomic uint64_t epoch;          /* what readers store to scratch words */
static _Atomic int stop;

struct reader {
	pthread_t thread;
	int id, cpu;
	_Atomic uint64_t good_sweeps;   /* sweeps that were checked and passed */
	uint64_t sweeps, faults;
	char pad[64];
};
static struct reader readers[MAX_THREADS];
static int nreaders;

static _Atomic int failed;
static char failmsg[512];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first failure wins; everyone stops. */
static void fail(const char *fmt, ...)
{
	int expected = 0;
	if (atomic_compare_exchange_strong(&failed, &expected, 1)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(failmsg, sizeof failmsg, fmt, ap);
		va_end(ap);
	}
	atomic_store(&stop, 1);
}

static uint64_t pattern(uint32_t gen, long page, long word)
{
	if (gen == 0)
		return 0;
	return 0xa5ULL << 56 | (uint64_t)(gen & 0xffffff) << 32 | (uint64_t)page << 16 |
	       (uint64_t)word;
}

static volatile uint64_t *word_at(long page, long word)
{
	return (volatile uint64_t *)(region + page * pagesz) + word;
}

/* ---- Probing accesses that may fault ----------------------------------------- */

static __thread sigjmp_buf probe_jmp;
static __thread volatile int probing;
static __thread volatile int probe_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	if (!probing) {
		char msg[160];
		ucontext_t *u = uc;
		int n = snprintf(msg, sizeof msg,
				 "tlbstress: FAIL SIGSEGV outside a probe (address %p, code %d, "
				 "pc %#lx, thread %ld)\n", si->si_addr, si->si_code,
				 (unsigned long)u->uc_mcontext.__gregs[REG_PC], (long)gettid());
		if (write(2, msg, n) < 0)
			_exit(2);
		_exit(2);
	}
	probing = 0;
	probe_code = si->si_code;
	/* SA_NODEFER: SIGSEGV is not blocked here, so no mask to restore. */
	siglongjmp(probe_jmp, 1);
}

/* 0 if the load worked, else the SIGSEGV's si_code (SEGV_MAPERR, SEGV_ACCERR). */
static __attribute__((noinline)) int probe_load(volatile uint64_t *p, uint64_t *value)
{
	if (sigsetjmp(probe_jmp, 0))
		return probe_code;
	probing = 1;
	uint64_t v = *p;
	probing = 0;
	*value = v;
	return 0;
}

static __attribute__((noinline)) int probe_store(volatile uint64_t *p, uint64_t value)
{
	if (sigsetjmp(probe_jmp, 0))
		return probe_code;
	probing = 1;
	*p = value;
	probing = 0;
	return 0;
}

/* ---- Readers ---------------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static const char *code_name(int code)
{
	return code == 0 ? "no fault" : code == SEGV_MAPERR ? "SEGV_MAPERR" :
	       code == SEGV_ACCERR ? "SEGV_ACCERR" : "another si_code";
}

/* What an access to a page in state 'prot' must do: 0 or a SIGSEGV code. */
static int load_must(int prot)
{
	return prot == P_UNMAPPED ? SEGV_MAPERR : prot == P_NONE ? SEGV_ACCERR : 0;
}

static int store_must(int prot)
{
	return prot == P_UNMAPPED ? SEGV_MAPERR : prot == P_RW ? 0 : SEGV_ACCERR;
}

static double pause_us = 0;

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t rnd = 0x9e3779b97f4a7c15ULL * (r->id + 1);
	char what[256];

	while (!atomic_load(&stop)) {
		uint64_t s0 = atomic_load_explicit(&seq, memory_order_acquire);
		if (s0 & 1) {
			/* The writer is changing things: load from every page to
			 * refill TLB entries in the middle of it, check nothing. */
			for (long p = 0; p < npages; p++) {
				uint64_t v;
				if (probe_load(word_at(p, xorshift(&rnd) % (words - 1)), &v))
					r->faults++;
			}
			continue;
		}
		uint64_t ep = atomic_load_explicit(&epoch, memory_order_relaxed);
		int bad = 0;
		for (long p = 0; p < npages; p++) {
			int prot = atomic_load_explicit(&pprot[p], memory_order_relaxed);
			uint32_t gen = atomic_load_explicit(&pgen[p], memory_order_relaxed);
			long w = xorshift(&rnd) % (words - 1);
			uint64_t v = 0;
			int code = probe_load(word_at(p, w), &v);
			if (code)
				r->faults++;
			if (!bad && code != load_must(prot)) {
				bad = 1;
				snprintf(what, sizeof what, "load from %s page %ld: %s, expected %s",
					 prot_name[prot], p, code_name(code),
					 code_name(load_must(prot)));
			} else if (!bad && !code && v != pattern(gen, p, w)) {
				bad = 1;
				snprintf(what, sizeof what,
					 "%s page %ld word %ld read %#llx, expected %#llx "
					 "(generation %u%s)", prot_name[prot], p, w,
					 (unsigned long long)v,
					 (unsigned long long)pattern(gen, p, w), gen,
					 gen ? "" : ": zeros after MADV_DONTNEED");
			}
			code = probe_store(word_at(p, words - 1), ep);
			if (code)
				r->faults++;
			if (!bad && code != store_must(prot)) {
				bad = 1;
				snprintf(what, sizeof what, "store to %s page %ld: %s, expected %s",
					 prot_name[prot], p, code_name(code),
					 code_name(store_must(prot)));
			}
		}
		atomic_thread_fence(memory_order_acquire);
		uint64_t s1 = atomic_load_explicit(&seq, memory_order_relaxed);
		r->sweeps++;
		if (s1 != s0)
			continue;       /* the writer changed things meanwhile */
		if (bad) {
			fail("reader %d on CPU %d, state %llu: %s", r->id, r->cpu,
			     (unsigned long long)s0 / 2, what);
			break;
		}
		atomic_fetch_add_explicit(&r->good_sweeps, 1, memory_order_release);
		if (pause_us)
			usleep(pause_us);
	}
	return NULL;
}

/* ---- The writer ------------------------------------------------------------------- */

static double wait_limit = 60;
static uint64_t transitions, forks;
static double wait_time;                /* the writer waiting for readers */

/* Per kind of change (-v): how many, the time in the kernel, the time
 * until every reader had seen it. */
enum step { S_RO, S_NONE, S_RW, S_DONTNEED, S_MUNMAP, S_MMAP, S_FORK, NSTEPS };
static const char *const step_name[] = {
	"mprotect(PROT_READ)", "mprotect(PROT_NONE)", "mprotect(RW)", "madvise(DONTNEED)",
	"munmap", "mmap+fill", "fork+child check",
};
static struct { uint64_t n; double change, wait; } steps[NSTEPS];
static int cur_step;
static double step_start;

/* Every reader finishes two more checked sweeps: the second started after
 * this call, so it saw (and cached) the state published now. */
static int wait_readers(void)
{
	uint64_t start[MAX_THREADS];
	for (int i = 0; i < nreaders; i++)
		start[i] = atomic_load(&readers[i].good_sweeps);
	double t0 = now();
	for (int i = 0; i < nreaders; i++) {
		while (atomic_load(&readers[i].good_sweeps) < start[i] + 2) {
			if (atomic_load(&stop))
				return -1;
			if (now() - t0 > wait_limit) {
				fail("reader %d on CPU %d made no progress for %.0f s", readers[i].id,
				     readers[i].cpu, wait_limit);
				return -1;
			}
			sched_yield();
		}
	}
	wait_time += now() - t0;
	return 0;
}

static void begin_change(int step)
{
	cur_step = step;
	step_start = now();
	atomic_fetch_add(&seq, 1);              /* odd */
	atomic_thread_fence(memory_order_seq_cst);
}

static int publish(void)
{
	atomic_fetch_add(&seq, 1);              /* even */
	transitions++;
	double t = now();
	steps[cur_step].n++;
	steps[cur_step].change += t - step_start;
	int err = wait_readers();
	steps[cur_step].wait += now() - t;
	return err;
}

/* A random run [*lo, *hi) of pages, the whole region one time in four. */
static void pick_run(uint64_t *rnd, long *lo, long *hi)
{
	if (xorshift(rnd) % 4 == 0) {
		*lo = 0;
		*hi = npages;
		return;
	}
	long a = xorshift(rnd) % npages, b = xorshift(rnd) % npages;
	*lo = a < b ? a : b;
	*hi = (a < b ? b : a) + 1;
}

static void set_prot(long lo, long hi, int prot)
{
	for (long p = lo; p < hi; p++)
		atomic_store_explicit(&pprot[p], prot, memory_order_relaxed);
}

static void fill(long lo, long hi, uint32_t gen)
{
	for (long p = lo; p < hi; p++) {
		for (long w = 0; w < words - 1; w++)
			*word_at(p, w) = pattern(gen, p, w);
		atomic_store_explicit(&pgen[p], gen, memory_order_relaxed);
	}
}

static int self_test;

static int change_prot(long lo, long hi, int prot)
{
	static const int mprot[] = { PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE };
	if (self_test == 1 && prot != P_RW) {
		/* -x: publish the new protection before making it, as a hart
		 * whose TLB is flushed late sees it: the readers must catch it. */
		begin_change(S_RO);
		set_prot(lo, hi, prot);
		atomic_fetch_add(&seq, 1);
		if (wait_readers())
			return -1;
	}
	begin_change(prot == P_RO ? S_RO : prot == P_NONE ? S_NONE : S_RW);
	if (mprotect(region + lo * pagesz, (hi - lo) * pagesz, mprot[prot])) {
		fail("mprotect: %s", strerror(errno));
		return -1;
	}
	set_prot(lo, hi, prot);
	/* The writer's own CPU must obey at once, too. */
	int code = probe_store(word_at(lo, words - 1), 0);
	if (code != store_must(prot)) {
		fail("writer: store to %s page %ld right after mprotect: %s, expected %s",
		     prot_name[prot], lo, code_name(code), code_name(store_must(prot)));
		return -1;
	}
	return publish();
}

/* fork while the readers run: the child's copy must hold the pattern and none
 * of the parent's stores made after fork returned (they carry the new
 * epoch); the child's own stores must not reach the parent (the readers
 * would see them). */
static int fork_check(void)
{
	int pipefd[2];
	if (pipe(pipefd)) {
		fail("pipe: %s", strerror(errno));
		return -1;
	}
	uint64_t after = atomic_load(&epoch) + 1;
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char c;
		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) != 1)
			_exit(3);
		for (long p = 0; p < npages; p++) {
			uint32_t gen = atomic_load_explicit(&pgen[p], memory_order_relaxed);
			for (long w = 0; w < words - 1; w++)
				if (*word_at(p, w) != pattern(gen, p, w))
					_exit(10);
			if (*word_at(p, words - 1) == after)
				_exit(11);
			for (long w = 0; w < words - 1; w++)
				*word_at(p, w) = ~pattern(gen, p, w);
		}
		_exit(0);
	}
	close(pipefd[0]);
	forks++;
	/* From now on the readers store 'after' to every page. */
	atomic_store(&epoch, after);
	int err = wait_readers();
	if (write(pipefd[1], "x", 1) != 1 && !err) {
		fail("write to the child's pipe: %s", strerror(errno));
		err = -1;
	}
	close(pipefd[1]);
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		fail("waitpid: %s", strerror(errno));
		return -1;
	}
	if (err)
		return err;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
		fail("fork: the child %s", code == 10 ? "saw a wrong pattern word" :
		     code == 11 ? "saw a store the parent made after fork returned" :
		     code == 3 ? "could not read its pipe" : "died or failed");
		return -1;
	}
	steps[S_FORK].n++;
	steps[S_FORK].change += now() - t0;
	/* The child has written over all of its copy: the parent's pages must
	 * still hold their pattern. */
	return wait_readers();
}

static int iteration(uint64_t *rnd, uint32_t *gen)
{
	long lo, hi;

	pick_run(rnd, &lo, &hi);
	if (change_prot(lo, hi, P_RO))
		return -1;
	pick_run(rnd, &lo, &hi);
	if (change_prot(lo, hi, P_NONE))
		return -1;
	if (change_prot(0, npages, P_RW))
		return -1;

	pick_run(rnd, &lo, &hi);
	begin_change(S_DONTNEED);
	if (madvise(region + lo * pagesz, (hi - lo) * pagesz, MADV_DONTNEED)) {
		fail("madvise: %s", strerror(errno));
		return -1;
	}
	for (long p = lo; p < hi; p++)
		atomic_store_explicit(&pgen[p], 0, memory_order_relaxed);
	if (publish())
		return -1;

	pick_run(rnd, &lo, &hi);
	if (self_test == 2) {
		/* -x 2: publish the next generation before mapping it. */
		begin_change(S_MMAP);
		for (long p = lo; p < hi; p++)
			atomic_store_explicit(&pgen[p], *gen + 1, memory_order_relaxed);
		atomic_fetch_add(&seq, 1);
		if (wait_readers())
			return -1;
	}
	begin_change(S_MUNMAP);
	if (munmap(region + lo * pagesz, (hi - lo) * pagesz)) {
		fail("munmap: %s", strerror(errno));
		return -1;
	}
	set_prot(lo, hi, P_UNMAPPED);
	if (publish())
		return -1;
	begin_change(S_MMAP);
	void *want = region + lo * pagesz;
	void *got = mmap(want, (hi - lo) * pagesz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (got != want) {
		fail("mmap at %p: %s", want, got == MAP_FAILED ? strerror(errno) : "elsewhere");
		return -1;
	}
	++*gen;
	fill(lo, hi, *gen);
	set_prot(lo, hi, P_RW);
	if (publish())
		return -1;

	return fork_check();
}

static int parse(const char *arg, double *out)
{
	char *end;
	*out = strtod(arg, &end);
	return *end || *out < 0;
}

int main(int argc, char **argv)
{
	double seconds = 5, iterations = 0, pages = 16, threads = 0;
	int opt, verbose = 0;

	while ((opt = getopt(argc, argv, "s:i:p:t:w:z:vx:")) != -1) {
		if (opt == 'v') {
			verbose = 1;
			continue;
		}
		if (opt == 'x') {
			self_test = atoi(optarg);
			continue;
		}
		double *v = opt == 's' ? &seconds : opt == 'i' ? &iterations : opt == 'p' ? &pages :
			    opt == 't' ? &threads : opt == 'w' ? &wait_limit :
			    opt == 'z' ? &pause_us : NULL;
		if (!v || parse(optarg, v)) {
			fprintf(stderr, "usage: tlbstress [-s SECONDS] [-i ITERATIONS] [-p PAGES 1-%d] "
				"[-t THREADS] [-w SECONDS] [-z USECONDS] [-v] [-x 1|2]\n", MAX_PAGES);
			return 2;
		}
	}
	npages = pages;
	if (npages < 1 || npages > MAX_PAGES) {
		fprintf(stderr, "tlbstress: -p: 1 to %d pages\n", MAX_PAGES);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The CPUs we may run on: one thread each (at least a writer and a reader). */
	cpu_set_t online;
	int cpus[MAX_THREADS], ncpus = 0;
	if (sched_getaffinity(0, sizeof online, &online) == 0)
		for (int c = 0; c < CPU_SETSIZE && ncpus < MAX_THREADS; c++)
			if (CPU_ISSET(c, &online))
				cpus[ncpus++] = c;
	long nthreads = threads ? (long)threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 2)
		nthreads = 2;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	nreaders = nthreads - 1;

	pagesz = sysconf(_SC_PAGESIZE);
	words = pagesz / sizeof(uint64_t);
	region = mmap(NULL, npages * pagesz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		perror("tlbstress: mmap");
		return 1;
	}
	uint32_t gen = 1;
	fill(0, npages, gen);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);

	printf("tlbstress: %ld threads on %d CPUs, %ld pages, %.0f s%s\n", nthreads, ncpus,
	       npages, seconds, iterations ? " or the iterations given" : "");
	/* The writer on the first CPU, reader i on the next ones. */
	if (ncpus) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpus[0], &one);
		sched_setaffinity(0, sizeof one, &one);
	}
	for (int i = 0; i < nreaders; i++) {
		struct reader *r = &readers[i];
		r->id = i + 1;
		r->cpu = ncpus ? cpus[(i + 1) % ncpus] : -1;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		if (ncpus) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(r->cpu, &one);
			pthread_attr_setaffinity_np(&attr, sizeof one, &one);
		}
		int err = pthread_create(&r->thread, &attr, reader_main, r);
		pthread_attr_destroy(&attr);
		if (err) {
			fprintf(stderr, "tlbstress: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}

	double t0 = now();
	uint64_t rnd = 0x2545f4914f6cdd1dULL ^ (uint64_t)getpid();
	unsigned long n = 0;
	if (wait_readers() == 0) {
		while (!atomic_load(&stop)) {
			if (iteration(&rnd, &gen))
				break;
			n++;
			if ((iterations && n >= iterations) || now() - t0 >= seconds)
				break;
		}
	}
	atomic_store(&stop, 1);
	double elapsed = now() - t0;
	uint64_t sweeps = 0, faults = 0;
	for (int i = 0; i < nreaders; i++) {
		pthread_join(readers[i].thread, NULL);
		sweeps += readers[i].sweeps;
		faults += readers[i].faults;
	}
	if (verbose)
		for (int k = 0; k < NSTEPS; k++)
			printf("tlbstress: %-20s %6llu, %8.3f ms in the kernel, %8.3f ms until every "
			       "reader saw it\n", step_name[k], (unsigned long long)steps[k].n,
			       steps[k].n ? steps[k].change * 1e3 / steps[k].n : 0,
			       steps[k].n ? steps[k].wait * 1e3 / steps[k].n : 0);
	if (atomic_load(&failed)) {
		printf("tlbstress: FAIL %s (after %lu iterations, %.1f s)\n", failmsg, n, elapsed);
		return 1;
	}
	printf("tlbstress: OK %lu iterations (%ld threads on %d CPUs, %llu changes, %llu forks, "
	       "%llu reader sweeps, %llu faults taken, %.1f s, %.1f s of it waiting for "
	       "readers)\n", n, nthreads, ncpus,
	       (unsigned long long)transitions, (unsigned long long)forks,
	       (unsigned long long)sweeps, (unsigned long long)faults, elapsed, wait_time);
	return 0;
}
