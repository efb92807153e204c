/* cpu/arm64/a64_core.c: the A64 core: blocks, the run loops, exits, debug.
 *
 * run() completes what the previous exit left (an MMIO load's destination
 * register, a hypercall's results), then runs blocks until something exits.
 * The attention word is checked between blocks.  With guest debug enabled
 * (the VMM's, or the guest's own breakpoints, watchpoints or software step:
 * a64_debug.c) a second loop runs blocks of one instruction where needed and
 * checks them; the normal loop has no debug test in it.
 */
#include "cpu/arm64/a64_cpu.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/arm64/a64_decode.h"
#include "util/err.h"

/* Decode cache arena per vCPU (reserved, touched as used). */
#define A64_DCACHE_SIZE ((size_t)16 << 20)

/* ConditionHolds(): for each condition, the set of NZCV values (bit N:Z:C:V)
 * for which it holds.  With N=0xFF00, Z=0xF0F0, C=0xCCCC, V=0xAAAA:
 * EQ Z, NE !Z, CS C, CC !C, MI N, PL !N, VS V, VC !V, HI C&!Z, LS !HI,
 * GE N==V, LT N!=V, GT !Z&GE, LE !GT, AL and NV always. */
const uint16_t a64_cond_table[16] = {
    0xF0F0, 0x0F0F, 0xCCCC, 0x3333, 0xFF00, 0x00FF, 0xAAAA, 0x5555,
    0x0C0C, 0xF3F3, 0xAA55, 0x55AA, 0x0A05, 0xF5FA, 0xFFFF, 0xFFFF,
};

/* ---- exits ------------------------------------------------------------ */

struct squib_exit *a64_exit_begin(struct a64_cpu *c, const struct a64_insn *i,
                                  enum squib_exit_kind kind)
{
    struct squib_exit *e = c->exit;
    memset(e, 0, sizeof *e);
    if (i)
        c->pc = a64_insn_pc(c, i);
    e->kind = kind;
    e->pc = c->pc;
    return e;
}

static int fail_v(struct a64_cpu *c, const struct a64_insn *i, bool have_word, uint32_t word,
                  const char *fmt, va_list ap)
{
    uint64_t pc = c->pc;
    if (i) {
        pc = a64_insn_pc(c, i);
        size_t k = (size_t)(i - c->blk->insn);
        if (!have_word && k < c->blk->count) {
            word = a64_block_words(c->blk)[k];
            have_word = true;
        }
    }
    char msg[SQUIB_EXIT_MESSAGE_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    uint8_t bytes[4];
    memcpy(bytes, &word, 4);
    squib_exit_internal_error(c->exit, pc, have_word ? bytes : NULL, have_word ? 4 : 0, "%s",
                              msg);
    c->pc = pc;
    return A64_EXIT;
}

int a64_fail(struct a64_cpu *c, const struct a64_insn *i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = fail_v(c, i, false, 0, fmt, ap);
    va_end(ap);
    return r;
}

int a64_fail_insn(struct a64_cpu *c, const struct a64_insn *i, uint32_t word, const char *fmt,
                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = fail_v(c, i, true, word, fmt, ap);
    va_end(ap);
    return r;
}

/* An UNDEFINED instruction: EC 0x00, "Unknown reason" (D17.2.37). */
int a64_undefined(struct a64_cpu *c, const struct a64_insn *i)
{
    return a64_exception_at(c, i, A64_EC_UNKNOWN, 0);
}

static int debug_exit(struct a64_cpu *c, enum squib_debug_reason why)
{
    struct squib_exit *e = a64_exit_begin(c, NULL, SQUIB_EXIT_DEBUG);
    e->debug.reason = why;
    return A64_EXIT;
}

/* ---- handlers shared by several families -------------------------------- */

int a64_op_nop(struct a64_cpu *c, const struct a64_insn *i)
{
    (void)c, (void)i;
    return A64_NEXT;
}

int a64_op_goto(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = i->imm;
    return A64_JUMP;
}

int a64_op_next(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = a64_insn_pc(c, i) + 4;
    return A64_JUMP;
}

int a64_op_movi(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = i->imm;
    return A64_NEXT;
}

/* ---- threaded dispatch (a64_cpu.h) ------------------------------------- */

A64_THREAD(a64_op_nop)
A64_THREAD(a64_op_movi)

const struct a64_threaded a64_core_threaded[] = {
    A64_THREADED(a64_op_nop),
    A64_THREADED(a64_op_movi),
    A64_TERMINAL(a64_op_goto),
    A64_TERMINAL(a64_op_next),
    {NULL, NULL},
};

/* Any other handler: run it, then go on to the next instruction. */
int a64_op_step(struct a64_cpu *c, const struct a64_insn *i)
{
    int r = i->gfn(c, i);
    if (r == A64_NEXT)
        return i[1].fn(c, i + 1);
    return r;
}

/* Handler -> threaded twin, open addressing on the handler's address. */
#define THREAD_SLOTS 1024
static struct a64_threaded thread_map[THREAD_SLOTS];
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static unsigned thread_slot(a64_handler fn)
{
    uintptr_t a = (uintptr_t)fn;
    return (unsigned)((a >> 4) ^ (a >> 14)) & (THREAD_SLOTS - 1);
}

static void thread_map_build(void)
{
    static const struct a64_threaded *const lists[] = {
        a64_dp_threaded,   a64_dp_reg_threaded, a64_bitfield_threaded,
        a64_ldst_threaded, a64_branch_threaded, a64_core_threaded,
    };
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
        for (const struct a64_threaded *t = lists[l]; t->fn; t++) {
            unsigned k = thread_slot(t->fn);
            while (thread_map[k].fn && thread_map[k].fn != t->fn)
                k = (k + 1) & (THREAD_SLOTS - 1);
            thread_map[k] = *t;
        }
}

/* Makes a decoded instruction threaded: its twin, or a64_op_step. */
static void thread_insn(struct a64_insn *in)
{
    for (unsigned k = thread_slot(in->fn); thread_map[k].fn; k = (k + 1) & (THREAD_SLOTS - 1))
        if (thread_map[k].fn == in->fn) {
            in->fn = thread_map[k].threaded;
            return;
        }
    in->gfn = in->fn;
    in->fn = a64_op_step;
}

/* ---- blocks ------------------------------------------------------------- */

/* The soft TLB saw a write to a page holding decoded code.  The running block
 * stays valid until its handler returns (dcache.h), so only mark the cache;
 * the next lookup drops every block.  Stale instructions later in the running
 * block still execute, which the architecture allows: new code is only
 * guaranteed to be seen after IC maintenance and a context synchronization
 * event (Arm ARM B2, "Concurrent modification and execution of
 * instructions"). */
static void code_written(void *opaque, uint64_t gpa)
{
    struct a64_cpu *c = opaque;
    (void)gpa;
    dcache_invalidate(&c->dc);
    mmu_unwatch_all(c->mmu);
}

static void drop_all_blocks(struct a64_cpu *c)
{
    dcache_flush_now(&c->dc);
    mmu_unwatch_all(c->mmu);
}

/* Decodes the block at c->pc: up to A64_BLOCK_MAX instructions, ending after
 * a branch, exception-generating or system instruction, or at the page end.
 * NULL (with an INTERNAL_ERROR exit written) if the pc cannot be fetched. */
static const struct a64_block *translate(struct a64_cpu *c, uint64_t key2)
{
    uint64_t pc = c->pc;
    if (pc & 3) { /* PC alignment fault (D1.10.5): ELR = FAR = the pc */
        a64_exception(c, pc, A64_EC_PC_ALIGN, 0, true, pc);
        c->fetch_exc = true;
        return NULL;
    }
    const uint8_t *code = mmu_fetch_ptr(c->mmu, pc);
    if (!code && c->mmu->miss_fault) { /* Instruction Abort: IFSC from the walk */
        a64_exception(c, pc, c->el ? A64_EC_IABT_CUR : A64_EC_IABT_LOW, c->fault_fsc, true, pc);
        c->fetch_exc = true;
        return NULL;
    }
    if (!code) {
        squib_exit_internal_error(c->exit, pc, NULL, 0,
                                  "instruction fetch from 0x%llx (physical 0x%llx), which is "
                                  "not RAM",
                                  (unsigned long long)pc,
                                  (unsigned long long)c->mmu->miss_paddr);
        return NULL;
    }
    unsigned max = (key2 & A64_KEY_STEP) ? 1 : A64_BLOCK_MAX;
    unsigned left = (MMU_PAGE_SIZE - (unsigned)(pc & (MMU_PAGE_SIZE - 1))) / 4;
    if (max > left)
        max = left;

    struct a64_insn buf[A64_BLOCK_MAX + 1];
    uint32_t words[A64_BLOCK_MAX];
    unsigned n = 0;
    bool ended = false;
    while (n < max && !ended) {
        memcpy(&words[n], code + 4 * n, 4);
        ended = a64_decode_one(&buf[n], words[n], pc + 4 * n);
        if (!a64_feature_present(c, words[n])) /* hidden by the ID registers */
            buf[n].fn = a64_undefined;
        n++;
    }
    unsigned total = n;
    if (!ended)
        buf[total++] = (struct a64_insn){.fn = a64_op_goto, .imm = pc + 4 * n};
    for (unsigned k = 0; k < total; k++)
        thread_insn(&buf[k]);

    size_t size = sizeof(struct a64_block) + total * sizeof(struct a64_insn) + n * 4;
    struct a64_block *b = dcache_alloc(&c->dc, size);
    if (!b) {
        drop_all_blocks(c);
        b = dcache_alloc(&c->dc, size);
        if (!b) {
            squib_exit_internal_error(c->exit, pc, NULL, 0, "A64 decode cache too small");
            return NULL;
        }
    }
    mmu_watch_code(c->mmu, pc);
    b->hdr.pc = pc;
    b->hdr.key2 = key2;
    b->link[0] = b->link[1] = NULL;
    b->gen = c->gen;
    b->count = (uint16_t)n;
    b->total = (uint16_t)total;
    memcpy(b->insn, buf, total * sizeof buf[0]);
    memcpy((void *)a64_block_words(b), words, n * 4);
    dcache_insert(&c->dc, &b->hdr);
    return b;
}

/* Is block `b` still what guest memory holds?  Checked on a block's first
 * use in a run, and after every translation change (a64_mmu_changed bumps
 * c->gen): the words are fetched through the current mapping, with its
 * execute permission, and the physical page they now come from is watched
 * for writes.  So TLBI or a TTBR switch re-checks blocks instead of
 * dropping them (as cpu/x86/core.c's checked_gen). */
static bool block_current(struct a64_cpu *c, struct a64_block *b)
{
    const uint8_t *code = mmu_fetch_ptr(c->mmu, b->hdr.pc);
    if (!code || memcmp(code, a64_block_words(b), 4u * b->count) != 0)
        return false;
    mmu_watch_code(c->mmu, b->hdr.pc);
    b->gen = c->gen;
    return true;
}

static inline const struct a64_block *block_at_pc(struct a64_cpu *c, uint64_t key2)
{
    struct a64_block *b = (struct a64_block *)dcache_lookup(&c->dc, c->pc, key2);
    if (b) {
        if (b->gen == c->gen || block_current(c, b))
            return b;
        b->hdr.key2 = ~0ULL; /* stale (rewritten or remapped): never found again */
    }
    return translate(c, key2);
}

/* ---- the run loops ------------------------------------------------------ */

/* A64_NEXT: go on; A64_JUMP: the loop to use may have changed; A64_EXIT. */
static int attention(struct a64_cpu *c)
{
    atomic_uint *att = &c->env->attention;
    unsigned a = atomic_load(att);
    if (a & CPU_ATTN_DEBUG) {
        atomic_fetch_and(att, ~(unsigned)CPU_ATTN_DEBUG);
        return A64_JUMP;
    }
    if (a & CPU_ATTN_KICK) {
        atomic_fetch_and(att, ~(unsigned)CPU_ATTN_KICK);
        a64_exit_begin(c, NULL, SQUIB_EXIT_INTERRUPTED);
        return A64_EXIT;
    }
    atomic_fetch_and(att, CPU_ATTN_KICK | CPU_ATTN_DEBUG); /* bits nobody defined */
    return A64_NEXT;
}

/* The block at c->pc if block `p` (run just before, and still allocated)
 * has a current link to it; NULL otherwise. */
static inline struct a64_block *chained(struct a64_cpu *c, const struct a64_block *p)
{
    if (c->dc.flush_pending)
        return NULL;
    for (int k = 0; k < 2; k++) {
        struct a64_block *n = p->link[k];
        if (n && n->hdr.pc == c->pc && n->hdr.key2 == c->key_mode && n->gen == c->gen)
            return n;
    }
    return NULL;
}

static void link_blocks(struct a64_block *p, struct a64_block *n)
{
    p->link[1] = p->link[0];
    p->link[0] = n;
}

static int run_blocks(struct a64_cpu *c)
{
    atomic_uint *att = &c->env->attention;
    struct a64_block *prev = NULL; /* the block run last, while it is allocated */
    for (;;) {
        if (atomic_load_explicit(att, memory_order_relaxed)) {
            int r = attention(c);
            if (r != A64_NEXT)
                return r;
        }
        if (a64_async_due(c) && a64_async(c) == A64_EXIT) /* IRQ/FIQ, timers */
            return A64_EXIT;
        struct a64_block *b = prev ? chained(c, prev) : NULL;
        if (!b) {
            uint64_t flushes = c->dc.flushes;
            b = (struct a64_block *)block_at_pc(c, c->key_mode);
            if (!b) {
                prev = NULL;
                if (c->fetch_exc) { /* an exception was taken instead: go on at the vector */
                    c->fetch_exc = false;
                    continue;
                }
                return A64_EXIT;
            }
            if (prev && c->dc.flushes == flushes) /* else prev was freed */
                link_blocks(prev, b);
        }
        c->blk = b;
        if (b->insn[0].fn(c, b->insn) == A64_EXIT) /* the whole block, threaded */
            return A64_EXIT;
        prev = b;
    }
}

static bool breakpoint_at(const struct a64_cpu *c, uint64_t pc)
{
    for (unsigned k = 0; k < c->dbg.n_breakpoints && k < SQUIB_MAX_BREAKPOINTS; k++)
        if (c->dbg.breakpoints[k] == pc)
            return true;
    return false;
}

/* Debug, the VMM's and the guest's (a64_debug.c).  The VMM's guest debug:
 * one instruction per block; a breakpoint exits before the instruction at
 * its address runs (but not twice in a row for the same instruction: the
 * next run executes it); single-step exits after each instruction, or
 * after an exception taken instead of one.  The guest's own debug
 * exceptions come after the VMM's exits, in the Arm ARM's priority order:
 * a pending Software Step, then (after the fetch) a Breakpoint, then a
 * Watchpoint before the instruction's access.  Blocks are one instruction
 * long while stepping or watchpoints may fire here, else whole (cut where
 * an enabled breakpoint lies inside). */
static int run_debug(struct a64_cpu *c)
{
    atomic_uint *att = &c->env->attention;
    for (;;) {
        bool vmm_step = c->dbg_active && c->dbg.single_step;
        if (atomic_load_explicit(att, memory_order_relaxed)) {
            int r = attention(c);
            if (r != A64_NEXT)
                return r;
        }
        uint64_t taken = c->exc_entries;
        if (a64_async_due(c) && a64_async(c) == A64_EXIT) /* IRQ/FIQ, timers */
            return A64_EXIT;
        if (c->exc_entries != taken) /* an interrupt was taken */
            a64_dbg_entered(c);
        if (c->dbg_active && !(c->bp_skip && c->bp_skip_pc == c->pc) &&
            breakpoint_at(c, c->pc)) {
            c->bp_skip = true;
            c->bp_skip_pc = c->pc;
            return debug_exit(c, SQUIB_DEBUG_BREAKPOINT);
        }
        c->bp_skip = false;
        if (c->hd.armed && a64_dbg_step_due(c)) {
            if (vmm_step)
                return debug_exit(c, SQUIB_DEBUG_SINGLE_STEP);
            continue;
        }
        bool one = c->dbg_active || (c->hd.armed && a64_dbg_single(c));
        const struct a64_block *b = block_at_pc(c, c->key_mode | (one ? A64_KEY_STEP : 0));
        if (!b) {
            if (c->fetch_exc) {
                c->fetch_exc = false;
                a64_dbg_entered(c);
                if (vmm_step)
                    return debug_exit(c, SQUIB_DEBUG_SINGLE_STEP);
                continue;
            }
            return A64_EXIT;
        }
        if (c->hd.armed && a64_dbg_bp_live(c)) {
            if (!one && a64_dbg_bp_within(c, b->hdr.pc, b->count)) {
                one = true;
                b = block_at_pc(c, c->key_mode | A64_KEY_STEP);
                if (!b) { /* the page was fetched a moment ago: not expected */
                    if (!c->fetch_exc)
                        return A64_EXIT;
                    c->fetch_exc = false;
                    a64_dbg_entered(c);
                    continue;
                }
            }
            if (a64_dbg_breakpoint(c)) {
                if (vmm_step)
                    return debug_exit(c, SQUIB_DEBUG_SINGLE_STEP);
                continue;
            }
        }
        if (one && c->hd.armed && b->count &&
            a64_dbg_watchpoint(c, a64_block_words(b)[0], b->hdr.pc)) {
            if (vmm_step)
                return debug_exit(c, SQUIB_DEBUG_SINGLE_STEP);
            continue;
        }
        struct a64_dbg_snap snap;
        a64_dbg_snap(c, &snap);
        c->blk = b;
        if (b->insn[0].fn(c, b->insn) == A64_EXIT)
            return A64_EXIT;
        /* The word a64_dbg_after needs is the last one executed: the block's
         * last, since a block runs to its end unless an instruction takes an
         * exception midway, and then only an SVC's word matters, and SVC
         * ends its block.  (Stepping runs one-instruction blocks.) */
        a64_dbg_after(c, &snap, b->count ? a64_block_words(b)[b->count - 1u] : 0);
        if (vmm_step)
            return debug_exit(c, SQUIB_DEBUG_SINGLE_STEP);
    }
}

/* Finishes the instruction the last exit stopped at, with the VMM's reply in
 * *e (squib/exit.h), exactly once. */
static void complete_pending(struct a64_cpu *c, const struct squib_exit *e)
{
    struct a64_pending *p = &c->pend;
    switch (p->kind) {
    case A64_PEND_LOAD: {
        uint64_t v = e->mmio.data;
        unsigned bits = 8u * p->size;
        if (bits < 64)
            v &= (1ULL << bits) - 1;
        if (p->ext == A64_EXT_S64)
            v = a64_sext(v, bits);
        else if (p->ext == A64_EXT_S32)
            v = (uint32_t)a64_sext(v, bits);
        c->x[p->rt] = v;
        c->x[p->wb] = p->wbval;
        break;
    }
    case A64_PEND_STORE:
        c->x[p->wb] = p->wbval;
        break;
    case A64_PEND_HVC:
        for (int k = 0; k < 4; k++)
            c->x[k] = e->hypercall.ret[k];
        break;
    case A64_PEND_SKIP:
    case A64_PEND_NONE:
        break;
    }
    c->pc = p->pc + 4;
    p->kind = A64_PEND_NONE;
}

static void a64_run(void *cpu, struct squib_exit *e)
{
    struct a64_cpu *c = cpu;
    c->exit = e;
    c->gen++;
    a64_async_run_start(c);
    if (c->pend.kind != A64_PEND_NONE) {
        complete_pending(c, e);
        if (c->hd.armed)
            a64_dbg_completed(c); /* a stepped instruction completed */
        if (c->dbg_active && c->dbg.single_step) {
            debug_exit(c, SQUIB_DEBUG_SINGLE_STEP);
            return;
        }
    }
    for (;;) {
        int r = (c->dbg_active || c->hd.armed) ? run_debug(c) : run_blocks(c);
        if (r == A64_EXIT)
            return;
    }
}

/* ---- the ops table ------------------------------------------------------ */

static void *a64_create(struct cpu_env *env, int *err)
{
    a64_decode_init();
    pthread_once(&thread_once, thread_map_build);
    struct a64_cpu *c = calloc(1, sizeof *c);
    if (!c) {
        *err = -ENOMEM;
        return NULL;
    }
    int rc = dcache_init(&c->dc, A64_DCACHE_SIZE);
    if (rc) {
        free(c);
        *err = rc;
        return NULL;
    }
    c->env = env;
    c->mmu = env->mmu;
    c->mmu->code_write = code_written;
    c->mmu->code_write_opaque = c;
    a64_regs_reset(c);
    a64_mmu_changed(c);
    return c;
}

static void a64_destroy(void *cpu)
{
    struct a64_cpu *c = cpu;
    if (!c)
        return;
    if (c->mmu->code_write_opaque == c) {
        c->mmu->code_write = NULL;
        c->mmu->code_write_opaque = NULL;
    }
    if (c->mmu->translate_opaque == c) {
        c->mmu->translate = NULL;
        c->mmu->translate_opaque = NULL;
    }
    dcache_free(&c->dc);
    free(c);
}

static int a64_set_guest_debug(void *cpu, const struct squib_guest_debug *dbg)
{
    struct a64_cpu *c = cpu;
    if (dbg->n_breakpoints > SQUIB_MAX_BREAKPOINTS)
        return squib_fail(-EINVAL, "guest debug: at most %d breakpoints", SQUIB_MAX_BREAKPOINTS);
    c->dbg = *dbg;
    c->dbg_active = dbg->enable && (dbg->single_step || dbg->n_breakpoints);
    c->bp_skip = false;
    return 0;
}

const struct cpu_core_ops a64_core_ops = {
    .arch = SQUIB_ARCH_ARM64,
    .name = "aarch64",
    .create = a64_create,
    .destroy = a64_destroy,
    .run = a64_run,
    .get_regs = a64_get_regs,
    .set_regs = a64_set_regs,
    .get_one_reg = a64_get_one_reg,
    .set_one_reg = a64_set_one_reg,
    .set_guest_debug = a64_set_guest_debug,
};
