/* cpu/x86/sys_seg.c: segment loads with descriptor checks (Intel SDM
 * Vol. 3, 3.4-3.5 and 5.5-5.8; Vol. 2, MOV/POP Sreg, LDS/LES/LFS/LGS/LSS,
 * far JMP/CALL/RET), in real, protected and long mode.  Far transfers
 * through call gates, task gates and TSSs are in sys_gate.c. */
#include "cpu/x86/x86.h"

#include <string.h>

enum { A_ACCESSED = 0x1, A_WRITE_READ = 0x2, A_CONFORMING = 0x4, A_CODE = 0x8, A_S = 0x10,
       A_P = 0x80 };

static unsigned dpl_of(const struct x86_segment *s) { return (s->attr >> 5) & 3; }

/* Sets the accessed bit in the descriptor in memory (SDM 3.4.5.1). */
void x86_mark_accessed(struct x86_cpu *cpu, uint16_t sel, struct x86_segment *s)
{
    if (s->attr & A_ACCESSED)
        return;
    s->attr |= A_ACCESSED;
    const struct x86_segment *t = (sel & 4) ? &cpu->ldtr : &cpu->gdtr;
    uint8_t b;
    if (x86_sys_access(cpu, t->base + (sel & ~7u) + 5, &b, 1, false)) {
        b |= A_ACCESSED;
        x86_sys_access(cpu, t->base + (sel & ~7u) + 5, &b, 1, true);
    }
}

/* Loads data/stack segment register `seg` with `sel`.  0, or a fault:
 * (vector << 16) | error code + 1. */
static uint32_t load_data_seg(struct x86_cpu *cpu, int seg, uint16_t sel)
{
    if (x86_real_segments(cpu)) {
        x86_load_seg_real(cpu, seg, sel);
        return 0;
    }
    unsigned cpl = x86_cpl(cpu), rpl = sel & 3;
    if ((sel & ~3u) == 0) {
        if (seg == SEG_SS && !(cpu->mode == X86_MODE_LONG64 && cpl < 3 && rpl == cpl))
            return (13u << 16) + 1;
        /* A null selector: the register becomes unusable. */
        cpu->seg[seg] = (struct x86_segment){.sel = sel,
                                             .base = (seg == SEG_FS || seg == SEG_GS)
                                                         ? cpu->seg[seg].base : 0};
        if (seg == SEG_SS)
            cpu->seg[seg].attr = (uint16_t)(0x93 | cpl << 5 | 1u << 14);
        return 0;
    }
    struct x86_segment d;
    if (!x86_read_descriptor(cpu, sel, &d) || !(d.attr & A_S))
        return (13u << 16) + (sel & ~3u) + 1;
    if (seg == SEG_SS) {
        if (rpl != cpl || (d.attr & A_CODE) || !(d.attr & A_WRITE_READ) || dpl_of(&d) != cpl)
            return (13u << 16) + (sel & ~3u) + 1;
        if (!(d.attr & A_P))
            return (12u << 16) + (sel & ~3u) + 1;
    } else {
        bool code = d.attr & A_CODE;
        if (code && !(d.attr & A_WRITE_READ))
            return (13u << 16) + (sel & ~3u) + 1; /* execute-only code */
        if ((!code || !(d.attr & A_CONFORMING)) && (rpl > dpl_of(&d) || cpl > dpl_of(&d)))
            return (13u << 16) + (sel & ~3u) + 1;
        if (!(d.attr & A_P))
            return (11u << 16) + (sel & ~3u) + 1;
    }
    x86_mark_accessed(cpu, sel, &d);
    if (cpu->mode == X86_MODE_LONG64 && (seg == SEG_FS || seg == SEG_GS))
        d.base &= 0xffffffffULL; /* the upper half comes from the base MSRs only */
    cpu->seg[seg] = d;
    if (seg == SEG_SS)
        x86_privilege_changed(cpu);
    return 0;
}

/* After a return to the outer level `cpl` (far RET, IRET): DS, ES, FS and
 * GS holding a data or non-conforming code segment more privileged than
 * that become null (SDM Vol. 2, RET and IRET "Operation"). */
void x86_null_outer_segs(struct x86_cpu *cpu, unsigned cpl)
{
    static const int segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
    for (int k = 0; k < 4; k++) {
        struct x86_segment *s = &cpu->seg[segs[k]];
        bool conforming_code = (s->attr & 0x1c) == 0x1c;
        if (dpl_of(s) < cpl && !conforming_code) {
            s->sel = 0;
            s->attr &= (uint16_t)~0x80; /* not present: unusable */
        }
    }
}

static int fault(struct x86_cpu *cpu, uint32_t f)
{
    return x86_exception(cpu, f >> 16, (f & 0xffff) - 1);
}

/* 8E MOV Sreg, Ew */
int x86_sys_mov_sreg(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned s = i->reg & 7;
    if (s == SEG_CS || s > SEG_GS)
        return x86_exception(cpu, 6, 0);
    uint64_t v;
    if (!x86_get_rm(cpu, i, 2, &v))
        return X86_EXIT;
    uint32_t f = load_data_seg(cpu, (int)s, (uint16_t)v);
    if (f)
        return fault(cpu, f);
    if (s == SEG_SS) { /* MOV SS: no interrupt before the next instruction */
        cpu->shadow = true;
        cpu->shadow_rip = cpu->next_rip;
    }
    return X86_NEXT;
}

/* 07/17/1F POP ES/SS/DS; 0F A1/A9 POP FS/GS */
int x86_sys_pop_sreg(struct x86_cpu *cpu, const struct x86_insn *i)
{
    int s = i->map ? (i->opcode == 0xA1 ? SEG_FS : SEG_GS) : (i->opcode >> 3) & 3;
    uint64_t sp = cpu->r[RSP], v;
    unsigned sz = cpu->mode == X86_MODE_LONG64 && i->opsize != 2 ? 8 : i->opsize;
    if (!x86_pop(cpu, i, sz, &v))
        return X86_EXIT;
    uint32_t f = load_data_seg(cpu, s, (uint16_t)v);
    if (f) {
        cpu->r[RSP] = sp;
        return fault(cpu, f);
    }
    if (s == SEG_SS) {
        cpu->shadow = true;
        cpu->shadow_rip = cpu->next_rip;
    }
    return X86_NEXT;
}

/* C4 LES, C5 LDS (not 64-bit: VEX there), 0F B2 LSS, 0F B4 LFS, 0F B5 LGS */
int x86_sys_lxs(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->mod == 3)
        return x86_exception(cpu, 6, 0);
    int s = !i->map ? (i->opcode == 0xC4 ? SEG_ES : SEG_DS)
                    : (i->opcode == 0xB2 ? SEG_SS : i->opcode == 0xB4 ? SEG_FS : SEG_GS);
    uint64_t off, sel, ea = x86_ea(cpu, i);
    if (!x86_mem_read(cpu, i, i->seg, ea, i->opsize, &off) ||
        !x86_mem_read(cpu, i, i->seg, (ea + i->opsize) & x86_size_mask(i->adsize), 2, &sel))
        return X86_EXIT;
    uint32_t f = load_data_seg(cpu, s, (uint16_t)sel);
    if (f)
        return fault(cpu, f);
    x86_set_reg(cpu, i->reg, i->opsize, true, off);
    return X86_NEXT;
}

/* The code segment for a far JMP/CALL/RET to `sel`; 0 or a fault. */
static uint32_t code_target(struct x86_cpu *cpu, uint16_t sel, bool ret, struct x86_segment *d)
{
    unsigned cpl = x86_cpl(cpu), rpl = sel & 3;
    if ((sel & ~3u) == 0)
        return (13u << 16) + 1;
    if (!x86_read_descriptor(cpu, sel, d))
        return (13u << 16) + (sel & ~3u) + 1;
    if (!(d->attr & A_S))
        return 0xffffffffu; /* a gate or TSS */
    if (!(d->attr & A_CODE))
        return (13u << 16) + (sel & ~3u) + 1;
    if (ret) {
        if (rpl < cpl || ((d->attr & A_CONFORMING) ? dpl_of(d) > rpl : dpl_of(d) != rpl))
            return (13u << 16) + (sel & ~3u) + 1;
    } else if ((d->attr & A_CONFORMING) ? dpl_of(d) > cpl : (rpl > cpl || dpl_of(d) != cpl)) {
        return (13u << 16) + (sel & ~3u) + 1;
    }
    if (!(d->attr & A_P))
        return (11u << 16) + (sel & ~3u) + 1;
    return 0;
}

static void enter_code(struct x86_cpu *cpu, struct x86_segment *d, uint16_t sel, uint64_t ip)
{
    if (x86_real_segments(cpu)) {
        x86_load_seg_real(cpu, SEG_CS, sel);
        cpu->rip = ip & 0xffff;
        return;
    }
    x86_mark_accessed(cpu, sel, d);
    d->sel = (uint16_t)((sel & ~3u) | x86_cpl(cpu));
    cpu->seg[SEG_CS] = *d;
    x86_privilege_changed(cpu);
    bool to64 = cpu->mode == X86_MODE_LONG64;
    cpu->rip = to64 ? ip : ip & ((d->attr & (1u << 14)) ? 0xffffffffULL : 0xffffULL);
}

/* The far pointer of EA/9A (immediate) or FF /3 /5 (memory). */
static bool far_pointer(struct x86_cpu *cpu, const struct x86_insn *i, uint64_t *ip, uint16_t *sel)
{
    if (i->opcode == 0xEA || i->opcode == 0x9A) {
        *ip = i->imm;
        *sel = (uint16_t)i->imm2;
        return true;
    }
    uint64_t off, s, ea = x86_ea(cpu, i);
    if (!x86_mem_read(cpu, i, i->seg, ea, i->opsize, &off) ||
        !x86_mem_read(cpu, i, i->seg, (ea + i->opsize) & x86_size_mask(i->adsize), 2, &s))
        return false;
    *ip = off;
    *sel = (uint16_t)s;
    return true;
}

/* EA JMP ptr16:16/32; FF /5 JMP m16:16/32/64 */
int x86_sys_jmp_far(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->opcode == 0xFF && i->mod == 3)
        return x86_exception(cpu, 6, 0);
    uint64_t ip;
    uint16_t sel;
    if (!far_pointer(cpu, i, &ip, &sel))
        return X86_EXIT;
    struct x86_segment d = {0};
    if (!x86_real_segments(cpu)) {
        uint32_t f = code_target(cpu, sel, false, &d);
        if (f == 0xffffffffu)
            return x86_far_system(cpu, i, sel, false);
        if (f)
            return fault(cpu, f);
    }
    enter_code(cpu, &d, sel, ip);
    return X86_BRANCH;
}

/* 9A CALL ptr16:16/32; FF /3 CALL m16:16/32/64 */
int x86_sys_call_far(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->opcode == 0xFF && i->mod == 3)
        return x86_exception(cpu, 6, 0);
    uint64_t ip;
    uint16_t sel;
    if (!far_pointer(cpu, i, &ip, &sel))
        return X86_EXIT;
    struct x86_segment d = {0};
    if (!x86_real_segments(cpu)) {
        uint32_t f = code_target(cpu, sel, false, &d);
        if (f == 0xffffffffu)
            return x86_far_system(cpu, i, sel, true);
        if (f)
            return fault(cpu, f);
    }
    unsigned sz = i->opsize;
    uint64_t sp = cpu->r[RSP];
    if (!x86_push(cpu, i, sz, cpu->seg[SEG_CS].sel) || !x86_push(cpu, i, sz, cpu->next_rip)) {
        cpu->r[RSP] = sp;
        return X86_EXIT;
    }
    enter_code(cpu, &d, sel, ip);
    int r = x86_done(cpu);
    return r == X86_EXIT_DONE ? X86_EXIT_BRANCH : X86_BRANCH;
}

/* CB RETF, CA RETF Iw: to the same or an outer privilege level */
int x86_sys_retf(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t sp = cpu->r[RSP], ip, cs;
    if (!x86_pop(cpu, i, sz, &ip) || !x86_pop(cpu, i, sz, &cs)) {
        cpu->r[RSP] = sp;
        return X86_EXIT;
    }
    uint16_t sel = (uint16_t)cs;
    uint64_t imm = i->opcode == 0xCA ? (i->imm & 0xffff) : 0;
    if (x86_real_segments(cpu)) {
        x86_load_seg_real(cpu, SEG_CS, sel);
        cpu->rip = ip & x86_size_mask(sz);
        x86_set_reg(cpu, RSP, 2, true, cpu->r[RSP] + imm);
        return X86_BRANCH;
    }
    struct x86_segment d;
    uint32_t f = code_target(cpu, sel, true, &d);
    if (f) {
        cpu->r[RSP] = sp;
        return f == 0xffffffffu ? fault(cpu, (13u << 16) + (sel & ~3u) + 1) : fault(cpu, f);
    }
    unsigned cpl = x86_cpl(cpu), rpl = sel & 3;
    if (rpl > cpl) {
        /* To an outer level: the caller's SS:RSP follow the immediate. */
        uint64_t nsp, nss;
        cpu->r[RSP] += imm;
        if (!x86_pop(cpu, i, sz, &nsp) || !x86_pop(cpu, i, sz, &nss)) {
            cpu->r[RSP] = sp;
            return X86_EXIT;
        }
        struct x86_segment saved_ss = cpu->seg[SEG_SS];
        x86_mark_accessed(cpu, sel, &d);
        d.sel = sel;
        cpu->seg[SEG_CS] = d;
        x86_privilege_changed(cpu); /* CPL is still SS.DPL: load SS at the new CPL */
        cpu->seg[SEG_SS].attr = (uint16_t)((cpu->seg[SEG_SS].attr & ~0x60u) | rpl << 5);
        uint32_t g = load_data_seg(cpu, SEG_SS, (uint16_t)nss);
        if (g) {
            cpu->seg[SEG_SS] = saved_ss;
            cpu->r[RSP] = sp;
            x86_privilege_changed(cpu);
            return fault(cpu, g);
        }
        cpu->r[RSP] = (nsp + imm) & x86_size_mask(cpu->mode == X86_MODE_LONG64 ? 8 : sz);
        cpu->rip = ip & x86_size_mask(cpu->mode == X86_MODE_LONG64 ? 8 : sz);
        x86_null_outer_segs(cpu, rpl);
        return X86_BRANCH;
    }
    enter_code(cpu, &d, sel, ip);
    cpu->r[RSP] += imm;
    return X86_BRANCH;
}
