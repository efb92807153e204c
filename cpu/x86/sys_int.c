/* cpu/x86/sys_int.c: INT n, INT3, INTO, INT1 and IRET (Intel SDM Vol. 2,
 * "INT n/INTO/INT3/INT1" and "IRET/IRETD/IRETQ"; Vol. 3, 6.12-6.14).
 * A task return (NT = 1) is a task switch (sys_task.c). */
#include "cpu/x86/x86.h"

#include <string.h>

int x86_exception(struct x86_cpu *cpu, unsigned vec, uint32_t err)
{
    if (x86_raise(cpu, vec, err, false))
        cpu->delivered = true;
    return X86_EXIT;
}

/* A software interrupt: the frame returns to the next instruction; a fault
 * while delivering it points at the INT itself. */
static int soft_int(struct x86_cpu *cpu, unsigned vec)
{
    if (x86_raise_soft(cpu, vec, cpu->next_rip))
        cpu->delivered = true;
    return X86_EXIT;
}

/* CD INT Ib, CC INT3, CE INTO (not 64-bit), F1 INT1 */
int x86_sys_int(struct x86_cpu *cpu, const struct x86_insn *i)
{
    switch (i->opcode) {
    case 0xCC:
        /* With guest debug on, INT3 is a breakpoint for the debugger. */
        if (cpu->debug.enable) {
            memset(cpu->exit, 0, sizeof *cpu->exit);
            cpu->exit->kind = SQUIB_EXIT_DEBUG;
            cpu->exit->pc = cpu->rip;
            cpu->exit->debug.reason = SQUIB_DEBUG_BREAKPOINT;
            cpu->exit->debug.addr = cpu->seg[SEG_CS].base + cpu->rip;
            return X86_EXIT;
        }
        return soft_int(cpu, 3);
    case 0xCE:
        if (cpu->mode == X86_MODE_LONG64)
            return x86_exception(cpu, 6, 0);
        if (!(cpu->rflags & F_OF)) {
            cpu->rip = cpu->next_rip;
            return X86_BRANCH;
        }
        return soft_int(cpu, 4);
    case 0xF1:
        /* INT1 (ICEBP): a #DB trap that is not subject to the gate DPL check. */
        cpu->rip = cpu->next_rip;
        return x86_exception(cpu, 1, 0);
    default:
        /* IOPL-sensitive in virtual-8086 mode (SDM Vol. 3, 20.2.7). */
        if (cpu->mode == X86_MODE_VM86 && ((cpu->rflags >> 12) & 3) != 3)
            return x86_exception(cpu, 13, 0);
        return soft_int(cpu, (uint8_t)i->imm);
    }
}

static bool pop(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t *v)
{
    return x86_pop(cpu, i, size, v);
}

/* CF IRET/IRETD/IRETQ */
int x86_sys_iret(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t rip, cs, fl;
    cpu->nmi_blocked = false; /* IRET ends NMI blocking (SDM 6.7.1) */
    if (cpu->mode == X86_MODE_REAL) {
        if (!pop(cpu, i, sz, &rip) || !pop(cpu, i, sz, &cs) || !pop(cpu, i, sz, &fl))
            return X86_EXIT;
        x86_load_seg_real(cpu, SEG_CS, (uint16_t)cs);
        uint64_t m = (F_ARITH | F_TF | F_IF | F_DF | 0x7000 | (sz == 4 ? 0x240000 : 0)) &
                     x86_size_mask(sz);
        cpu->rflags = (cpu->rflags & ~m) | (fl & m) | 2;
        cpu->rip = rip & x86_size_mask(sz);
        return X86_BRANCH;
    }
    if (cpu->mode == X86_MODE_VM86) {
        /* In virtual-8086 mode only with IOPL 3, which it cannot change,
         * nor VM (SDM Vol. 2, IRET; Vol. 3, 20.2.7). */
        if (((cpu->rflags >> 12) & 3) != 3)
            return x86_exception(cpu, 13, 0);
        uint64_t sp = cpu->r[RSP];
        if (!pop(cpu, i, sz, &rip) || !pop(cpu, i, sz, &cs) || !pop(cpu, i, sz, &fl)) {
            cpu->r[RSP] = sp;
            return X86_EXIT;
        }
        x86_load_seg_real(cpu, SEG_CS, (uint16_t)cs);
        uint64_t m = (F_ARITH | F_TF | F_IF | F_DF | (1u << 14) |
                      (sz == 4 ? F_RF | F_AC | (1u << 21) : 0)) & x86_size_mask(sz);
        cpu->rflags = (cpu->rflags & ~m) | (fl & m) | 2;
        cpu->rip = rip & 0xffff;
        return X86_BRANCH;
    }
    if (cpu->rflags & (1u << 14)) {
        /* NT: a return to the task in the back link (SDM 8.4); none in
         * IA-32e mode. */
        if (cpu->efer & (1u << 10))
            return x86_exception(cpu, 13, 0);
        uint16_t link;
        uint32_t nerr = 0;
        if (!x86_sys_access(cpu, cpu->tr.base, &link, 2, false))
            return x86_exception(cpu, 10, cpu->tr.sel & ~3u);
        int v = x86_task_switch(cpu, link, X86_TASK_IRET, cpu->next_rip, false, 0, &nerr);
        return v ? x86_exception(cpu, (unsigned)v, nerr) : X86_BRANCH;
    }
    int cpl = (int)x86_cpl(cpu);
    /* Read the frame without committing RSP (a fault must leave it). */
    uint64_t saved_sp = cpu->r[RSP];
    if (!pop(cpu, i, sz, &rip) || !pop(cpu, i, sz, &cs) || !pop(cpu, i, sz, &fl)) {
        cpu->r[RSP] = saved_sp;
        return X86_EXIT;
    }
    if (fl & (1u << 17) && cpl == 0 && sz == 4 && !(cpu->efer & (1u << 10))) {
        /* Return to virtual-8086 mode (SDM Vol. 2, IRET
         * "RETURN-TO-VIRTUAL-8086-MODE"): then ESP, SS, ES, DS, FS, GS. */
        uint64_t v[6];
        for (int k = 0; k < 6; k++)
            if (!pop(cpu, i, 4, &v[k])) {
                cpu->r[RSP] = saved_sp;
                return X86_EXIT;
            }
        cpu->rflags = (fl & 0x3f7fd5) | 2;
        cpu->mode = X86_MODE_VM86; /* x86_load_seg_real's VM86 segments */
        static const int order[5] = {SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS};
        for (int k = 0; k < 5; k++)
            x86_load_seg_real(cpu, order[k], (uint16_t)v[k + 1]);
        x86_load_seg_real(cpu, SEG_CS, (uint16_t)cs);
        cpu->r[RSP] = v[0] & 0xffffffffULL;
        cpu->rip = rip & 0xffff;
        x86_privilege_changed(cpu);
        return X86_BRANCH;
    }
    uint16_t csel = (uint16_t)cs;
    unsigned rpl = csel & 3;
    struct x86_segment ncs;
    if ((csel & ~3u) == 0)
        return cpu->r[RSP] = saved_sp, x86_exception(cpu, 13, 0);
    if (!x86_read_descriptor(cpu, csel, &ncs) || !(ncs.attr & 0x10) ||
        !(ncs.attr & 0x8) || (int)rpl < cpl ||
        ((ncs.attr & 0x4) ? ((ncs.attr >> 5) & 3) > rpl : ((ncs.attr >> 5) & 3) != rpl))
        return cpu->r[RSP] = saved_sp, x86_exception(cpu, 13, csel & ~3u);
    if (!(ncs.attr & 0x80))
        return cpu->r[RSP] = saved_sp, x86_exception(cpu, 11, csel & ~3u);
    bool long64 = cpu->mode == X86_MODE_LONG64;
    uint64_t nsp = 0, nss = 0;
    bool outer = (int)rpl > cpl;
    if (long64 || outer) {
        if (!pop(cpu, i, sz, &nsp) || !pop(cpu, i, sz, &nss)) {
            cpu->r[RSP] = saved_sp;
            return X86_EXIT;
        }
    }
    struct x86_segment ss = cpu->seg[SEG_SS];
    if (long64 || outer) {
        uint16_t ssel = (uint16_t)nss;
        bool to64 = (cpu->efer & (1u << 10)) && (ncs.attr & (1u << 13));
        if ((ssel & ~3u) == 0 && to64 && rpl != 3) {
            /* 64-bit mode allows a null SS below CPL3 (SDM, IRET). */
            memset(&ss, 0, sizeof ss);
            ss.sel = ssel;
            ss.attr = (uint16_t)(0x93 | rpl << 5 | 1u << 14);
            ss.limit = 0xffffffff;
        } else if ((ssel & 3) != rpl || !x86_read_descriptor(cpu, ssel, &ss) || !(ss.attr & 0x10) ||
                   (ss.attr & 0x8) || !(ss.attr & 0x2) || ((ss.attr >> 5) & 3) != rpl) {
            cpu->r[RSP] = saved_sp;
            return x86_exception(cpu, 13, ssel & ~3u);
        } else if (!(ss.attr & 0x80)) {
            cpu->r[RSP] = saved_sp;
            return x86_exception(cpu, 12, ssel & ~3u);
        }
    }
    /* Commit.  Which RFLAGS bits may change (SDM, IRET "Operation"): IOPL
     * only at CPL0, IF only when CPL <= IOPL; VM (above), VIF and VIP
     * (no VME/PVI in this model) stay. */
    uint64_t m = F_ARITH | F_TF | F_DF | (1u << 14) | (1u << 16) | (sz >= 4 ? (1u << 18) | (1u << 21) : 0);
    unsigned iopl = (cpu->rflags >> 12) & 3;
    if (cpl == 0)
        m |= 0x3000;
    if ((unsigned)cpl <= iopl)
        m |= F_IF;
    m &= x86_size_mask(sz);
    cpu->rflags = (cpu->rflags & ~m) | (fl & m) | 2;
    ncs.sel = csel;
    cpu->seg[SEG_CS] = ncs;
    if (long64 || outer) {
        cpu->seg[SEG_SS] = ss;
        cpu->r[RSP] = long64 ? nsp : (cpu->r[RSP] & ~x86_size_mask(sz)) | (nsp & x86_size_mask(sz));
    }
    if (outer)
        x86_null_outer_segs(cpu, rpl);
    cpu->rip = rip & x86_size_mask(long64 && (ncs.attr & (1u << 13)) ? 8 : (ncs.attr & (1u << 14)) ? 4 : 2);
    x86_privilege_changed(cpu);
    return X86_BRANCH;
}
