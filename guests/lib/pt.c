/*
 * pt.c - page-table helpers for the paging_* test guests (see pt.h).
 *
 * Linked into every guest, but it takes no memory of its own beyond a
 * few words: the page-table pool is handed over by the guest.
 */
#include "pt.h"

static unsigned char *pool_next, *pool_end;

void pt_pool_init(void *mem, unsigned long size)
{
	pool_next = mem;
	pool_end = (unsigned char *)mem + size;
}

void *pt_alloc(void)
{
	unsigned long *p = (unsigned long *)pool_next;

	if (!pool_next || pool_next + PAGE_SIZE > pool_end ||
	    ((unsigned long)pool_next & (PAGE_SIZE - 1))) {
		cprintf("pt_alloc: page-table pool exhausted\n");
		test_failures++;
		test_end();
	}
	pool_next += PAGE_SIZE;
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		p[i] = 0;
	return p;
}

static unsigned vpn(unsigned long va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & 511;
}

unsigned long *pt_slot(unsigned long *root, int levels, unsigned long va, int level)
{
	unsigned long *table = root;

	for (int l = levels - 1; l > level; l--) {
		unsigned long *pte = &table[vpn(va, l)];

		if (!(*pte & PTE_V)) {
			*pte = pt_pte((unsigned long)pt_alloc(), PTE_V);
		} else if (*pte & (PTE_R | PTE_W | PTE_X)) {
			cprintf("pt_slot: leaf in the way at level %d for 0x%lx\n", l, va);
			test_failures++;
			test_end();
		}
		table = (unsigned long *)pt_pte_pa(*pte);
	}
	return &table[vpn(va, level)];
}

unsigned long *pt_map(unsigned long *root, int levels, unsigned long va,
		      unsigned long pa, int level, unsigned long flags)
{
	unsigned long *slot = pt_slot(root, levels, va, level);

	*slot = pt_pte(pa, flags);
	return slot;
}

void pt_map_range(unsigned long *root, int levels, unsigned long va,
		  unsigned long pa, unsigned long size, unsigned long flags)
{
	for (unsigned long off = 0; off < size; off += PAGE_SIZE)
		pt_map(root, levels, va + off, pa + off, 0, flags);
}

/* ---- Stubs: run in S from the image, in U from their copy on the U code page ---- */
unsigned long pt_uexit(unsigned long);
extern char pt_stubs_start[], pt_stubs_end[], pt_uexit_ecall[];

asm(".text\n"
    ".balign 4\n"
    ".option push\n.option norvc\n"
    ".globl pt_stubs_start\npt_stubs_start:\n"
    ".globl pt_ld\npt_ld: ld a0, 0(a0)\nret\n"
    ".globl pt_sd\npt_sd: sd a0, 0(a0)\nret\n"
    ".globl pt_lbu\npt_lbu: lbu a0, 0(a0)\nret\n"
    ".globl pt_sb\npt_sb: sb a0, 0(a0)\nret\n"
    ".globl pt_amo\npt_amo: amoadd.d a0, zero, (a0)\nret\n"
    ".globl pt_u_ecall\npt_u_ecall: li a7, 0x123\necall\nret\n"
    ".globl pt_u_ebreak\npt_u_ebreak: ebreak\nret\n"
    ".globl pt_u_illegal\npt_u_illegal: csrr a0, satp\nret\n"
    ".globl pt_uexit\npt_uexit: li a7, " STR(USER_EXIT_A7) "\n"
    ".globl pt_uexit_ecall\npt_uexit_ecall: ecall\n"
    "1: j 1b\n"
    ".globl pt_stubs_end\npt_stubs_end:\n"
    ".option pop\n");

unsigned long pt_ustub(trap_fn stub)
{
	return PT_UCODE_VA + ((unsigned long)stub - (unsigned long)pt_stubs_start);
}

/* ---- Trap entry: U-mode traps switch to the S stack kept in sscratch ---------- */
/*
 * sscratch = 0 while in S; pt_user_enter puts its stack pointer there
 * before dropping to U.  From U we swap stacks (the U stack may be out of
 * S's reach), forget the U sp (the run ends at this trap) and continue in
 * the runtime's trap_entry, which builds the frame on the S stack.
 */
asm(".text\n"
    ".balign 4\n"
    ".globl pt_trap_entry\npt_trap_entry:\n"
    "csrrw sp, " STR(CSR_SSCRATCH) ", sp\n"
    "bnez sp, 1f\n"
    "csrrw sp, " STR(CSR_SSCRATCH) ", sp\n"	/* from S: undo */
    "j trap_entry\n"
    "1: csrw " STR(CSR_SSCRATCH) ", zero\n"
    "j trap_entry\n");

void pt_install_trap_entry(void)
{
	csr_write(CSR_SSCRATCH, 0);
	csr_write(CSR_STVEC, (unsigned long)pt_trap_entry);
}

/* ---- U-mode runner ----------------------------------------------------------------- */
unsigned long pt_user_enter(unsigned long fn, unsigned long arg, unsigned long ra,
			    unsigned long sp);
void pt_user_leave(unsigned long value) __attribute__((noreturn));

asm(".text\n"
    ".balign 4\n"
    ".globl pt_user_enter\npt_user_enter:\n"
    "la t0, pt_user_ctx\n"
    "sd ra, 0(t0)\n"
    "sd sp, 8(t0)\n"
    ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11\n"
    "sd s\\n, (2+\\n)*8(t0)\n"
    ".endr\n"
    "csrw " STR(CSR_SSCRATCH) ", sp\n"
    "csrw " STR(CSR_SEPC) ", a0\n"
    "li t0, 0x100\n"	/* sstatus.SPP */
    "csrc " STR(CSR_SSTATUS) ", t0\n"
    "mv a0, a1\n"
    "mv ra, a2\n"
    "mv sp, a3\n"
    "sret\n"
    ".globl pt_user_leave\npt_user_leave:\n"
    "la t0, pt_user_ctx\n"
    "ld ra, 0(t0)\n"
    "ld sp, 8(t0)\n"
    ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11\n"
    "ld s\\n, (2+\\n)*8(t0)\n"
    ".endr\n"
    "csrw " STR(CSR_SSCRATCH) ", zero\n"
    "ret\n"
    ".bss\n.balign 8\npt_user_ctx: .space 14*8\n.text\n");

static struct trap_record *user_rec;
static int (*saved_hook)(struct trap_frame *f);

static int user_hook(struct trap_frame *f)
{
	struct trap_record *rec = user_rec;

	if (!rec || (f->sstatus & SSTATUS_SPP) || (f->scause & CAUSE_INTERRUPT))
		return saved_hook ? saved_hook(f) : 0;
	user_rec = 0;
	if (f->scause == CAUSE_USER_ECALL &&
	    f->sepc == pt_ustub((trap_fn)pt_uexit_ecall) &&
	    f->regs[17] == USER_EXIT_A7)
		pt_user_leave(f->regs[10]);
	rec->taken = 1;
	rec->count = 1;
	rec->scause = f->scause;
	rec->sepc = f->sepc;
	rec->stval = f->stval;
	rec->sstatus = f->sstatus;
	pt_user_leave(0);
}

unsigned long pt_run_user(unsigned long fn_va, unsigned long arg, struct trap_record *rec)
{
	unsigned long ret;

	*rec = (struct trap_record){ 0 };
	saved_hook = trap_hook;
	trap_hook = user_hook;
	user_rec = rec;
	ret = pt_user_enter(fn_va, arg, pt_ustub(pt_uexit), PT_USTACK_VA + PAGE_SIZE);
	user_rec = 0;
	trap_hook = saved_hook;
	return ret;
}

/* ---- Address spaces ----------------------------------------------------------------- */
static unsigned long ucode_frame, ustack_frame;

unsigned long *pt_new_space(int levels, int with_user)
{
	unsigned long *root = pt_alloc();

	pt_map(root, levels, PT_RAM_BASE, PT_RAM_BASE, 2, PT_KRWX);
	if (with_user) {
		if (!ucode_frame) {
			unsigned long n = pt_stubs_end - pt_stubs_start;

			ucode_frame = (unsigned long)pt_alloc();
			ustack_frame = (unsigned long)pt_alloc();
			for (unsigned long i = 0; i < n; i++)
				((volatile char *)ucode_frame)[i] = pt_stubs_start[i];
			asm volatile("fence.i" ::: "memory");
		}
		pt_map(root, levels, PT_UCODE_VA, ucode_frame, 0,
		       PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
		pt_map(root, levels, PT_USTACK_VA, ustack_frame, 0,
		       PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
	}
	return root;
}

/* ---- Printing -------------------------------------------------------------------------- */
const char *pt_flags_str(unsigned long pte)
{
	static char bufs[4][9];
	static unsigned next;
	char *b = bufs[next++ % 4];

	for (int i = 0; i < 8; i++)
		b[i] = (pte >> i) & 1 ? "VRWXUGAD"[i] : '-';
	b[8] = 0;
	return b;
}

const char *pt_cause_name(unsigned long scause)
{
	switch (scause) {
	case CAUSE_MISALIGNED_FETCH: return "fetch misaligned";
	case CAUSE_FETCH_ACCESS: return "fetch access fault";
	case CAUSE_ILLEGAL_INSTRUCTION: return "illegal instruction";
	case CAUSE_BREAKPOINT: return "breakpoint";
	case CAUSE_MISALIGNED_LOAD: return "load misaligned";
	case CAUSE_LOAD_ACCESS: return "load access fault";
	case CAUSE_MISALIGNED_STORE: return "store misaligned";
	case CAUSE_STORE_ACCESS: return "store access fault";
	case CAUSE_USER_ECALL: return "ecall from U";
	case CAUSE_SUPERVISOR_ECALL: return "ecall from S";
	case CAUSE_FETCH_PAGE_FAULT: return "fetch page fault";
	case CAUSE_LOAD_PAGE_FAULT: return "load page fault";
	case CAUSE_STORE_PAGE_FAULT: return "store page fault";
	default: return "?";
	}
}

/* ---- One access, printed and checked ----------------------------------------------- */
int pt_try(const char *what, int user, unsigned long fn, unsigned long arg,
	   unsigned long want_cause, unsigned long want_tval, unsigned long *value)
{
	struct trap_record t;
	unsigned long v;
	int ok;

	if (user)
		v = pt_run_user(fn, arg, &t);
	else
		v = expect_trap((trap_fn)fn, arg, &t) ? 0 : t.ret;
	if (value)
		*value = v;
	cprintf("%-36s", what);
	if (!t.taken) {
		cprintf(" -> ok, a0=%s\n", addr_str(v));
		return check(want_cause == PT_NO_TRAP, "%s: no trap", what);
	}
	cprintf(" -> scause=%lu (%s) sepc=%s stval=%s", t.scause,
		pt_cause_name(t.scause),
		t.sepc == fn ? "fn" : addr_str(t.sepc), addr_str(t.stval));
	if (t.count > 1)
		cprintf(" (%d traps)", t.count);
	cprintf("\n");
	if (want_cause == PT_NO_TRAP)
		return check(0, "%s: no trap", what);
	ok = t.scause == want_cause && t.sepc == fn && t.stval == want_tval;
	return check(ok, "%s: scause=%lu sepc=fn stval=%s", what, want_cause,
		     addr_str(want_tval));
}
