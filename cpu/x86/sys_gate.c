/* cpu/x86/sys_gate.c: far JMP and CALL through a system descriptor (Intel
 * SDM Vol. 2, JMP and CALL "Operation"; Vol. 3, 5.8.3-5.8.6 call gates,
 * 5.8.8 in IA-32e mode, 8.3 task switches):
 * - a call gate (16- or 32-bit; 64-bit in IA-32e mode): same privilege, or
 *   for CALL into a more privileged non-conforming segment a stack switch
 *   from the TSS, with the gate's parameters copied (legacy gates only);
 * - a task gate or an available TSS (legacy protected mode only): a task
 *   switch (sys_task.c).
 * The matching far RET to an outer level is in sys_seg.c. */
#include "cpu/x86/x86.h"

#include <string.h>

static int gp(struct x86_cpu *cpu, uint32_t err)
{
    return x86_exception(cpu, 13, err);
}

/* A failed implicit stack access: the page fault, or a stack outside RAM
 * (which the interpreter does not model). */
static int stack_fault(struct x86_cpu *cpu, uint64_t lin)
{
    if (cpu->mmu->miss_fault) {
        x86_page_fault_exit(cpu);
        return X86_EXIT;
    }
    squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                              "x86: a call-gate stack access at 0x%llx is not RAM",
                              (unsigned long long)lin);
    return X86_EXIT;
}

static int task(struct x86_cpu *cpu, uint16_t tss, bool call)
{
    uint32_t nerr = 0;
    int v = x86_task_switch(cpu, tss, call ? X86_TASK_CALL : X86_TASK_JMP, cpu->next_rip, false, 0,
                            &nerr);
    if (v)
        return x86_exception(cpu, (unsigned)v, nerr);
    return X86_BRANCH;
}

int x86_far_system(struct x86_cpu *cpu, const struct x86_insn *i, uint16_t sel, bool call)
{
    (void)i;
    bool ia32e = cpu->efer & (1u << 10);
    uint32_t d[4] = {0}, e = sel & ~3u;
    if (!x86_descriptor_words(cpu, sel, d, 2))
        return gp(cpu, e);
    unsigned type = (d[1] >> 8) & 0xf, dpl = (d[1] >> 13) & 3, cpl = x86_cpl(cpu);
    bool gate = ia32e ? type == 0xC : (type == 4 || type == 0xC);
    bool tsk = !ia32e && (type == 5 || type == 1 || type == 9);
    if ((!gate && !tsk) || dpl < cpl || dpl < (sel & 3u))
        return gp(cpu, e);
    if (!(d[1] & 0x8000))
        return x86_exception(cpu, 11, e);
    if (type == 5)
        return task(cpu, (uint16_t)(d[0] >> 16), call);
    if (tsk)
        return task(cpu, sel, call);
    /* IA-32e: the upper half, offset 63:32 and a type field of 0. */
    if (ia32e && (!x86_descriptor_words(cpu, sel, d, 4) || ((d[3] >> 8) & 0x1f)))
        return gp(cpu, e);

    /* The gate's code segment. */
    uint16_t csel = (uint16_t)(d[0] >> 16);
    uint32_t ce = csel & ~3u;
    uint64_t ip = (d[0] & 0xffff) | (type == 4 ? 0 : (d[1] & 0xffff0000));
    if (ia32e)
        ip |= (uint64_t)d[2] << 32;
    struct x86_segment cs;
    if (ce == 0)
        return gp(cpu, 0);
    if (!x86_read_descriptor(cpu, csel, &cs) || (cs.attr & 0x18) != 0x18)
        return gp(cpu, ce);
    unsigned cdpl = (cs.attr >> 5) & 3;
    bool conforming = cs.attr & 4;
    if (call ? cdpl > cpl : (conforming ? cdpl > cpl : cdpl != cpl))
        return gp(cpu, ce);
    if (ia32e && (!(cs.attr & (1u << 13)) || (cs.attr & (1u << 14))))
        return gp(cpu, ce); /* a 64-bit gate leads to 64-bit code */
    if (!(cs.attr & 0x80))
        return x86_exception(cpu, 11, ce);
    if (!ia32e && ip > cs.limit)
        return gp(cpu, 0);

    unsigned w = ia32e ? 8 : type == 0xC ? 4 : 2; /* the gate's size */
    unsigned ncpl = call && !conforming ? cdpl : cpl;
    uint64_t ret = cpu->next_rip, old_sp = cpu->r[RSP];
    uint16_t old_cs = cpu->seg[SEG_CS].sel, old_ss = cpu->seg[SEG_SS].sel;
    struct x86_segment ss = cpu->seg[SEG_SS];
    if (call) {
        /* The frame: on a new stack from the TSS when the privilege rises. */
        uint8_t frame[8 * 4 + 4 * 31];
        unsigned n = 0, count = ia32e ? 0 : d[1] & 0x1f;
        uint64_t sp = old_sp;
        if (ncpl < cpl) {
            if (ia32e) {
                /* 64-bit TSS: RSPn at 4 + 8n; SS becomes null with RPL n. */
                if (4 + 8 * ncpl + 7 > cpu->tr.limit ||
                    !x86_sys_access(cpu, cpu->tr.base + 4 + 8 * ncpl, &sp, 8, false))
                    return x86_exception(cpu, 10, cpu->tr.sel & ~3u);
                if ((uint64_t)((int64_t)(sp << 16) >> 16) != sp)
                    return x86_exception(cpu, 12, 0);
                memset(&ss, 0, sizeof ss);
                ss.sel = (uint16_t)ncpl;
                ss.attr = (uint16_t)(0x93 | ncpl << 5 | 1u << 14);
                ss.limit = 0xffffffff;
            } else {
                /* 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n; 16-bit TSS:
                 * SPn at 2 + 4n, SSn at 4 + 4n (SDM 8.2.1, 8.6). */
                bool t32 = cpu->tr.attr & 8;
                unsigned at = t32 ? 4 + 8 * ncpl : 2 + 4 * ncpl, sw = t32 ? 4 : 2;
                uint16_t nss = 0;
                sp = 0;
                if (at + 2 * sw - 1 > cpu->tr.limit ||
                    !x86_sys_access(cpu, cpu->tr.base + at, &sp, sw, false) ||
                    !x86_sys_access(cpu, cpu->tr.base + at + sw, &nss, 2, false))
                    return x86_exception(cpu, 10, cpu->tr.sel & ~3u);
                if ((nss & ~3u) == 0 || (nss & 3u) != ncpl || !x86_read_descriptor(cpu, nss, &ss) ||
                    (ss.attr & 0x1a) != 0x12 || ((ss.attr >> 5) & 3) != ncpl)
                    return x86_exception(cpu, 10, nss & ~3u);
                if (!(ss.attr & 0x80))
                    return x86_exception(cpu, 12, nss & ~3u);
            }
            /* Pushed on the new stack: SS, rSP, the parameters (in the
             * caller's order), then CS and rIP below. */
            memcpy(frame + n, &old_ss, 2);
            memset(frame + n + 2, 0, w - 2);
            n += w;
            memcpy(frame + n, &old_sp, w);
            n += w;
            uint64_t osb = cpu->seg[SEG_SS].base;
            uint64_t om = x86_size_mask((cpu->seg[SEG_SS].attr & (1u << 14)) ? 4 : 2);
            for (unsigned k = count; k-- > 0;) {
                uint64_t at = osb + ((old_sp + (uint64_t)k * w) & om);
                if (!x86_sys_access(cpu, at, frame + n, w, false))
                    return stack_fault(cpu, at);
                n += w;
            }
        }
        memcpy(frame + n, &old_cs, 2);
        memset(frame + n + 2, 0, w - 2);
        n += w;
        memcpy(frame + n, &ret, w);
        n += w;
        /* Written from the top down, as the pushes would be: the frame's
         * words are in push order, so reverse them into memory order. */
        uint8_t mem[sizeof frame];
        for (unsigned k = 0; k < n / w; k++)
            memcpy(mem + n - (k + 1) * w, frame + k * w, w);
        uint64_t m = ia32e ? ~0ULL : x86_size_mask((ss.attr & (1u << 14)) ? 4 : 2);
        uint64_t nsp = (sp - n) & m, lin = ss.base + nsp;
        if (!ia32e && !(ss.attr & 4) && (nsp > ss.limit || nsp + n - 1 > ss.limit))
            return x86_exception(cpu, 12, ncpl < cpl ? ss.sel & ~3u : 0);
        if (!x86_sys_access(cpu, lin, mem, n, true))
            return stack_fault(cpu, lin);
        cpu->seg[SEG_SS] = ss;
        cpu->r[RSP] = ia32e ? nsp : (sp & ~m) | nsp;
    }
    x86_mark_accessed(cpu, csel, &cs);
    cs.sel = (uint16_t)(ce | ncpl);
    cpu->seg[SEG_CS] = cs;
    cpu->rip = ip;
    x86_privilege_changed(cpu);
    return X86_BRANCH;
}
