/* cpu/x86/exception.c: delivering exceptions and interrupts (Intel SDM
 * Vol. 3, chapter 6): the real-mode IVT (20.1.4), 32-bit protected-mode
 * interrupt, trap and task gates (6.12) and 64-bit IDT gates with IST and stack
 * switching (6.14); the double-fault rules of Table 6-5 and the triple fault
 * that ends the run as a SHUTDOWN exit.
 *
 * Descriptor tables, the TSS and the new stack are accessed as implicit
 * supervisor accesses (the supervisor TLB), whatever the CPL.
 */
#include "cpu/x86/x86.h"

#include <string.h>

bool x86_sys_access(struct x86_cpu *cpu, uint64_t lin, void *buf, unsigned len, bool write)
{
    struct mmu *m = cpu->mmu;
    struct mmu_tlb_entry(*saved)[MMU_TLB_WAYS] = m->cur;
    mmu_set_user(m, false);
    cpu->implicit_supervisor = true; /* for the walker (paging.c) */
    bool ok = write ? mmu_write(m, lin, buf, len) : mmu_read(m, lin, buf, len);
    cpu->implicit_supervisor = false;
    m->cur = saved;
    return ok;
}

static bool sys_read(struct x86_cpu *cpu, uint64_t lin, void *buf, unsigned len)
{
    return x86_sys_access(cpu, lin, buf, len, false);
}

bool x86_descriptor_words(struct x86_cpu *cpu, uint16_t sel, uint32_t *d, unsigned n)
{
    const struct x86_segment *table = (sel & 4) ? &cpu->ldtr : &cpu->gdtr;
    uint32_t off = sel & ~7u;
    return off + 4 * n - 1 <= table->limit && sys_read(cpu, table->base + off, d, 4 * n);
}

/* Loads a code or data descriptor's hidden part from the GDT/LDT. */
bool x86_read_descriptor(struct x86_cpu *cpu, uint16_t sel, struct x86_segment *out)
{
    uint32_t w[2];
    if (!x86_descriptor_words(cpu, sel, w, 2))
        return false;
    uint8_t d[8];
    memcpy(d, w, 8);
    uint32_t limit = d[0] | d[1] << 8 | (uint32_t)(d[6] & 0xf) << 16;
    out->sel = sel;
    out->base = d[2] | d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24;
    out->attr = (uint16_t)(d[5] | (d[6] >> 4) << 12);
    out->limit = (out->attr & (1u << 15)) ? (limit << 12) | 0xfff : limit;
    return true;
}

enum { DPL_SHIFT = 5 };
static unsigned seg_dpl(const struct x86_segment *s) { return (s->attr >> DPL_SHIFT) & 3; }
static bool seg_present(const struct x86_segment *s) { return s->attr & 0x80; }

void x86_privilege_changed(struct x86_cpu *cpu)
{
    cpu->mode = x86_derive_mode(cpu);
    mmu_set_user(cpu->mmu, x86_cpl(cpu) == 3);
}

static bool has_error_code(unsigned vec)
{
    return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30;
}

static bool contributory(unsigned vec)
{
    return vec == 0 || (vec >= 10 && vec <= 13);
}

/* The fault-class exceptions (SDM Vol. 3, Table 6-1), less #DB, whose
 * instruction-breakpoint fault leaves RF to the handler. */
static bool fault_class(unsigned vec)
{
    return vec == 0 || vec == 5 || vec == 6 || vec == 7 || (vec >= 10 && vec <= 14) ||
           vec == 16 || vec == 17 || vec == 19 || vec == 20 || vec == 21;
}

/* Pushes on the stack being built; false if the push faulted. */
struct frame {
    uint64_t sp, base;
    unsigned mask_bytes; /* 2, 4, 8: the stack's address size */
};

static bool push(struct x86_cpu *cpu, struct frame *f, unsigned size, uint64_t v)
{
    f->sp = (f->sp - size) & (f->mask_bytes == 8 ? ~0ULL : f->mask_bytes == 4 ? 0xffffffffULL : 0xffffULL);
    return x86_sys_access(cpu, f->base + f->sp, &v, size, true);
}

/* One delivery attempt; returns 0, or the vector of a fault it raised
 * (with *err its error code). */
static int deliver(struct x86_cpu *cpu, unsigned vec, uint32_t err, bool has_err, bool soft,
                   bool fault, uint64_t ret_rip, uint32_t *nerr)
{
    /* A fault's frame has RF set, so that the restarted instruction does
     * not hit its instruction breakpoint again (SDM Vol. 3, 18.3.1.1). */
    uint64_t flags = cpu->rflags | (fault ? F_RF : 0);
    uint32_t ext = soft ? 0 : 1;
    uint32_t idt_err = vec * 8 + 2 + ext;

    if (cpu->mode == X86_MODE_REAL) {
        /* IVT: 4-byte entries offset:segment (SDM 20.1.4). */
        uint8_t e[4];
        if (vec * 4 + 3 > cpu->idtr.limit || !sys_read(cpu, cpu->idtr.base + vec * 4, e, 4)) {
            *nerr = 0;
            return 13;
        }
        struct frame f = {cpu->r[RSP] & 0xffff, cpu->seg[SEG_SS].base, 2};
        if (!push(cpu, &f, 2, flags) || !push(cpu, &f, 2, cpu->seg[SEG_CS].sel) ||
            !push(cpu, &f, 2, ret_rip)) {
            *nerr = 0;
            return 12;
        }
        cpu->r[RSP] = (cpu->r[RSP] & ~0xffffULL) | f.sp;
        cpu->rflags &= ~(uint64_t)(F_IF | F_TF | F_AC);
        x86_load_seg_real(cpu, SEG_CS, (uint16_t)(e[2] | e[3] << 8));
        cpu->rip = e[0] | e[1] << 8;
        return 0;
    }

    bool long64 = cpu->efer & (1u << 10);
    unsigned gsize = long64 ? 16 : 8;
    uint8_t g[16];
    if (vec * gsize + gsize - 1 > cpu->idtr.limit) {
        *nerr = idt_err;
        return 13;
    }
    if (!sys_read(cpu, cpu->idtr.base + vec * gsize, g, gsize)) {
        *nerr = 0;
        return 14;
    }
    unsigned type = g[5] & 0xf, gdpl = (g[5] >> 5) & 3;
    bool gate32 = type == 0xE || type == 0xF, gate16 = type == 6 || type == 7;
    bool task = !long64 && type == 5;
    if (long64 ? !gate32 : !(gate32 || gate16 || task)) {
        *nerr = idt_err;
        return 13;
    }
    int cpl = (int)x86_cpl(cpu);
    if (soft && (int)gdpl < cpl) {
        *nerr = idt_err;
        return 13;
    }
    if (!(g[5] & 0x80)) {
        *nerr = idt_err;
        return 11;
    }
    uint16_t csel = (uint16_t)(g[2] | g[3] << 8);
    if (task) {
        /* A task gate: a task switch to the TSS it names, which gets the
         * error code on its stack (SDM 6.12.2). */
        int v = x86_task_switch(cpu, csel, X86_TASK_INT, ret_rip, has_err, err, nerr);
        if (v > 0 && *nerr != 0)
            *nerr += ext;
        return v;
    }
    uint64_t target = g[0] | g[1] << 8 | (uint32_t)g[6] << 16 | (uint32_t)g[7] << 24;
    if (long64)
        target |= (uint64_t)(g[8] | g[9] << 8 | (uint32_t)g[10] << 16 | (uint32_t)g[11] << 24) << 32;
    unsigned ist = long64 ? (g[4] & 7) : 0;
    struct x86_segment cs;
    if ((csel & ~3u) == 0 || !x86_read_descriptor(cpu, csel, &cs) || !(cs.attr & 0x10) ||
        !(cs.attr & 0x8) || (int)seg_dpl(&cs) > cpl ||
        (long64 && (!(cs.attr & (1u << 13)) || (cs.attr & (1u << 14))))) {
        *nerr = (csel & ~3u) + ext;
        return 13;
    }
    if (!seg_present(&cs)) {
        *nerr = (csel & ~3u) + ext;
        return 11;
    }
    unsigned ncpl = (cs.attr & 0x4) ? (unsigned)cpl : seg_dpl(&cs); /* conforming keeps CPL */
    /* From virtual-8086 mode only to ring 0 (SDM Vol. 3, 20.3.1.1). */
    bool from_vm86 = cpu->mode == X86_MODE_VM86;
    if (from_vm86 && ncpl != 0) {
        *nerr = (csel & ~3u) + ext;
        return 13;
    }
    bool stack_switch = (int)ncpl < cpl || ist;
    struct x86_segment ss = cpu->seg[SEG_SS];
    uint64_t old_ss = cpu->seg[SEG_SS].sel, old_sp = cpu->r[RSP];
    struct frame f;
    if (long64) {
        /* 64-bit TSS: RSPn at 4 + 8n, ISTn at 0x24 + 8(n-1) (SDM 8.7). */
        uint64_t sp = cpu->r[RSP];
        if (stack_switch) {
            uint64_t at = ist ? 0x24 + 8 * (ist - 1) : 4 + 8 * ncpl;
            if (at + 7 > cpu->tr.limit || !sys_read(cpu, cpu->tr.base + at, &sp, 8)) {
                *nerr = (cpu->tr.sel & ~3u) + ext;
                return 10;
            }
            if ((int)ncpl < cpl) {
                memset(&ss, 0, sizeof ss);
                ss.sel = (uint16_t)ncpl; /* a null selector with RPL = new CPL */
                ss.attr = (uint16_t)(0x93 | ncpl << DPL_SHIFT | 1u << 14);
                ss.limit = 0xffffffff;
            }
        }
        f = (struct frame){sp & ~0xfULL, 0, 8};
        bool ok = push(cpu, &f, 8, old_ss) && push(cpu, &f, 8, old_sp) && push(cpu, &f, 8, flags) &&
                  push(cpu, &f, 8, cpu->seg[SEG_CS].sel) && push(cpu, &f, 8, ret_rip) &&
                  (!has_err || push(cpu, &f, 8, err));
        if (!ok) {
            *nerr = ext;
            return 12;
        }
    } else {
        unsigned w = gate32 ? 4 : 2;
        uint64_t sp = cpu->r[RSP];
        if ((int)ncpl < cpl) {
            /* 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n (SDM 8.2.1). */
            uint32_t esp;
            uint16_t nss;
            if (8 + 8 * ncpl + 1 > cpu->tr.limit || !sys_read(cpu, cpu->tr.base + 4 + 8 * ncpl, &esp, 4) ||
                !sys_read(cpu, cpu->tr.base + 8 + 8 * ncpl, &nss, 2) ||
                !x86_read_descriptor(cpu, nss, &ss)) {
                *nerr = (cpu->tr.sel & ~3u) + ext;
                return 10;
            }
            sp = esp;
        }
        f = (struct frame){sp, ss.base, (ss.attr & (1u << 14)) ? 4u : 2u};
        bool ok = true;
        if (from_vm86) /* the real-mode segment registers go on the stack */
            ok = push(cpu, &f, w, cpu->seg[SEG_GS].sel) && push(cpu, &f, w, cpu->seg[SEG_FS].sel) &&
                 push(cpu, &f, w, cpu->seg[SEG_DS].sel) && push(cpu, &f, w, cpu->seg[SEG_ES].sel);
        if ((int)ncpl < cpl)
            ok = ok && push(cpu, &f, w, old_ss) && push(cpu, &f, w, old_sp);
        ok = ok && push(cpu, &f, w, flags) && push(cpu, &f, w, cpu->seg[SEG_CS].sel) &&
             push(cpu, &f, w, ret_rip) && (!has_err || push(cpu, &f, w, err));
        if (!ok) {
            *nerr = ext;
            return 12;
        }
    }
    /* Commit: the new stack, code segment and flags. */
    cpu->seg[SEG_SS] = ss;
    cs.sel = (uint16_t)((csel & ~3u) | ncpl);
    cpu->seg[SEG_CS] = cs;
    cpu->r[RSP] = long64 ? f.sp : (cpu->r[RSP] & ~x86_size_mask(f.mask_bytes)) | f.sp;
    cpu->rflags &= ~(uint64_t)(F_TF | (1u << 14) | (1u << 16) | (1u << 17)); /* TF NT RF VM */
    if (from_vm86) /* and they are null in the handler */
        for (int k = SEG_ES; k <= SEG_GS; k++)
            if (k != SEG_CS && k != SEG_SS)
                cpu->seg[k] = (struct x86_segment){0};
    if ((type & 1) == 0)
        cpu->rflags &= ~(uint64_t)F_IF; /* interrupt gate */
    cpu->rip = long64 ? target : (target & (gate32 ? 0xffffffffULL : 0xffffULL));
    x86_privilege_changed(cpu);
    return 0;
}

static bool raise(struct x86_cpu *cpu, unsigned vec, uint32_t err, bool soft, bool external,
                  uint64_t ret_rip)
{
    /* Software and external interrupts push no error code, whatever the
     * vector (SDM 6.13). */
    bool has_err = !soft && !external && has_error_code(vec);
    unsigned first = vec;
    x86_flags_sync(cpu); /* the frame holds the exact RFLAGS */
    for (int depth = 0;; depth++) {
        uint32_t nerr = 0;
        /* A fault while delivering returns to the instruction (cpu->rip). */
        int fault = deliver(cpu, vec, err, has_err, soft, !soft && !external && fault_class(vec),
                            depth ? cpu->rip : ret_rip, &nerr);
        if (!fault)
            return true;
        /* A fault while delivering: SDM Table 6-5. */
        if (vec == 8 || depth >= 2) {
            memset(cpu->exit, 0, sizeof *cpu->exit);
            cpu->exit->kind = SQUIB_EXIT_SHUTDOWN;
            cpu->exit->pc = cpu->rip;
            cpu->exit->shutdown.reason = SQUIB_SHUTDOWN_TRIPLE_FAULT;
            return false;
        }
        bool df = (contributory(first) && contributory((unsigned)fault)) ||
                  (first == 14 && (fault == 14 || contributory((unsigned)fault)));
        soft = false;
        if (df) {
            vec = 8;
            err = 0;
        } else {
            vec = (unsigned)fault;
            err = nerr;
        }
        has_err = has_error_code(vec);
        first = vec;
    }
}

bool x86_raise(struct x86_cpu *cpu, unsigned vec, uint32_t err, bool soft)
{
    return raise(cpu, vec, err, soft, false, cpu->rip);
}

bool x86_raise_soft(struct x86_cpu *cpu, unsigned vec, uint64_t next_rip)
{
    return raise(cpu, vec, 0, true, false, next_rip);
}

bool x86_raise_external(struct x86_cpu *cpu, unsigned vec)
{
    return raise(cpu, vec, 0, false, true, cpu->rip);
}
