/*
 * paging_perm - the permission rules of a leaf PTE.
 *
 * One test page (code "li a0, 0x7a; ret" at its start) is mapped with
 * every combination of R, W, X and U (V, A, D always set) and accessed by
 * a load, a store and an instruction fetch, from S-mode and from U-mode,
 * with sstatus.SUM and sstatus.MXR each 0 and 1.  Each outcome is one
 * character: '.' the access worked (and read/wrote/ran the right thing),
 * 'L' load page fault, 'S' store page fault, 'F' fetch page fault (each
 * with sepc = the faulting instruction and stval = the address), '?'
 * anything else.  The matrix is printed for a 4 KiB leaf in Sv39, a 2 MiB
 * leaf in Sv39 and a 4 KiB leaf in Sv48, and compared with the spec:
 *  - W without R is reserved: every access faults;
 *  - load needs R, or X with MXR = 1; store needs W; fetch needs X;
 *  - U-mode needs U = 1 (SUM does not matter in U);
 *  - S-mode loads and stores to U = 1 pages need SUM = 1;
 *  - S-mode never executes from U = 1 pages, whatever SUM says.
 */
#include <stdio.h>
#include "../lib/pt.h"

#define VA_4K 0x40000000UL	/* the 4 KiB test page */
#define VA_2M 0x40200000UL	/* the 2 MiB test leaf -> the image's 2 MiB */
#define STORE_OFF 0x100		/* stores go here in the test page */
#define INSN_LI   0x07a00513UL	/* addi a0, zero, 0x7a */
#define INSN_RET  0x00008067UL	/* jalr zero, 0(ra) */
#define LOAD_WANT (INSN_RET << 32 | INSN_LI)

static char pool[24 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile uint32_t test_frame[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));

enum { P_R = 1, P_W = 2, P_X = 4, P_U = 8 };
#define N_COLS 8	/* mode (S, U) x SUM x MXR */

static const char *perm_str(unsigned p)
{
	static char b[5];

	b[0] = p & P_U ? 'u' : '-';
	b[1] = p & P_X ? 'x' : '-';
	b[2] = p & P_W ? 'w' : '-';
	b[3] = p & P_R ? 'r' : '-';
	b[4] = 0;
	return b;
}

/* The spec's answer: does the access work? */
static int allowed(unsigned p, int user, int sum, int mxr, int acc)
{
	if ((p & P_W) && !(p & P_R))
		return 0;		/* reserved encoding */
	if (user && !(p & P_U))
		return 0;
	if (!user && (p & P_U) && (acc == 2 || !sum))
		return 0;
	if (acc == 0)
		return (p & P_R) || (mxr && (p & P_X));
	if (acc == 1)
		return !!(p & P_W);
	return !!(p & P_X);
}

static const unsigned long want_cause[3] = {
	CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT, CAUSE_FETCH_PAGE_FAULT
};

/* One access; returns its outcome character. */
static char access(unsigned long va, int user, int acc)
{
	static const trap_fn stubs[3] = { pt_ld, pt_sd, 0 };
	unsigned long addr = acc == 1 ? va + STORE_OFF : va;
	unsigned long fn = acc == 2 ? va : (unsigned long)stubs[acc];
	struct trap_record t;
	unsigned long v;

	test_frame[STORE_OFF / 4] = 0;
	test_frame[STORE_OFF / 4 + 1] = 0;
	/*
	 * Fence before every access so each one is judged by a fresh walk.
	 * (QEMU 7.2 caches one translation for S-mode loads, stores and
	 * fetches: after an S-mode load with SUM = 1 from an X page with
	 * U = 1, a fetch from it in S-mode works without a fence.)
	 */
	pt_sfence_va(va);
	if (user) {
		if (acc != 2)
			fn = pt_ustub(stubs[acc]);
		v = pt_run_user(fn, addr, &t);
	} else {
		expect_trap((trap_fn)fn, addr, &t);
		v = t.ret;
	}
	if (!t.taken) {
		unsigned long stored = test_frame[STORE_OFF / 4] |
			(unsigned long)test_frame[STORE_OFF / 4 + 1] << 32;

		if (acc == 0)
			return v == LOAD_WANT ? '.' : '!';
		if (acc == 1)
			return stored == addr ? '.' : '!';
		return v == 0x7a ? '.' : '!';
	}
	if (t.scause == want_cause[acc] && t.sepc == fn && t.stval == addr)
		return "LSF"[acc];
	cprintf("odd trap: scause=%lu sepc=%s stval=%s\n", t.scause,
		addr_str(t.sepc), addr_str(t.stval));
	return '?';
}

/* The whole matrix for one mapping; out[p][col*3+acc]. */
static void matrix(const char *title, unsigned long va, unsigned long *pte,
		   unsigned long pa, char out[16][N_COLS * 3 + 1])
{
	int mismatches = 0, s_exec_u = 0, u_on_s = 0;

	cprintf("-- %s\n", title);
	cprintf("perm  S-mode: SUM=0     SUM=1     U-mode: SUM=0     SUM=1\n");
	cprintf("      MXR=0 MXR=1 MXR=0 MXR=1   MXR=0 MXR=1 MXR=0 MXR=1\n");
	for (unsigned p = 0; p < 16; p++) {
		unsigned long flags = PTE_V | PTE_A | PTE_D |
			(p & P_R ? PTE_R : 0) | (p & P_W ? PTE_W : 0) |
			(p & P_X ? PTE_X : 0) | (p & P_U ? PTE_U : 0);

		*pte = pt_pte(pa, flags);
		pt_sfence_va(va);
		cprintf("%s ", perm_str(p));
		for (int col = 0; col < N_COLS; col++) {
			int user = col >> 2, sum = (col >> 1) & 1, mxr = col & 1;

			csr_clear(CSR_SSTATUS, SSTATUS_SUM | SSTATUS_MXR);
			csr_set(CSR_SSTATUS, (sum ? SSTATUS_SUM : 0) | (mxr ? SSTATUS_MXR : 0));
			for (int acc = 0; acc < 3; acc++) {
				char c = access(va, user, acc);
				char want = allowed(p, user, sum, mxr, acc) ? '.' : "LSF"[acc];

				out[p][col * 3 + acc] = c;
				if (c != want)
					mismatches++;
				if (!user && (p & P_U) && acc == 2 && c != 'F')
					s_exec_u++;
				if (user && !(p & P_U) && c != "LSF"[acc])
					u_on_s++;
			}
			csr_clear(CSR_SSTATUS, SSTATUS_SUM | SSTATUS_MXR);
			cprintf("%s%.3s", col == 4 ? "     " : col ? "   " : "   ",
				&out[p][col * 3]);
		}
		out[p][N_COLS * 3] = 0;
		cprintf("\n");
	}
	check(mismatches == 0, "%s: every outcome as the spec says (%d differ)",
	      title, mismatches);
	check(s_exec_u == 0, "%s: S-mode never executes a U page", title);
	check(u_on_s == 0, "%s: U-mode never touches a U=0 page", title);
}

static char m39[16][N_COLS * 3 + 1], m39_2m[16][N_COLS * 3 + 1], m48[16][N_COLS * 3 + 1];

static int same(char a[16][N_COLS * 3 + 1], char b[16][N_COLS * 3 + 1])
{
	for (int p = 0; p < 16; p++)
		for (int i = 0; i < N_COLS * 3; i++)
			if (a[p][i] != b[p][i])
				return 0;
	return 1;
}

int main(void)
{
	unsigned long *r39, *r48, *pte4k, *pte2m, frame = (unsigned long)test_frame;

	test_begin("paging_perm");
	pt_pool_init(pool, sizeof(pool));
	test_frame[0] = INSN_LI;
	test_frame[1] = INSN_RET;
	asm volatile("fence.i" ::: "memory");

	r39 = pt_new_space(3, 1);
	pte4k = pt_map(r39, 3, VA_4K, frame, 0, 0);
	pte2m = pt_map(r39, 3, VA_2M, (unsigned long)_start, 1, 0);
	r48 = pt_new_space(4, 1);
	pt_install_trap_entry();

	pt_switch(pt_satp(SATP_MODE_SV39, 0, r39));
	matrix("Sv39, 4 KiB leaf", VA_4K, pte4k, frame, m39);
	*pte4k = 0;
	matrix("Sv39, 2 MiB leaf", VA_2M + frame - (unsigned long)_start, pte2m,
	       (unsigned long)_start, m39_2m);
	*pte2m = 0;
	pt_switch(0);

	/* Sv48: the PTE is made while translation is off. */
	pte4k = pt_map(r48, 4, VA_4K, frame, 0, 0);
	pt_switch(pt_satp(SATP_MODE_SV48, 0, r48));
	matrix("Sv48, 4 KiB leaf", VA_4K, pte4k, frame, m48);
	pt_switch(0);

	check(same(m39, m39_2m) && same(m39, m48),
	      "the same matrix for 4 KiB and 2 MiB leaves, Sv39 and Sv48");
	test_end();
}
