/* cpu/x86/sys_cr.c: control and debug registers, descriptor-table
 * registers, MSRs and the fast system calls (Intel SDM Vol. 2: MOV CR, MOV
 * DR, CLTS, LGDT/LIDT/SGDT/SIDT, LLDT/SLDT/LTR/STR, LMSW/SMSW, INVLPG,
 * INVD/WBINVD, RDMSR/WRMSR, SYSCALL/SYSRET, SYSENTER/SYSEXIT, SWAPGS; Vol. 3,
 * 2.5 and 4.10.4).  Privileged forms raise #GP(0) above CPL0. */
#include "cpu/x86/x86.h"

#include <string.h>

enum {
    CR0_PE = 1u << 0, CR0_NE = 1u << 5, CR0_WP = 1u << 16, CR0_NW = 1u << 29, CR0_CD = 1u << 30,
    CR0_PG = 1u << 31,
    CR4_PAE = 1u << 5, CR4_PCIDE = 1u << 17,
    EFER_SCE = 1u << 0, EFER_LME = 1u << 8, EFER_LMA = 1u << 10, EFER_NXE = 1u << 11,
};
/* CR4 bits this CPU model has, as CPUID advertises them (exec_cpuid.c):
 * TSD, DE, PSE, PAE, MCE, PGE, PCE, PCIDE, SMEP, SMAP.  OSFXSR/OSXMMEXCPT/
 * OSXSAVE come with the SSE work, FSGSBASE when advertised. */
#define CR4_VALID 0x3201fcULL

/* Less the bits of features the VMM took away (features.c). */
static uint64_t cr4_valid(const struct x86_cpu *cpu)
{
    static const struct {
        enum x86_feature f;
        uint32_t bit;
    } gated[] = {
        {XF_TSC, 1u << 2},    {XF_DE, 1u << 3},     {XF_PSE, 1u << 4},    {XF_PAE, 1u << 5},
        {XF_PGE, 1u << 7},    {XF_PCID, 1u << 17},  {XF_SMEP, 1u << 20},  {XF_SMAP, 1u << 21},
    };
    uint64_t v = CR4_VALID;
    for (unsigned k = 0; k < sizeof gated / sizeof gated[0]; k++)
        if (!x86_has(cpu, gated[k].f))
            v &= ~(uint64_t)gated[k].bit;
    return v;
}

/* The EFER bits this model has: SCE, LME/LMA and NXE, each with its
 * feature. */
static uint64_t efer_valid(const struct x86_cpu *cpu)
{
    return (x86_has(cpu, XF_SYSCALL) ? EFER_SCE : 0) |
           (x86_has(cpu, XF_LM) ? EFER_LME | EFER_LMA : 0) | (x86_has(cpu, XF_NX) ? EFER_NXE : 0);
}

/* MSRs of features the VMM took away are #GP, as on a CPU without them. */
static bool msr_present(const struct x86_cpu *cpu, uint32_t idx)
{
    if (idx == 0x10)
        return x86_has(cpu, XF_TSC);
    if (idx >= 0x174 && idx <= 0x176)
        return x86_has(cpu, XF_SEP);
    if (idx == 0x277)
        return x86_has(cpu, XF_PAT);
    if (idx == 0xFE || idx == 0x2FF || (idx >= 0x200 && idx < 0x270))
        return x86_has(cpu, XF_MTRR);
    if (idx == 0xC0000103)
        return x86_has(cpu, XF_RDTSCP);
    return true;
}

#define NEED_CPL0(cpu)                                  \
    do {                                                \
        if (x86_cpl(cpu) != 0)                          \
            return x86_exception(cpu, 13, 0);           \
    } while (0)

/* Address-space change: translations go; decoded blocks are re-checked
 * against the bytes the new mapping shows on first use (x86_run). */
static void address_space_changed(struct x86_cpu *cpu)
{
    mmu_flush(cpu->mmu);
    cpu->run_gen++;
}

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* 0F 20 MOV r, CRn; 0F 22 MOV CRn, r (ModRM.mod ignored: always a register) */
int x86_sys_mov_cr(struct x86_cpu *cpu, const struct x86_insn *i)
{
    NEED_CPL0(cpu);
    unsigned n = i->reg, r = (i->rm & 7) | (i->rex & 1) << 3;
    unsigned sz = cpu->mode == X86_MODE_LONG64 ? 8 : 4;
    uint64_t *cr;
    switch (n) {
    case 0: cr = &cpu->cr0; break;
    case 2: cr = &cpu->cr2; break;
    case 3: cr = &cpu->cr3; break;
    case 4: cr = &cpu->cr4; break;
    case 8: cr = &cpu->cr8; break;
    default: return x86_exception(cpu, 6, 0);
    }
    if (i->opcode == 0x20) {
        x86_set_reg(cpu, r, sz, true, *cr);
        return X86_NEXT;
    }
    uint64_t v = cpu->r[r] & x86_size_mask(sz);
    switch (n) {
    case 0: {
        v |= 0x10; /* ET is hardwired */
        if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
            return x86_exception(cpu, 13, 0);
        bool pg_on = (v & CR0_PG) && !(cpu->cr0 & CR0_PG);
        bool pg_off = !(v & CR0_PG) && (cpu->cr0 & CR0_PG);
        if (pg_on && (cpu->efer & EFER_LME)) {
            if (!(cpu->cr4 & CR4_PAE))
                return x86_exception(cpu, 13, 0);
            cpu->efer |= EFER_LMA; /* IA-32e mode activates (SDM 10.8.5) */
        }
        if (pg_off && (cpu->efer & EFER_LMA)) {
            if (cpu->mode == X86_MODE_LONG64 || (cpu->cr4 & CR4_PCIDE))
                return x86_exception(cpu, 13, 0); /* only from compatibility mode */
            cpu->efer &= ~(uint64_t)EFER_LMA;
        }
        cpu->cr0 = v;
        x86_mode_changed(cpu);
        cpu->rip = cpu->next_rip;
        return X86_BRANCH; /* decoding may change with the next instruction */
    }
    case 2:
        cpu->cr2 = v;
        return X86_NEXT;
    case 3:
        /* With CR4.PCIDE, bits 11:0 are the PCID and bit 63 asks to keep
         * the PCID's translations (SDM 4.10.4.1).  The TLB here is not
         * tagged: every load flushes, which is always allowed. */
        if ((cpu->cr4 & CR4_PCIDE) && (v >> 63))
            v &= ~(1ULL << 63);
        if (cpu->mode == X86_MODE_LONG64 && (v >> 52))
            return x86_exception(cpu, 13, 0);
        cpu->cr3 = v;
        address_space_changed(cpu);
        cpu->rip = cpu->next_rip;
        return X86_BRANCH;
    case 4:
        if ((v & ~cr4_valid(cpu)) || ((cpu->efer & EFER_LMA) && !(v & CR4_PAE)))
            return x86_exception(cpu, 13, 0);
        /* PCIDE: only in IA-32e mode, and set only with PCID 0 in CR3. */
        if ((v & CR4_PCIDE) && (!(cpu->efer & EFER_LMA) ||
                                (!(cpu->cr4 & CR4_PCIDE) && (cpu->cr3 & 0xfff))))
            return x86_exception(cpu, 13, 0);
        cpu->cr4 = v;
        x86_debug_regs_changed(cpu); /* CR4.DE: R/W 10 means I/O */
        x86_mode_changed(cpu);
        cpu->rip = cpu->next_rip;
        return X86_BRANCH;
    default: /* CR8: the task-priority register (bits 3:0) */
        if (v >> 4)
            return x86_exception(cpu, 13, 0);
        cpu->cr8 = v;
        return X86_NEXT;
    }
}

/* DR7 or CR4.DE changed: whether a data breakpoint (R/W 01 or 11) or,
 * with CR4.DE, an I/O breakpoint (R/W 10) is enabled (SDM Vol. 3, 18.2.4).
 * R/W 10 without CR4.DE is undefined; it never matches here. */
void x86_debug_regs_changed(struct x86_cpu *cpu)
{
    uint64_t dr7 = cpu->dr[7];
    bool de = cpu->cr4 & (1u << 3);
    cpu->dr_data = false;
    for (unsigned k = 0; k < 4; k++) {
        unsigned rw = (dr7 >> (16 + 4 * k)) & 3;
        cpu->dr_data |= ((dr7 >> (2 * k)) & 3) && ((rw & 1) || (rw == 2 && de));
    }
}

/* 0F 21 MOV r, DRn; 0F 23 MOV DRn, r.  DR4/DR5 alias DR6/DR7 unless CR4.DE. */
int x86_sys_mov_dr(struct x86_cpu *cpu, const struct x86_insn *i)
{
    NEED_CPL0(cpu);
    unsigned n = i->reg, r = (i->rm & 7) | (i->rex & 1) << 3;
    unsigned sz = cpu->mode == X86_MODE_LONG64 ? 8 : 4;
    if (n > 7)
        return x86_exception(cpu, 6, 0);
    if (n == 4 || n == 5) {
        if (cpu->cr4 & (1u << 3))
            return x86_exception(cpu, 6, 0);
        n += 2;
    }
    if (i->opcode == 0x21) {
        uint64_t v = cpu->dr[n];
        if (n == 6)
            v |= 0xffff0ff0ULL; /* reserved bits read as 1 */
        else if (n == 7)
            v |= 0x400;
        x86_set_reg(cpu, r, sz, true, v);
        return X86_NEXT;
    }
    uint64_t v = cpu->r[r] & x86_size_mask(sz);
    if (n >= 6 && (v >> 32))
        return x86_exception(cpu, 13, 0);
    cpu->dr[n] = v;
    if (n == 7)
        x86_debug_regs_changed(cpu);
    return X86_NEXT;
}

/* 0F 06 CLTS */
int x86_sys_clts(struct x86_cpu *cpu, const struct x86_insn *i)
{
    NEED_CPL0(cpu);
    cpu->cr0 &= ~8ULL;
    return X86_NEXT;
}

/* 0F 08 INVD, 0F 09 WBINVD: no caches to write back in an interpreter. */
int x86_sys_wbinvd(struct x86_cpu *cpu, const struct x86_insn *i)
{
    NEED_CPL0(cpu);
    return X86_NEXT;
}

static int store_dtable(struct x86_cpu *cpu, const struct x86_insn *i, const struct x86_segment *t)
{
    if (i->mod == 3)
        return x86_exception(cpu, 6, 0);
    uint64_t ea = x86_ea(cpu, i);
    unsigned bsz = cpu->mode == X86_MODE_LONG64 ? 8 : 4;
    if (!x86_mem_write(cpu, i, i->seg, ea, 2, t->limit) ||
        !x86_mem_write(cpu, i, i->seg, (ea + 2) & x86_size_mask(i->adsize), bsz, t->base))
        return X86_EXIT;
    return x86_done(cpu);
}

static int load_dtable(struct x86_cpu *cpu, const struct x86_insn *i, struct x86_segment *t)
{
    NEED_CPL0(cpu);
    if (i->mod == 3)
        return x86_exception(cpu, 6, 0);
    uint64_t ea = x86_ea(cpu, i), limit, base;
    unsigned bsz = cpu->mode == X86_MODE_LONG64 ? 8 : 4;
    if (!x86_mem_read(cpu, i, i->seg, ea, 2, &limit) ||
        !x86_mem_read(cpu, i, i->seg, (ea + 2) & x86_size_mask(i->adsize), bsz, &base))
        return X86_EXIT;
    if (cpu->mode != X86_MODE_LONG64 && i->opsize == 2)
        base &= 0xffffff; /* 16-bit operand size: a 24-bit base */
    if (cpu->mode == X86_MODE_LONG64 && !canonical(base))
        return x86_exception(cpu, 13, 0);
    t->base = base;
    t->limit = (uint32_t)limit;
    return X86_NEXT;
}

/* 0F 01 group 7 */
int x86_sys_grp7(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned r = i->reg & 7;
    if (i->mod == 3) {
        unsigned rm = i->rm & 7;
        if (r == 0 && rm == 1) /* VMCALL: a HYPERCALL exit */
            return x86_op_grp7(cpu, i);
        if (r == 7 && rm == 0) { /* SWAPGS */
            if (cpu->mode != X86_MODE_LONG64)
                return x86_exception(cpu, 6, 0);
            NEED_CPL0(cpu);
            uint64_t t = cpu->seg[SEG_GS].base;
            cpu->seg[SEG_GS].base = cpu->msr_kernel_gs_base;
            cpu->msr_kernel_gs_base = t;
            return X86_NEXT;
        }
        if (r == 7 && rm == 1) /* RDTSCP */
            return x86_op_grp7(cpu, i);
        if (r == 4) { /* SMSW r */
            x86_set_reg(cpu, i->rm, i->opsize, i->rex, cpu->cr0 & x86_size_mask(i->opsize));
            return X86_NEXT;
        }
        if (r != 6)
            return x86_exception(cpu, 6, 0); /* MONITOR/MWAIT, XGETBV...: not in this model */
    }
    switch (r) {
    case 0: /* SGDT */
        return store_dtable(cpu, i, &cpu->gdtr);
    case 1: /* SIDT */
        return store_dtable(cpu, i, &cpu->idtr);
    case 2: /* LGDT */
        return load_dtable(cpu, i, &cpu->gdtr);
    case 3: /* LIDT */
        return load_dtable(cpu, i, &cpu->idtr);
    case 4: /* SMSW m16 */
        if (!x86_set_rm(cpu, i, 2, cpu->cr0))
            return X86_EXIT;
        return x86_done(cpu);
    case 6: { /* LMSW: PE can be set but not cleared; MP, EM, TS */
        NEED_CPL0(cpu);
        uint64_t v;
        if (!x86_get_rm(cpu, i, 2, &v))
            return X86_EXIT;
        uint64_t old = cpu->cr0;
        cpu->cr0 = (old & ~0xeULL) | (v & 0xe) | (old & 1) | (v & 1);
        if ((old ^ cpu->cr0) & 1)
            x86_mode_changed(cpu);
        cpu->rip = cpu->next_rip;
        return X86_BRANCH;
    }
    case 7: { /* INVLPG m: the linear address of the operand */
        NEED_CPL0(cpu);
        uint64_t lin = x86_ea(cpu, i);
        if (cpu->mode != X86_MODE_LONG64)
            lin = (lin + cpu->seg[i->seg].base) & 0xffffffffULL;
        else if (i->seg == SEG_FS || i->seg == SEG_GS)
            lin += cpu->seg[i->seg].base;
        mmu_flush_page(cpu->mmu, lin);
        cpu->run_gen++; /* decoded blocks re-check their bytes */
        return X86_NEXT;
    }
    default:
        return x86_exception(cpu, 6, 0);
    }
}

/* 0F 00 group 6: SLDT STR LLDT LTR VERR VERW */
int x86_sys_grp6(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (x86_real_segments(cpu)) /* #UD in real and virtual-8086 mode */
        return x86_exception(cpu, 6, 0);
    unsigned r = i->reg & 7;
    uint64_t v;
    switch (r) {
    case 0:
    case 1: {
        uint16_t sel = r == 0 ? cpu->ldtr.sel : cpu->tr.sel;
        if (!x86_set_rm(cpu, i, i->mod == 3 ? i->opsize : 2, sel))
            return X86_EXIT;
        return x86_done(cpu);
    }
    case 2:
    case 3: {
        NEED_CPL0(cpu);
        if (!x86_get_rm(cpu, i, 2, &v))
            return X86_EXIT;
        uint16_t sel = (uint16_t)v;
        if (r == 2 && (sel & ~3u) == 0) {
            cpu->ldtr = (struct x86_segment){.sel = sel};
            return X86_NEXT;
        }
        if (sel & 4)
            return x86_exception(cpu, 13, sel & ~3u);
        /* System descriptors are 16 bytes in long mode: the upper base. */
        struct x86_segment d;
        if (!x86_read_descriptor(cpu, sel, &d))
            return x86_exception(cpu, 13, sel & ~3u);
        unsigned type = d.attr & 0xf;
        bool ok = r == 2 ? (!(d.attr & 0x10) && type == 2)
                         : (!(d.attr & 0x10) && (type == 9 || type == 1));
        if (!ok)
            return x86_exception(cpu, 13, sel & ~3u);
        if (!(d.attr & 0x80))
            return x86_exception(cpu, 11, sel & ~3u);
        if (cpu->mode == X86_MODE_LONG64) {
            uint32_t w[4];
            if (!x86_descriptor_words(cpu, sel, w, 4))
                return x86_exception(cpu, 13, sel & ~3u);
            d.base |= (uint64_t)w[2] << 32;
        }
        if (r == 2) {
            cpu->ldtr = d;
        } else {
            /* LTR marks the TSS busy, in the descriptor too (SDM 8.2.2). */
            d.attr |= 2;
            uint8_t b = (uint8_t)(d.attr & 0xff);
            x86_sys_access(cpu, cpu->gdtr.base + (sel & ~7u) + 5, &b, 1, true);
            cpu->tr = d;
        }
        return X86_NEXT;
    }
    case 4:
    case 5: {
        /* VERR/VERW: ZF = the segment is readable/writable at CPL and RPL. */
        if (!x86_get_rm(cpu, i, 2, &v))
            return X86_EXIT;
        struct x86_segment d;
        uint16_t sel = (uint16_t)v;
        bool ok = (sel & ~3u) && x86_read_descriptor(cpu, sel, &d) && (d.attr & 0x10);
        if (ok) {
            bool code = d.attr & 8, conforming = code && (d.attr & 4);
            unsigned dpl = (d.attr >> 5) & 3;
            ok = r == 4 ? (!code || (d.attr & 2)) : (!code && (d.attr & 2));
            if (ok && !conforming)
                ok = x86_cpl(cpu) <= dpl && (sel & 3u) <= dpl;
        }
        cpu->rflags = ok ? cpu->rflags | F_ZF : cpu->rflags & ~(uint64_t)F_ZF;
        return X86_NEXT;
    }
    default:
        return x86_exception(cpu, 6, 0);
    }
}

/* ---- MSRs ---------------------------------------------------------------- */

enum {
    MSR_TSC = 0x10, MSR_APIC_BASE = 0x1B, MSR_MTRRCAP = 0xFE, MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176, MSR_MISC_ENABLE = 0x1A0,
    MSR_PAT = 0x277, MSR_MTRR_DEF = 0x2FF, MSR_EFER = 0xC0000080, MSR_STAR = 0xC0000081,
    MSR_LSTAR = 0xC0000082, MSR_CSTAR = 0xC0000083, MSR_FMASK = 0xC0000084,
    MSR_FS_BASE = 0xC0000100, MSR_GS_BASE = 0xC0000101, MSR_KERNEL_GS_BASE = 0xC0000102,
    MSR_TSC_AUX = 0xC0000103,
};

/* The variable MTRR pairs 0x200-0x20F and the fixed ones (SDM 12.11). */
static uint64_t *mtrr_slot(struct x86_cpu *cpu, uint32_t idx)
{
    if (idx >= 0x200 && idx < 0x210)
        return &cpu->mtrr_var[idx - 0x200];
    static const uint32_t fixed[] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26A,
                                     0x26B, 0x26C, 0x26D, 0x26E, 0x26F};
    for (unsigned k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        if (fixed[k] == idx)
            return &cpu->mtrr_fixed[k];
    return NULL;
}

bool x86_msr_read(struct x86_cpu *cpu, uint32_t idx, uint64_t *v)
{
    if (!msr_present(cpu, idx))
        return false;
    uint64_t *p;
    switch (idx) {
    case MSR_TSC: *v = x86_tsc(cpu); return true;
    case MSR_APIC_BASE: *v = cpu->apic_base; return true;
    case MSR_MTRRCAP: *v = 0x508; return true; /* 8 variable ranges, fixed ranges, WC */
    case MSR_SYSENTER_CS: *v = cpu->msr_sysenter_cs; return true;
    case MSR_SYSENTER_ESP: *v = cpu->msr_sysenter_esp; return true;
    case MSR_SYSENTER_EIP: *v = cpu->msr_sysenter_eip; return true;
    case MSR_MISC_ENABLE: *v = cpu->msr_misc_enable; return true;
    case MSR_PAT: *v = cpu->msr_pat; return true;
    case MSR_MTRR_DEF: *v = cpu->msr_mtrr_def; return true;
    case MSR_EFER: *v = cpu->efer; return true;
    case MSR_STAR: *v = cpu->msr_star; return true;
    case MSR_LSTAR: *v = cpu->msr_lstar; return true;
    case MSR_CSTAR: *v = cpu->msr_cstar; return true;
    case MSR_FMASK: *v = cpu->msr_fmask; return true;
    case MSR_FS_BASE: *v = cpu->seg[SEG_FS].base; return true;
    case MSR_GS_BASE: *v = cpu->seg[SEG_GS].base; return true;
    case MSR_KERNEL_GS_BASE: *v = cpu->msr_kernel_gs_base; return true;
    case MSR_TSC_AUX: *v = cpu->msr_tsc_aux; return true;
    default:
        if ((p = mtrr_slot(cpu, idx))) {
            *v = *p;
            return true;
        }
        return false;
    }
}

bool x86_msr_write(struct x86_cpu *cpu, uint32_t idx, uint64_t v)
{
    uint64_t *p;
    if (!msr_present(cpu, idx))
        return false;
    switch (idx) {
    case MSR_TSC: cpu->tsc_offset += v - x86_tsc(cpu); return true;
    case MSR_APIC_BASE:
        if (v & ~0xffffffffff900ULL)
            return false;
        cpu->apic_base = v;
        return true;
    case MSR_SYSENTER_CS: cpu->msr_sysenter_cs = v & 0xffff; return true;
    case MSR_SYSENTER_ESP: if (!canonical(v)) return false; cpu->msr_sysenter_esp = v; return true;
    case MSR_SYSENTER_EIP: if (!canonical(v)) return false; cpu->msr_sysenter_eip = v; return true;
    case MSR_MISC_ENABLE: cpu->msr_misc_enable = v; return true;
    case MSR_PAT:
        for (int k = 0; k < 8; k++) {
            unsigned t = (v >> (8 * k)) & 0xff;
            if (t == 2 || t == 3 || t > 7)
                return false; /* reserved memory types (SDM 13.12.2) */
        }
        cpu->msr_pat = v;
        return true;
    case MSR_MTRR_DEF: if (v & ~0xcffULL) return false; cpu->msr_mtrr_def = v; return true;
    case MSR_EFER:
        if (v & ~efer_valid(cpu))
            return false;
        /* LME cannot change while paging is on; LMA is read-only. */
        if ((cpu->cr0 & CR0_PG) && ((v ^ cpu->efer) & EFER_LME))
            return false;
        cpu->efer = (v & ~(uint64_t)EFER_LMA) | (cpu->efer & EFER_LMA);
        x86_mode_changed(cpu);
        return true;
    case MSR_STAR: cpu->msr_star = v; return true;
    case MSR_LSTAR: if (!canonical(v)) return false; cpu->msr_lstar = v; return true;
    case MSR_CSTAR: if (!canonical(v)) return false; cpu->msr_cstar = v; return true;
    case MSR_FMASK: cpu->msr_fmask = v & 0xffffffff; return true;
    case MSR_FS_BASE: if (!canonical(v)) return false; cpu->seg[SEG_FS].base = v; return true;
    case MSR_GS_BASE: if (!canonical(v)) return false; cpu->seg[SEG_GS].base = v; return true;
    case MSR_KERNEL_GS_BASE: if (!canonical(v)) return false; cpu->msr_kernel_gs_base = v; return true;
    case MSR_TSC_AUX: if (v >> 32) return false; cpu->msr_tsc_aux = v; return true;
    default:
        if ((p = mtrr_slot(cpu, idx))) {
            *p = v;
            return true;
        }
        return false;
    }
}

/* 0F 32 RDMSR, 0F 30 WRMSR: ECX = index, EDX:EAX = value; #GP(0) for MSRs
 * this CPU does not have or values it does not take. */
int x86_sys_msr(struct x86_cpu *cpu, const struct x86_insn *i)
{
    NEED_CPL0(cpu);
    uint32_t idx = (uint32_t)cpu->r[RCX];
    if (i->opcode == 0x32) {
        uint64_t v;
        if (!x86_msr_read(cpu, idx, &v))
            return x86_exception(cpu, 13, 0);
        x86_set_reg(cpu, RAX, 4, true, v & 0xffffffff);
        x86_set_reg(cpu, RDX, 4, true, v >> 32);
        return X86_NEXT;
    }
    uint64_t v = (cpu->r[RDX] << 32) | (cpu->r[RAX] & 0xffffffff);
    if (!x86_msr_write(cpu, idx, v))
        return x86_exception(cpu, 13, 0);
    cpu->rip = cpu->next_rip;
    return X86_BRANCH; /* EFER may have changed the mode */
}

/* ---- SYSCALL/SYSRET, SYSENTER/SYSEXIT ------------------------------------ */

static struct x86_segment flat(uint16_t sel, bool code, bool l, unsigned dpl)
{
    struct x86_segment s = {.base = 0, .limit = 0xffffffff, .sel = sel};
    s.attr = (uint16_t)((code ? 0xB : 0x3) | 0x10 | dpl << 5 | 0x80 | 1u << 15 |
                        (l ? 1u << 13 : 1u << 14));
    return s;
}

/* 0F 05 SYSCALL (SDM Vol. 2, SYSCALL "Operation") */
int x86_sys_syscall(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (!(cpu->efer & EFER_LMA) || !(cpu->efer & EFER_SCE))
        return x86_exception(cpu, 6, 0); /* legacy-mode SYSCALL is AMD-only: not modelled */
    uint16_t sel = (uint16_t)(cpu->msr_star >> 32);
    cpu->r[RCX] = cpu->next_rip;
    cpu->r[R11] = cpu->rflags & ~(uint64_t)(1u << 16); /* RF reads as 0 */
    cpu->rip = cpu->mode == X86_MODE_LONG64 ? cpu->msr_lstar : cpu->msr_cstar;
    cpu->rflags &= ~(cpu->msr_fmask | (1u << 16));
    cpu->rflags |= 2;
    cpu->seg[SEG_CS] = flat(sel & 0xfffc, true, true, 0);
    cpu->seg[SEG_SS] = flat((uint16_t)(sel + 8), false, false, 0);
    x86_privilege_changed(cpu);
    return X86_BRANCH;
}

/* 0F 07 SYSRET */
int x86_sys_sysret(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (!(cpu->efer & EFER_LMA) || !(cpu->efer & EFER_SCE))
        return x86_exception(cpu, 6, 0);
    NEED_CPL0(cpu);
    bool to64 = i->rex & 8;
    if (to64 && !canonical(cpu->r[RCX]))
        return x86_exception(cpu, 13, 0);
    uint16_t sel = (uint16_t)(cpu->msr_star >> 48);
    cpu->seg[SEG_CS] = to64 ? flat((uint16_t)((sel + 16) | 3), true, true, 3)
                            : flat((uint16_t)(sel | 3), true, false, 3);
    uint16_t ss = (uint16_t)((sel + 8) | 3);
    cpu->seg[SEG_SS].sel = ss; /* SS keeps its cached base/limit, DPL becomes 3 */
    cpu->seg[SEG_SS].attr = (uint16_t)((cpu->seg[SEG_SS].attr & ~0x60u) | 3u << 5);
    cpu->rflags = (cpu->r[R11] & 0x3c7fd7) | 2;
    cpu->rip = to64 ? cpu->r[RCX] : cpu->r[RCX] & 0xffffffff;
    x86_privilege_changed(cpu);
    return X86_BRANCH;
}

/* 0F 34 SYSENTER, 0F 35 SYSEXIT */
int x86_sys_sysenter(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (cpu->mode == X86_MODE_REAL || (cpu->msr_sysenter_cs & 0xfffc) == 0)
        return x86_exception(cpu, 13, 0);
    uint16_t cs = (uint16_t)cpu->msr_sysenter_cs;
    bool lma = cpu->efer & EFER_LMA;
    if (i->opcode == 0x34) {
        cpu->rflags &= ~(uint64_t)(F_IF | (1u << 16) | (1u << 17));
        cpu->seg[SEG_CS] = flat(cs & 0xfffc, true, lma, 0);
        cpu->seg[SEG_SS] = flat((uint16_t)((cs & 0xfffc) + 8), false, false, 0);
        cpu->r[RSP] = lma ? cpu->msr_sysenter_esp : cpu->msr_sysenter_esp & 0xffffffff;
        cpu->rip = lma ? cpu->msr_sysenter_eip : cpu->msr_sysenter_eip & 0xffffffff;
    } else {
        NEED_CPL0(cpu);
        bool to64 = i->rex & 8;
        cpu->seg[SEG_CS] = flat((uint16_t)((cs + (to64 ? 32 : 16)) | 3), true, to64, 3);
        cpu->seg[SEG_SS] = flat((uint16_t)((cs + (to64 ? 40 : 24)) | 3), false, false, 3);
        cpu->r[RSP] = to64 ? cpu->r[RCX] : cpu->r[RCX] & 0xffffffff;
        cpu->rip = to64 ? cpu->r[RDX] : cpu->r[RDX] & 0xffffffff;
    }
    x86_privilege_changed(cpu);
    return X86_BRANCH;
}

/* 66 0F 38 82 INVPCID r, m128 (SDM Vol. 2, INVPCID): the descriptor is
 * the PCID (bits 11:0; 63:12 must be 0) and a linear address.  Types: 0 one
 * address in one PCID, 1 one PCID, 2 everything, 3 everything but global
 * translations.  The TLB here is not tagged by PCID: type 0 drops the page,
 * the others drop every translation (more than asked is always allowed). */
int x86_sys_invpcid(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (!i->p66 || i->rep || i->mod == 3)
        return x86_exception(cpu, 6, 0);
    NEED_CPL0(cpu);
    uint64_t type = cpu->r[i->reg & 15] & (cpu->mode == X86_MODE_LONG64 ? ~0ULL : 0xffffffffULL);
    uint64_t pcid, lin, ea = x86_ea(cpu, i);
    if (!x86_mem_read(cpu, i, i->seg, ea, 8, &pcid) ||
        !x86_mem_read(cpu, i, i->seg, (ea + 8) & x86_size_mask(i->adsize), 8, &lin))
        return X86_EXIT;
    if (type > 3 || (pcid >> 12))
        return x86_exception(cpu, 13, 0);
    if (type <= 1 && pcid && !(cpu->cr4 & CR4_PCIDE))
        return x86_exception(cpu, 13, 0);
    if (type == 0) {
        if (!canonical(lin))
            return x86_exception(cpu, 13, 0);
        mmu_flush_page(cpu->mmu, lin);
    } else {
        mmu_flush(cpu->mmu);
    }
    cpu->run_gen++; /* decoded blocks re-check their bytes */
    return X86_NEXT;
}
