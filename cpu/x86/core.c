/* cpu/x86/core.c: the x86 core's ops: reset state, the block loop, register
 * access, guest debug. */
#include "cpu/x86/x86.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"

#define X86_DCACHE_SIZE (16u << 20)

/* Power-on state, SDM Vol. 3, 10.1.1 Table 10-1. */
static void x86_reset(struct x86_cpu *cpu)
{
    memset(cpu->r, 0, sizeof cpu->r);
    cpu->r[RDX] = 0x600; /* family 6 signature; software reads it as such */
    cpu->rip = 0xFFF0;
    cpu->rflags = 2;
    for (int s = 0; s < 6; s++)
        cpu->seg[s] = (struct x86_segment){.base = 0, .limit = 0xFFFF, .sel = 0,
                                           .attr = 0x93}; /* present, data r/w accessed */
    cpu->seg[SEG_CS] = (struct x86_segment){.base = 0xFFFF0000, .limit = 0xFFFF, .sel = 0xF000,
                                            .attr = 0x9B};
    cpu->gdtr = cpu->idtr = (struct x86_segment){.base = 0, .limit = 0xFFFF};
    cpu->ldtr = (struct x86_segment){.limit = 0xFFFF, .attr = 0x82};
    cpu->tr = (struct x86_segment){.limit = 0xFFFF, .attr = 0x8B};
    cpu->cr0 = 0x60000010;
    cpu->cr2 = cpu->cr3 = cpu->cr4 = cpu->cr8 = cpu->efer = 0;
    cpu->apic_base = 0xFEE00900; /* enabled, BSP */
    cpu->xcr0 = 1;                /* x87 (SDM Vol. 1, 13.3) */
    cpu->mode = X86_MODE_REAL;
    /* FXSAVE image: FCW = 0x037F, MXCSR = 0x1F80 at power-on. */
    struct squib_x86_fpu fpu = {.fcw = 0x037F, .mxcsr = 0x1F80};
    memcpy(cpu->fpu_image, &fpu, sizeof fpu);
}

/* The guest TSC: the host's on x86-64 hosts, else a 1 GHz count from the
 * monotonic clock, plus the guest's offset (WRMSR TSC). */
uint64_t x86_tsc(const struct x86_cpu *cpu)
{
#if defined(__x86_64__)
    uint64_t host = __builtin_ia32_rdtsc();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t host = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
    return host + cpu->tsc_offset;
}

static void code_written(void *opaque, uint64_t gpa)
{
    struct x86_cpu *cpu = opaque;
    (void)gpa;
    dcache_invalidate(&cpu->dcache);
    mmu_unwatch_all(cpu->mmu);
    atomic_fetch_or(&cpu->env->attention, CPU_ATTN_CODE);
}

static void *x86_create(struct cpu_env *env, int *err)
{
    struct x86_cpu *cpu = calloc(1, sizeof *cpu);
    if (!cpu) {
        *err = -ENOMEM;
        return NULL;
    }
    if (dcache_init(&cpu->dcache, X86_DCACHE_SIZE)) {
        free(cpu);
        *err = -ENOMEM;
        return NULL;
    }
    cpu->env = env;
    cpu->mmu = env->mmu;
    cpu->mmu->code_write = code_written;
    cpu->mmu->code_write_opaque = cpu;
    x86_reset(cpu);
    x86_features_init(cpu);
    cpu->irq_vector = -1;
    return cpu;
}

static void x86_destroy(void *opaque)
{
    struct x86_cpu *cpu = opaque;
    dcache_free(&cpu->dcache);
    free(cpu);
}

static void exit_simple(struct x86_cpu *cpu, enum squib_exit_kind kind)
{
    memset(cpu->exit, 0, sizeof *cpu->exit);
    cpu->exit->kind = kind;
    cpu->exit->pc = cpu->rip;
}

/* ---- threaded dispatch (x86.h, X86_TSTEP_BODY) --------------------------- */

int x86_op_tstep(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->chain_budget = 0; /* see x86_chain */
    X86_TSTEP_BODY(cpu, i, i->fn(cpu, i));
}

/* The terminator after a block's last instruction: stop there. */
static int block_end(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->stop = i;
    return X86_NEXT;
}

/* Decodes a block at linear address `pc`.  NULL with cpu->exit filled when
 * the code cannot be fetched. */
static struct x86_block *translate(struct x86_cpu *cpu, uint64_t pc)
{
    size_t cap = sizeof(struct x86_block) + (X86_BLOCK_MAX + 1) * sizeof(struct x86_insn) +
                 X86_BLOCK_MAX * 15;
    struct x86_block *b = dcache_alloc(&cpu->dcache, cap);
    if (!b) {
        dcache_flush_now(&cpu->dcache);
        mmu_unwatch_all(cpu->mmu);
        b = dcache_alloc(&cpu->dcache, cap);
    }
    b->h.pc = pc;
    b->h.key2 = cpu->mode;
    b->n = 0;
    b->checked_gen = cpu->run_gen;
    b->link[0] = b->link[1] = NULL;
    b->link_next = 0;
    uint8_t bytes[X86_BLOCK_MAX * 15];
    unsigned nbytes = 0;
    uint64_t a = pc;
    bool second_fault = false;
    while (b->n < X86_BLOCK_MAX) {
        uint8_t buf[15];
        unsigned in_page = MMU_PAGE_SIZE - (unsigned)(a & (MMU_PAGE_SIZE - 1));
        const uint8_t *p = mmu_fetch_ptr(cpu->mmu, a);
        if (!p) {
            if (b->n)
                break; /* end the block before the unfetchable byte */
            if (cpu->mmu->miss_fault) {
                x86_page_fault_exit(cpu);
                return NULL;
            }
            squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                                      "x86: instruction fetch from 0x%llx, which is not RAM "
                                      "or ROM (executing from device memory is not supported)",
                                      (unsigned long long)a);
            return NULL;
        }
        unsigned avail = in_page;
        if (in_page < 15) { /* the instruction may cross into the next page */
            memcpy(buf, p, in_page);
            const uint8_t *q = mmu_fetch_ptr(cpu->mmu, a + in_page);
            if (q) {
                memcpy(buf + in_page, q, 15 - in_page);
                avail = 15;
            }
            second_fault = !q && cpu->mmu->miss_fault;
            p = buf;
        }
        struct x86_insn *i = &b->insn[b->n];
        int len = x86_decode(p, avail, cpu->mode, i);
        x86_feature_gate(cpu, i);
        i->off = (uint16_t)nbytes;
        if (len == 0) { /* runs into non-RAM or an unmapped page */
            if (b->n)
                break;
            if (second_fault) {
                x86_page_fault_exit(cpu);
                return NULL;
            }
            squib_exit_internal_error(cpu->exit, cpu->rip, p, avail,
                                      "x86: instruction at 0x%llx runs past the end of RAM",
                                      (unsigned long long)a);
            return NULL;
        }
        mmu_watch_code(cpu->mmu, a);
        if ((a & MMU_PAGE_MASK) != ((a + i->len - 1) & MMU_PAGE_MASK))
            mmu_watch_code(cpu->mmu, a + i->len - 1);
        memcpy(bytes + nbytes, p, i->len);
        nbytes += i->len;
        b->n++;
        a += i->len;
        const struct x86_op_entry *e = x86_entry(i);
        /* INC/DEC in group 5 (FF /0 /1) do not transfer control. */
        bool ends = (e->flags & OPF_END) &&
                    !(i->map == 0 && i->opcode == 0xFF && (i->reg & 7) <= 1);
        x86_specialise(i, cpu->mode);
        if (len < 0 || ends || !e->fn || (a & (MMU_PAGE_SIZE - 1)) == 0 ||
            (a & MMU_PAGE_MASK) != (pc & MMU_PAGE_MASK))
            break;
    }
    b->nbytes = (uint16_t)nbytes;
    b->insn[b->n] = (struct x86_insn){.fn = block_end, .tfn = block_end, .off = (uint16_t)nbytes};
    memcpy(&b->insn[b->n + 1], bytes, nbytes);
    dcache_shrink_last(&cpu->dcache, b,
                       sizeof *b + (b->n + 1) * sizeof(struct x86_insn) + nbytes);
    dcache_insert(&cpu->dcache, &b->h);
    return b;
}

/* True if guest memory still holds the bytes the block was decoded from. */
static bool block_unchanged(struct x86_cpu *cpu, const struct x86_block *b)
{
    const uint8_t *want = (const uint8_t *)&b->insn[b->n + 1]; /* after the terminator */
    uint64_t a = b->h.pc;
    for (unsigned done = 0; done < b->nbytes;) {
        unsigned in_page = MMU_PAGE_SIZE - (unsigned)(a & (MMU_PAGE_SIZE - 1));
        unsigned n = b->nbytes - done < in_page ? b->nbytes - done : in_page;
        const uint8_t *p = mmu_fetch_ptr(cpu->mmu, a);
        if (!p || memcmp(p, want + done, n) != 0)
            return false;
        done += n;
        a += n;
    }
    return true;
}

/* Deals with the attention word; true if run() must return. */
bool x86_take_interrupt(struct x86_cpu *cpu)
{
    bool shadow = cpu->shadow && cpu->rip == cpu->shadow_rip;
    cpu->shadow = false; /* the shadow covers one instruction boundary */
    if (cpu->nmi_pending && !cpu->nmi_blocked && !shadow) {
        cpu->nmi_pending = false;
        cpu->nmi_blocked = true; /* until IRET (SDM 6.7.1) */
        if (x86_raise_external(cpu, 2))
            cpu->delivered = true;
        return true;
    }
    if (cpu->irq_vector >= 0 && (cpu->rflags & F_IF) && !shadow) {
        unsigned v = (unsigned)cpu->irq_vector;
        cpu->irq_vector = -1;
        if (x86_raise_external(cpu, v))
            cpu->delivered = true;
        return true;
    }
    return false;
}

/* Deals with the attention word; true if run() must return. */
static bool attend(struct x86_cpu *cpu)
{
    unsigned a = atomic_exchange(&cpu->env->attention, 0);
    if (a & CPU_ATTN_KICK) {
        if (a & CPU_ATTN_IRQ)
            atomic_fetch_or(&cpu->env->attention, CPU_ATTN_IRQ);
        exit_simple(cpu, SQUIB_EXIT_INTERRUPTED);
        return true;
    }
    if (a & CPU_ATTN_IRQ) {
        if (x86_take_interrupt(cpu)) {
            if (!cpu->delivered)
                return true; /* a triple fault: cpu->exit is a SHUTDOWN */
            cpu->delivered = false;
        }
        if (cpu->irq_vector >= 0 || cpu->nmi_pending) /* still waiting (IF=0, shadow) */
            atomic_fetch_or(&cpu->env->attention, CPU_ATTN_IRQ);
    }
    return false;
}

static int x86_interrupt(void *opaque, unsigned vector, bool nmi)
{
    struct x86_cpu *cpu = opaque;
    if (nmi) {
        cpu->nmi_pending = true;
    } else {
        if (vector > 255)
            return squib_fail(-EINVAL, "x86: interrupt vector %u is not 0-255", vector);
        if (cpu->irq_vector >= 0)
            return squib_fail(-EBUSY, "x86: vector %d is still pending; the interrupt "
                                      "controller must wait for it to be taken",
                              cpu->irq_vector);
        cpu->irq_vector = (int)vector;
    }
    atomic_fetch_or(&cpu->env->attention, CPU_ATTN_IRQ);
    return 0;
}

/* The guest's own execution breakpoints (DR0-DR3 with DR7 R/W = 00 and
 * L or G set, SDM Vol. 3, 18.2.4): the mask of those matching the linear
 * address of the next instruction. */
static unsigned guest_exec_bp(const struct x86_cpu *cpu, uint64_t lin)
{
    uint64_t dr7 = cpu->dr[7];
    unsigned hit = 0;
    for (unsigned n = 0; n < 4; n++)
        if ((dr7 >> (2 * n)) & 3 && ((dr7 >> (16 + 4 * n)) & 3) == 0 && cpu->dr[n] == lin)
            hit |= 1u << n;
    return hit;
}

static bool guest_exec_bps_enabled(const struct x86_cpu *cpu)
{
    uint64_t dr7 = cpu->dr[7];
    for (unsigned n = 0; n < 4; n++)
        if ((dr7 >> (2 * n)) & 3 && ((dr7 >> (16 + 4 * n)) & 3) == 0)
            return true;
    return false;
}

/* Breakpoints are linear addresses, as the debug registers hold them
 * (SDM Vol. 3, 18.2.4). */
static bool bp_hit(const struct x86_cpu *cpu)
{
    uint64_t lin = cpu->seg[SEG_CS].base + cpu->rip;
    if (cpu->mode != X86_MODE_LONG64)
        lin &= 0xffffffffULL;
    for (unsigned k = 0; k < cpu->debug.n_breakpoints; k++)
        if (cpu->debug.breakpoints[k] == lin)
            return true;
    return false;
}

/* x86_chain when the links name no current block at `pc` (x86.h): the
 * decode cache, else back to the run loop. */
int x86_chain_miss(struct x86_cpu *cpu, const struct x86_insn *i, uint64_t pc)
{
    struct x86_block *b = cpu->cur_blk, *n = NULL;
    if (!cpu->dcache.flush_pending)
        n = (struct x86_block *)dcache_lookup(&cpu->dcache, pc, cpu->mode);
    if (n && n->checked_gen == cpu->run_gen) {
        b->link[b->link_next] = n;
        b->link_next ^= 1;
        return x86_chain_to(cpu, n);
    }
    cpu->stop = i;
    return X86_BRANCH;
}

static void run_blocks(struct x86_cpu *cpu, struct squib_exit *e)
{
    cpu->exit = e;
    cpu->run_gen++;
    /* Complete what the previous exit left. */
    switch (cpu->pending) {
    case CPU_PENDING_MMIO_READ:
        cpu->rcache[cpu->rcache_count++] = e->mmio.data & x86_size_mask(e->mmio.size);
        break;
    case CPU_PENDING_PIO_READ:
        cpu->rcache[cpu->rcache_count++] = e->pio.data & x86_size_mask(e->pio.size);
        break;
    case CPU_PENDING_HYPERCALL:
        cpu->r[RAX] = e->hypercall.ret[0];
        break;
    case CPU_PENDING_NONE:
        break;
    }
    cpu->pending = CPU_PENDING_NONE;
    cpu->rcache_pos = 0;
    cpu->write_exit = false;
    bool debugging = cpu->debug.enable;
    if (cpu->dr_hits && debugging) {
        /* The data breakpoints the instruction that made a write exit
         * matched, under the VMM's debugging: its stop comes now. */
        exit_simple(cpu, SQUIB_EXIT_DEBUG);
        e->debug.reason = SQUIB_DEBUG_WATCHPOINT;
        e->debug.addr = cpu->dr[__builtin_ctz(cpu->dr_hits)];
        cpu->dr[6] = (cpu->dr[6] & ~0xfULL) | cpu->dr_hits;
        cpu->dr_hits = 0;
        return;
    }
    if (cpu->tf_trap_pending || cpu->dr_hits) {
        /* The #DB trap of the instruction that made a write exit: DR6.BS
         * for TF, DR6.Bn for the data breakpoints it matched. */
        if (cpu->tf_trap_pending)
            cpu->dr[6] |= 1u << 14;
        if (cpu->dr_hits)
            cpu->dr[6] = (cpu->dr[6] & ~0xfULL) | cpu->dr_hits;
        cpu->tf_trap_pending = false;
        cpu->dr_hits = 0;
        if (!x86_raise(cpu, 1, 0, false))
            return;
    }
    if (cpu->step_pending) {
        /* The instruction that made a write exit completed before it; its
         * single-step stop comes now (as the hardware's #DB after OUT). */
        cpu->step_pending = false;
        if (debugging && cpu->debug.single_step) {
            exit_simple(cpu, SQUIB_EXIT_DEBUG);
            e->debug.reason = SQUIB_DEBUG_SINGLE_STEP;
            return;
        }
    }

    struct x86_block *prev = NULL; /* the block just run, to link its successor to */
    uint64_t prev_flushes = 0;
    for (;;) {
        if (atomic_load_explicit(&cpu->env->attention, memory_order_relaxed) && attend(cpu))
            return;
        if (debugging && cpu->debug.n_breakpoints && bp_hit(cpu) && !cpu->bp_skip) {
            exit_simple(cpu, SQUIB_EXIT_DEBUG);
            e->debug.reason = SQUIB_DEBUG_BREAKPOINT;
            e->debug.addr = cpu->seg[SEG_CS].base + cpu->rip;
            cpu->bp_skip = true; /* resume past it, as RF does (SDM Vol. 3, 18.3.1.1) */
            return;
        }
        cpu->bp_skip = false;
        uint64_t pc = cpu->seg[SEG_CS].base + cpu->rip;
        if (cpu->mode != X86_MODE_LONG64)
            pc &= 0xffffffffULL;
        /* One instruction at a time while the guest single-steps itself
         * (TF) or has execution breakpoints armed, as under guest debug. */
        bool guest_tf = cpu->rflags & F_TF;
        bool slow = debugging || guest_tf ||
                    (cpu->dr[7] & 0xff && (cpu->dr_data || guest_exec_bps_enabled(cpu)));
        if (slow && !(cpu->rflags & F_RF)) {
            unsigned hit = guest_exec_bp(cpu, pc);
            if (hit) {
                /* An instruction breakpoint is a fault (SDM 18.3.1.1): DR6.Bn;
                 * RF stays clear in the pushed RFLAGS (the handler sets it to
                 * resume past the breakpoint).  A VMM resumes with RF set. */
                cpu->dr[6] = (cpu->dr[6] & ~0xfULL) | hit;
                if (debugging) {
                    exit_simple(cpu, SQUIB_EXIT_DEBUG);
                    e->debug.reason = SQUIB_DEBUG_BREAKPOINT;
                    e->debug.addr = pc;
                    cpu->rflags |= F_RF;
                    return;
                }
                if (!x86_raise(cpu, 1, 0, false))
                    return;
                continue;
            }
        }
        /* The successor of the block just run, from its links, else the
         * decode cache (and then linked).  Links are only followed while
         * the cache has not been flushed since `prev` was found. */
        struct x86_block *b = NULL;
        bool linkable = prev && !cpu->dcache.flush_pending && cpu->dcache.flushes == prev_flushes;
        if (linkable)
            b = x86_linked(prev, pc, cpu->mode);
        if (!b) {
            b = (struct x86_block *)dcache_lookup(&cpu->dcache, pc, cpu->mode);
            if (b && linkable && cpu->dcache.flushes == prev_flushes) {
                prev->link[prev->link_next] = b;
                prev->link_next ^= 1;
            }
        }
        prev = NULL;
        if (b && b->checked_gen != cpu->run_gen) {
            /* First use in this run: the VMM may have rewritten the code. */
            if (block_unchanged(cpu, b)) {
                b->checked_gen = cpu->run_gen;
            } else {
                b->h.pc = MMU_TAG_INVALID; /* never found again */
                b = NULL;
            }
        }
        if (!b && !(b = translate(cpu, pc))) {
            if (cpu->delivered) { /* a fetch fault went to its handler */
                cpu->delivered = false;
                continue;
            }
            return;
        }
        /* RF lasts one instruction (SDM Vol. 3, 18.3.1.1), and the read
         * cache answers only the first instruction of a run: a block entered
         * with either runs that one instruction alone. */
        bool rf = cpu->rflags & F_RF;
        bool one = slow || rf || cpu->rcache_count;
        uint64_t flushes = cpu->dcache.flushes; /* b stays valid while this holds */
        const struct x86_insn *i = b->insn;
        for (;;) {
            int r;
            if (one) {
                /* IP wraps at the code segment's size (mode may change mid-run). */
                cpu->next_rip = (cpu->rip + i->len) & x86_ip_mask(cpu);
                r = i->fn(cpu, i);
            } else {
                /* The block, threaded: each instruction goes on to the next
                 * itself, as the X86_NEXT case below would. */
                cpu->block_rip = cpu->rip;
                cpu->cur_blk = b;
                /* Chaining needs what the in-loop chaining below checks. */
                cpu->chain_budget = !(cpu->rflags & (F_TF | F_RF)) && !(cpu->dr[7] & 0xff) &&
                                            !cpu->dcache.flush_pending
                                        ? 64
                                        : 0;
                r = i->tfn(cpu, i);
                b = cpu->cur_blk; /* the branch twins may have gone on to others */
                i = cpu->stop;
                if (r == X86_NEXT) { /* at the end, or stopped by the attention word */
                    cpu->rip = (cpu->block_rip + i->off) & x86_ip_mask(cpu);
                    prev = b;
                    prev_flushes = flushes;
                    break;
                }
            }
            if (r == X86_NEXT) { /* the one instruction */
                cpu->rip = cpu->next_rip;
                x86_commit(cpu);
                if (rf)
                    cpu->rflags &= ~(uint64_t)F_RF;
                break;
            }
            if (r == X86_BRANCH) {
                x86_commit(cpu);
                if (!(i->opcode == 0xCF && !i->map)) /* IRET may have set RF on purpose */
                    cpu->rflags &= ~(uint64_t)F_RF;
                if (one)
                    break;
                /* Block chaining inside the loop: straight on to a linked
                 * successor when nothing needs the outer loop (no attention,
                 * no TF/RF, no execution breakpoints, no flush since b). */
                uint64_t npc = cpu->seg[SEG_CS].base + cpu->rip;
                if (cpu->mode != X86_MODE_LONG64)
                    npc &= 0xffffffffULL;
                if (!atomic_load_explicit(&cpu->env->attention, memory_order_relaxed) &&
                    !(cpu->rflags & (F_TF | F_RF)) && !(cpu->dr[7] & 0xff) &&
                    !cpu->dcache.flush_pending && cpu->dcache.flushes == flushes) {
                    struct x86_block *n = x86_linked(b, npc, cpu->mode);
                    if (n && n->checked_gen == cpu->run_gen) {
                        b = n;
                        i = b->insn;
                        continue;
                    }
                }
                prev = b;
                prev_flushes = flushes;
                break;
            }
            if (r == X86_EXIT) {
                cpu->dr_hits = 0; /* not completed: matched again when it is */
                if (cpu->delivered) {
                    /* An exception was delivered: go on at its handler. */
                    cpu->delivered = false;
                    cpu->write_exit = false;
                    cpu->pending = CPU_PENDING_NONE;
                    x86_commit(cpu);
                    break;
                }
                return; /* not done: run again at the same rip */
            }
            if (r == X86_EXIT_DONE)
                cpu->rip = cpu->next_rip;
            x86_commit(cpu);
            /* A completed write owes its single-step stop; HLT does not (KVM
             * reports the HLT alone).  The guest's own TF trap comes on the
             * next run too. */
            cpu->step_pending = debugging && e->kind != SQUIB_EXIT_HLT;
            cpu->tf_trap_pending = guest_tf && !debugging && e->kind != SQUIB_EXIT_HLT;
            return;
        }
        if (cpu->dr_hits) {
            /* Data breakpoints are traps (SDM Vol. 3, 18.3.1.2): DR6.Bn,
             * after the instruction, before its single-step trap (one #DB
             * reports both). */
            uint8_t hits = cpu->dr_hits;
            cpu->dr_hits = 0;
            cpu->dr[6] = (cpu->dr[6] & ~0xfULL) | hits;
            if (debugging) {
                exit_simple(cpu, SQUIB_EXIT_DEBUG);
                e->debug.reason = SQUIB_DEBUG_WATCHPOINT;
                unsigned n = (unsigned)__builtin_ctz(hits);
                e->debug.addr = cpu->dr[n];
                return;
            }
            if (guest_tf)
                cpu->dr[6] |= 1u << 14;
            if (!x86_raise(cpu, 1, 0, false))
                return;
            continue;
        }
        if (debugging && cpu->debug.single_step) {
            exit_simple(cpu, SQUIB_EXIT_DEBUG);
            e->debug.reason = SQUIB_DEBUG_SINGLE_STEP;
            return;
        }
        if (guest_tf && !debugging) {
            /* The single-step trap after the instruction (SDM 18.3.1.4):
             * DR6.BS, delivered with the address of the next instruction. */
            cpu->dr[6] |= 1u << 14;
            if (!x86_raise(cpu, 1, 0, false))
                return;
        }
    }
}

static void x86_run(void *opaque, struct squib_exit *e)
{
    struct x86_cpu *cpu = opaque;
    run_blocks(cpu, e);
    x86_flags_sync(cpu); /* the VMM reads exact RFLAGS */
}

/* ---- registers ---------------------------------------------------------- */

static void seg_to_api(const struct x86_segment *s, struct squib_x86_segment *o)
{
    o->base = s->base;
    o->limit = s->limit;
    o->selector = s->sel;
    o->type = s->attr & 0xf;
    o->s = (s->attr >> 4) & 1;
    o->dpl = (s->attr >> 5) & 3;
    o->present = (s->attr >> 7) & 1;
    o->avl = (s->attr >> 12) & 1;
    o->l = (s->attr >> 13) & 1;
    o->db = (s->attr >> 14) & 1;
    o->g = (s->attr >> 15) & 1;
    o->unusable = !o->present;
}

static void seg_from_api(struct x86_segment *s, const struct squib_x86_segment *o)
{
    s->base = o->base;
    s->limit = o->limit;
    s->sel = o->selector;
    s->attr = (uint16_t)((o->type & 0xf) | (o->s & 1) << 4 | (o->dpl & 3) << 5 |
                         (o->present & 1) << 7 | (o->avl & 1) << 12 | (o->l & 1) << 13 |
                         (o->db & 1) << 14 | (o->g & 1) << 15);
}

/* Derives the decoding mode, the privilege level the MMU checks and the
 * translation hook from CR0, EFER, CS and SS; drops translations and
 * decoded code, which may all have changed meaning. */
void x86_mode_changed(struct x86_cpu *cpu)
{
    cpu->mode = x86_derive_mode(cpu);
    bool paging = (cpu->cr0 & 0x80000001u) == 0x80000001u;
    cpu->mmu->translate = paging ? x86_translate : NULL;
    cpu->mmu->translate_opaque = cpu;
    mmu_set_user(cpu->mmu, x86_cpl(cpu) == 3);
    mmu_flush(cpu->mmu);
    dcache_invalidate(&cpu->dcache);
}

void x86_page_fault_exit(struct x86_cpu *cpu)
{
    if (cpu->pf_nonram) {
        squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                                  "x86: the page walk for 0x%llx reads a paging-structure entry "
                                  "at 0x%llx, which is not RAM",
                                  (unsigned long long)cpu->pf_addr,
                                  (unsigned long long)cpu->pf_nonram_addr);
        return;
    }
    /* #PF (SDM 4.7): CR2 = the linear address, then delivery; the faulting
     * instruction is restarted by the handler's IRET. */
    cpu->cr2 = cpu->pf_addr;
    if (x86_raise(cpu, 14, cpu->pf_error, false))
        cpu->delivered = true;
}
/* squib_x86_regs order: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 */
static const uint8_t api_order[16] = {RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP,
                                      R8,  R9,  R10, R11, R12, R13, R14, R15};

static int x86_get_regs(void *opaque, enum squib_regset set, void *buf)
{
    struct x86_cpu *cpu = opaque;
    switch (set) {
    case SQUIB_REGSET_X86_GPR: {
        struct squib_x86_regs *g = buf;
        uint64_t *f = &g->rax;
        for (int k = 0; k < 16; k++)
            f[k] = cpu->r[api_order[k]];
        g->rip = cpu->rip;
        g->rflags = cpu->rflags;
        return 0;
    }
    case SQUIB_REGSET_X86_SYS: {
        struct squib_x86_sregs *s = buf;
        memset(s, 0, sizeof *s);
        seg_to_api(&cpu->seg[SEG_CS], &s->cs);
        seg_to_api(&cpu->seg[SEG_DS], &s->ds);
        seg_to_api(&cpu->seg[SEG_ES], &s->es);
        seg_to_api(&cpu->seg[SEG_FS], &s->fs);
        seg_to_api(&cpu->seg[SEG_GS], &s->gs);
        seg_to_api(&cpu->seg[SEG_SS], &s->ss);
        seg_to_api(&cpu->tr, &s->tr);
        seg_to_api(&cpu->ldtr, &s->ldt);
        s->gdt = (struct squib_x86_dtable){cpu->gdtr.base, (uint16_t)cpu->gdtr.limit};
        s->idt = (struct squib_x86_dtable){cpu->idtr.base, (uint16_t)cpu->idtr.limit};
        s->cr0 = cpu->cr0;
        s->cr2 = cpu->cr2;
        s->cr3 = cpu->cr3;
        s->cr4 = cpu->cr4;
        s->cr8 = cpu->cr8;
        s->efer = cpu->efer;
        s->apic_base = cpu->apic_base;
        return 0;
    }
    case SQUIB_REGSET_X86_FPU:
        memcpy(buf, cpu->fpu_image, sizeof cpu->fpu_image);
        return 0;
    default:
        return squib_fail(-EINVAL, "x86: unknown register set %d", (int)set);
    }
}

static int x86_set_regs(void *opaque, enum squib_regset set, const void *buf)
{
    struct x86_cpu *cpu = opaque;
    switch (set) {
    case SQUIB_REGSET_X86_GPR: {
        const struct squib_x86_regs *g = buf;
        const uint64_t *f = &g->rax;
        for (int k = 0; k < 16; k++)
            cpu->r[api_order[k]] = f[k];
        cpu->rip = g->rip;
        uint64_t old = cpu->rflags;
        cpu->rflags = (g->rflags & 0x3f7fd7) | 2;
        cpu->lf_op = LF_NONE;
        if ((old ^ cpu->rflags) & (1u << 17)) /* VM: virtual-8086 mode */
            x86_mode_changed(cpu);
        return 0;
    }
    case SQUIB_REGSET_X86_SYS: {
        const struct squib_x86_sregs *s = buf;
        seg_from_api(&cpu->seg[SEG_CS], &s->cs);
        seg_from_api(&cpu->seg[SEG_DS], &s->ds);
        seg_from_api(&cpu->seg[SEG_ES], &s->es);
        seg_from_api(&cpu->seg[SEG_FS], &s->fs);
        seg_from_api(&cpu->seg[SEG_GS], &s->gs);
        seg_from_api(&cpu->seg[SEG_SS], &s->ss);
        seg_from_api(&cpu->tr, &s->tr);
        seg_from_api(&cpu->ldtr, &s->ldt);
        cpu->gdtr = (struct x86_segment){.base = s->gdt.base, .limit = s->gdt.limit};
        cpu->idtr = (struct x86_segment){.base = s->idt.base, .limit = s->idt.limit};
        cpu->cr0 = s->cr0;
        cpu->cr2 = s->cr2;
        cpu->cr3 = s->cr3;
        cpu->cr4 = s->cr4;
        cpu->cr8 = s->cr8;
        cpu->efer = s->efer;
        cpu->apic_base = s->apic_base;
        x86_debug_regs_changed(cpu);
        x86_mode_changed(cpu);
        return 0;
    }
    case SQUIB_REGSET_X86_FPU:
        memcpy(cpu->fpu_image, buf, sizeof cpu->fpu_image);
        return 0;
    default:
        return squib_fail(-EINVAL, "x86: unknown register set %d", (int)set);
    }
}

/* One-register access from the VMM (SQUIB_REG_X86_MSR): every MSR the
 * guest's RDMSR/WRMSR know (sys_cr.c), with their value checks, as KVM's
 * KVM_GET/SET_MSRS; EFER is written whole, LMA included, as a VMM restoring
 * state must (KVM's host-initiated writes allow it too). */
enum { MSR_EFER = 0xC0000080 };

static int x86_get_one_reg(void *opaque, uint64_t id, uint64_t *value)
{
    struct x86_cpu *cpu = opaque;
    if (SQUIB_REG_IS_X86_CPUID(id))
        return x86_cpuid_get_reg(cpu, id, value);
    if (id == SQUIB_REG_X86_XCR(0)) {
        *value = cpu->xcr0;
        return 0;
    }
    if (!SQUIB_REG_IS_X86_MSR(id) || !x86_msr_read(cpu, (uint32_t)id, value))
        return squib_fail(-ENOENT, "x86 interpreter: register id 0x%llx is not an MSR, CPUID "
                          "word or XCR this CPU model has", (unsigned long long)id);
    return 0;
}

static int x86_set_one_reg(void *opaque, uint64_t id, uint64_t value)
{
    struct x86_cpu *cpu = opaque;
    uint64_t old;
    if (SQUIB_REG_IS_X86_CPUID(id))
        return x86_cpuid_set_reg(cpu, id, value);
    if (id == SQUIB_REG_X86_XCR(0)) {
        /* XSETBV's rule (SDM Vol. 2): bit 0 set, only supported components. */
        if (value != 1)
            return squib_fail(-EINVAL, "x86 interpreter: XCR0 = 0x%llx: this CPU has the x87 "
                              "state component only (XCR0 = 1) until the SSE work",
                              (unsigned long long)value);
        cpu->xcr0 = value;
        return 0;
    }
    if (!SQUIB_REG_IS_X86_MSR(id) || !x86_msr_read(cpu, (uint32_t)id, &old))
        return squib_fail(-ENOENT, "x86 interpreter: register id 0x%llx is not an MSR, CPUID "
                          "word or XCR this CPU model has", (unsigned long long)id);
    if ((uint32_t)id == MSR_EFER) {
        cpu->efer = value;
        x86_mode_changed(cpu);
        return 0;
    }
    if (!x86_msr_write(cpu, (uint32_t)id, value))
        return squib_fail(-EINVAL, "x86 interpreter: 0x%llx is not a valid value for MSR 0x%x",
                          (unsigned long long)value, (uint32_t)id);
    return 0;
}

static int x86_set_guest_debug(void *opaque, const struct squib_guest_debug *dbg)
{
    struct x86_cpu *cpu = opaque;
    cpu->debug = *dbg;
    cpu->bp_skip = false;
    return 0;
}

const struct cpu_core_ops x86_core_ops = {
    .arch = SQUIB_ARCH_X86_64,
    .name = "x86-64",
    .create = x86_create,
    .destroy = x86_destroy,
    .run = x86_run,
    .get_regs = x86_get_regs,
    .set_regs = x86_set_regs,
    .get_one_reg = x86_get_one_reg,
    .set_one_reg = x86_set_one_reg,
    .set_guest_debug = x86_set_guest_debug,
    .interrupt = x86_interrupt,
};
