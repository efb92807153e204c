/* cpu/x86/sys_task.c: hardware task switching (Intel SDM Vol. 3, chapter 8:
 * 8.3 "Task Switching", 8.4 "Task Linking"; Vol. 2, JMP/CALL "TASK-SWITCH"
 * and IRET "TASK-RETURN") in legacy protected mode, to and from 16- and
 * 32-bit TSSs: JMP or CALL to a TSS descriptor or a task gate, an interrupt
 * or exception through a task gate in the IDT, and IRET with NT = 1.  IA-32e
 * mode has no task switching (callers raise #GP there).
 *
 * The order is the SDM's: checks that fault in the old task (the new TSS
 * descriptor: #GP/#TS/#NP with its selector), then the old task's state is
 * saved, the busy flags and the back link updated, TR and CR0.TS set, and
 * the new state loaded; faults while loading the new task's segments are
 * #TS/#NP/#SS in the context of the new task.
 */
#include "cpu/x86/x86.h"

#include <string.h>

/* Where the dynamic fields live in each TSS format (SDM Figures 8-2, 8-11). */
struct tss_layout {
    unsigned width;     /* 4 (32-bit TSS) or 2 (16-bit) */
    unsigned min_limit; /* 0x67 or 0x2B */
    unsigned ip, flags, gpr, sreg, ldt, nsregs;
};

static const struct tss_layout tss32 = {4, 0x67, 0x20, 0x24, 0x28, 0x48, 0x60, 6};
static const struct tss_layout tss16 = {2, 0x2B, 0x0E, 0x10, 0x12, 0x22, 0x2A, 4};

enum { F_NT = 1u << 14, F_VM = 1u << 17, CR0_TS = 1u << 3 };

static int fail(uint32_t *nerr, int vec, uint32_t err)
{
    *nerr = err;
    return vec;
}

/* Sets or clears the busy flag (type bit 1) of the TSS descriptor `sel`. */
static void set_busy(struct x86_cpu *cpu, uint16_t sel, bool busy)
{
    uint8_t b;
    uint64_t at = cpu->gdtr.base + (sel & ~7u) + 5;
    if (x86_sys_access(cpu, at, &b, 1, false)) {
        b = busy ? b | 2 : b & ~2;
        x86_sys_access(cpu, at, &b, 1, true);
    }
}

/* Loads segment register `seg` of the new task from `sel` (SDM 8.3, step
 * 12, and Table 8-1's faults); 0 or a fault vector with *nerr. */
static int load_task_seg(struct x86_cpu *cpu, int seg, uint16_t sel, unsigned cpl, uint32_t *nerr)
{
    struct x86_segment d;
    uint32_t e = sel & ~3u;
    bool null = (sel & ~3u) == 0;
    if (seg == SEG_CS || seg == SEG_SS) {
        if (null || !x86_read_descriptor(cpu, sel, &d) || !(d.attr & 0x10))
            return fail(nerr, 10, e);
        unsigned dpl = (d.attr >> 5) & 3;
        if (seg == SEG_CS) {
            bool conforming = d.attr & 4;
            if (!(d.attr & 8) || (conforming ? dpl > cpl : dpl != cpl))
                return fail(nerr, 10, e);
            if (!(d.attr & 0x80))
                return fail(nerr, 11, e);
        } else {
            if ((d.attr & 8) || !(d.attr & 2) || dpl != cpl || (sel & 3u) != cpl)
                return fail(nerr, 10, e);
            if (!(d.attr & 0x80))
                return fail(nerr, 12, e);
        }
    } else if (null) {
        d = (struct x86_segment){.sel = sel}; /* usable no more */
    } else {
        if (!x86_read_descriptor(cpu, sel, &d) || !(d.attr & 0x10) ||
            ((d.attr & 8) && !(d.attr & 2)))
            return fail(nerr, 10, e);
        unsigned dpl = (d.attr >> 5) & 3;
        bool conforming_code = (d.attr & 0xc) == 0xc;
        if (!conforming_code && (dpl < cpl || dpl < (sel & 3u)))
            return fail(nerr, 10, e);
        if (!(d.attr & 0x80))
            return fail(nerr, 11, e);
    }
    if (d.attr & 0x80)
        x86_mark_accessed(cpu, sel, &d);
    cpu->seg[seg] = d;
    return 0;
}

int x86_task_switch(struct x86_cpu *cpu, uint16_t sel, enum x86_task_reason why,
                    uint64_t ret_ip, bool has_err, uint32_t err, uint32_t *nerr)
{
    uint32_t e = sel & ~3u;
    bool iret = why == X86_TASK_IRET, nest = why == X86_TASK_CALL || why == X86_TASK_INT;
    int bad_sel = iret ? 10 : 13;
    struct x86_segment nt;
    /* The new TSS descriptor: in the GDT, a TSS (busy for IRET, available
     * otherwise), present, and big enough. */
    if ((sel & 4) || !x86_read_descriptor(cpu, sel, &nt) || (nt.attr & 0x10))
        return fail(nerr, bad_sel, e);
    unsigned type = nt.attr & 0xf;
    if ((type & 5) != 1 || ((type & 2) != 0) != iret)
        return fail(nerr, bad_sel, e);
    if (!(nt.attr & 0x80))
        return fail(nerr, 11, e);
    const struct tss_layout *nl = (type & 8) ? &tss32 : &tss16;
    if (nt.limit < nl->min_limit)
        return fail(nerr, 10, e);
    const struct x86_segment *ot = &cpu->tr;
    const struct tss_layout *ol = (ot->attr & 8) ? &tss32 : &tss16;
    if (ot->limit < ol->min_limit)
        return fail(nerr, 10, ot->sel & ~3u);

    /* Read the whole new state first: nothing changes if it cannot be. */
    uint8_t img[0x68];
    if (!x86_sys_access(cpu, nt.base, img, nl->min_limit + 1, false))
        return fail(nerr, 10, e);
    uint32_t w = nl->width;
    uint64_t nip = 0, nfl = 0;
    memcpy(&nip, img + nl->ip, w);
    memcpy(&nfl, img + nl->flags, w);

    /* Save the old task (its dynamic fields). */
    x86_flags_sync(cpu);
    uint64_t ofl = cpu->rflags & ~(uint64_t)(iret ? F_NT : 0);
    uint8_t save[0x60 - 0x1c];
    unsigned span = ol->sreg + ol->nsregs * (ol == &tss32 ? 4 : 2) - ol->ip;
    memset(save, 0, sizeof save);
    memcpy(save, &ret_ip, ol->width);
    memcpy(save + (ol->flags - ol->ip), &ofl, ol->width);
    for (unsigned k = 0; k < 8; k++)
        memcpy(save + (ol->gpr - ol->ip) + k * ol->width, &cpu->r[k], ol->width);
    for (unsigned k = 0; k < ol->nsregs; k++)
        memcpy(save + (ol->sreg - ol->ip) + k * (ol == &tss32 ? 4 : 2), &cpu->seg[k].sel, 2);
    if (ol == &tss32) {
        /* The selector slots are 32 bits with the upper half reserved:
         * keep what is there. */
        uint8_t old[24];
        if (x86_sys_access(cpu, ot->base + ol->sreg, old, 24, false))
            for (unsigned k = 0; k < 6; k++)
                memcpy(save + (ol->sreg - ol->ip) + 4 * k + 2, old + 4 * k + 2, 2);
    }
    if (!x86_sys_access(cpu, ot->base + ol->ip, save, span, true))
        return fail(nerr, 10, ot->sel & ~3u);
    if (why == X86_TASK_JMP || iret)
        set_busy(cpu, ot->sel, false);
    if (nest) {
        uint16_t link = ot->sel;
        x86_sys_access(cpu, nt.base, &link, 2, true);
        memcpy(img, &link, 2);
        nfl |= F_NT;
    }
    if (!iret)
        set_busy(cpu, sel, true);
    nt.attr |= 2; /* busy */
    nt.sel = sel;
    cpu->tr = nt;
    cpu->cr0 |= CR0_TS;

    /* Load the new task: CR3 (32-bit TSS), registers, flags, LDT, segments. */
    if (nl == &tss32 && (cpu->cr0 & (1u << 31))) {
        uint32_t cr3;
        memcpy(&cr3, img + 0x1c, 4);
        cpu->cr3 = cr3;
    }
    for (unsigned k = 0; k < 8; k++) {
        uint64_t v = 0;
        memcpy(&v, img + nl->gpr + k * w, w);
        cpu->r[k] = w == 4 ? v : (cpu->r[k] & ~0xffffULL) | v;
    }
    cpu->rflags = (nfl & 0x3f7fd5) | 2;
    cpu->rip = nip;
    uint16_t sels[6] = {0}, ldt;
    for (unsigned k = 0; k < nl->nsregs; k++)
        memcpy(&sels[k], img + nl->sreg + k * (nl == &tss32 ? 4 : 2), 2);
    memcpy(&ldt, img + nl->ldt, 2);
    for (int k = 0; k < 6; k++)
        cpu->seg[k].sel = sels[k];
    unsigned cpl = (nfl & F_VM) ? 3 : sels[SEG_CS] & 3u;
    /* CPL follows CS.RPL: SS.DPL is what x86_cpl() reads, so set it first
     * (its descriptor is loaded and checked below). */
    cpu->seg[SEG_SS].attr = (uint16_t)((cpu->seg[SEG_SS].attr & ~0x60u) | cpl << 5);
    x86_mode_changed(cpu); /* CR3, and the TLB's privilege */

    /* The LDT, then the segment registers (SDM 8.3, steps 11-12). */
    if ((ldt & ~3u) == 0) {
        cpu->ldtr = (struct x86_segment){.sel = ldt};
    } else {
        struct x86_segment ld;
        if ((ldt & 4) || !x86_read_descriptor(cpu, ldt, &ld) || (ld.attr & 0x1f) != 2)
            return fail(nerr, 10, ldt & ~3u);
        if (!(ld.attr & 0x80))
            return fail(nerr, 10, ldt & ~3u);
        cpu->ldtr = ld;
    }
    if (nfl & F_VM) {
        /* A virtual-8086 task: segments as in real mode, CPL 3. */
        for (int k = 0; k < 6; k++)
            x86_load_seg_real(cpu, k, sels[k]);
        x86_privilege_changed(cpu);
        cpu->rip &= 0xffff;
        goto loaded;
    }
    static const int order[6] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
    for (int k = 0; k < 6; k++) {
        int v = load_task_seg(cpu, order[k], sels[order[k]], cpl, nerr);
        if (v)
            return v;
    }
    x86_privilege_changed(cpu);
    cpu->rip &= (cpu->seg[SEG_CS].attr & (1u << 14)) ? 0xffffffffULL : 0xffffULL;
    if (cpu->rip > cpu->seg[SEG_CS].limit)
        return fail(nerr, 13, 0);
loaded:

    /* An exception through a task gate pushes its error code on the new
     * task's stack (SDM 6.12.2). */
    if (has_err) {
        unsigned sw = (cpu->seg[SEG_SS].attr & (1u << 14)) ? 4 : 2;
        uint64_t m = x86_size_mask(sw), sp = (cpu->r[RSP] - w) & m;
        uint32_t v = err;
        if (!x86_sys_access(cpu, cpu->seg[SEG_SS].base + sp, &v, w, true))
            return fail(nerr, 12, 0);
        cpu->r[RSP] = (cpu->r[RSP] & ~m) | sp;
    }
    /* The T flag of the new TSS: a #DB trap once the switch is done
     * (SDM 8.2.1, DR6.BT). */
    if (nl == &tss32 && (img[0x64] & 1)) {
        cpu->dr[6] |= 1u << 15;
        x86_raise(cpu, 1, 0, false);
    }
    return 0;
}
