/* cpu/x86/paging.c: linear-to-physical translation (Intel SDM Vol. 3,
 * chapter 4): 32-bit paging (with 4 MiB pages under CR4.PSE), PAE paging,
 * 4-level and 5-level paging; accessed/dirty bits; the access-rights rules
 * of 4.6 (U/S, R/W with CR0.WP, XD with EFER.NXE, SMEP, SMAP with
 * RFLAGS.AC); #PF error codes of 4.7.  It is the MMU's translate hook while
 * CR0.PG is set.
 */
#include "cpu/x86/x86.h"

#include <string.h>

enum {
    PTE_P = 1u << 0, PTE_RW = 1u << 1, PTE_US = 1u << 2, PTE_A = 1u << 5, PTE_D = 1u << 6,
    PTE_PS = 1u << 7,
};
#define PTE_XD (1ULL << 63)

enum {
    PF_P = 1u << 0, PF_W = 1u << 1, PF_U = 1u << 2, PF_RSVD = 1u << 3, PF_I = 1u << 4,
};

enum {
    CR0_WP = 1u << 16, CR4_PSE = 1u << 4, CR4_PAE = 1u << 5, CR4_LA57 = 1u << 12,
    CR4_SMEP = 1u << 20, CR4_SMAP = 1u << 21, EFER_NXE = 1u << 11, EFER_LMA = 1u << 10,
};

/* Physical-address bits reported by CPUID 0x80000008 (kept in one place). */
#define X86_MAXPHYADDR 48
#define PHYS_MASK (((1ULL << X86_MAXPHYADDR) - 1) & ~0xfffULL)

/* Reads (and later writes back) one paging-structure entry in guest RAM. */
static uint8_t *entry_ptr(struct x86_cpu *cpu, uint64_t pa, unsigned size)
{
    return squib_physmap_ptr(cpu->mmu->ram, pa, size);
}

static bool fault(struct x86_cpu *cpu, uint64_t va, uint32_t err)
{
    cpu->pf_addr = va;
    cpu->pf_error = err;
    return false;
}


bool x86_translate(void *opaque, uint64_t va, bool write, bool fetch, uint64_t *pa,
                   bool *writable)
{
    struct x86_cpu *cpu = opaque;
    /* Implicit accesses (descriptor tables, the TSS, the stack of an
     * exception delivery) are supervisor accesses at any CPL (SDM 4.6). */
    bool user = x86_cpl(cpu) == 3 && !cpu->implicit_supervisor;
    bool nxe = cpu->efer & EFER_NXE;
    uint32_t err = (write ? PF_W : 0) | (user ? PF_U : 0);
    if (fetch && (nxe || (cpu->cr4 & CR4_SMEP)) && (cpu->cr4 & CR4_PAE))
        err |= PF_I;
    cpu->pf_nonram = false;

    /* The walk: up to 5 levels, each `bits` wide, starting at `shift`. */
    uint8_t *ptrs[5];
    unsigned n = 0, esize, levels, shift;
    uint64_t table = cpu->cr3, rsvd_hi;
    bool rw = true, us = true, xd = false;
    if (!(cpu->cr4 & CR4_PAE)) {
        esize = 4, levels = 2, shift = 22;
        table &= 0xfffff000ULL;
        rsvd_hi = 0;
    } else if (cpu->efer & EFER_LMA) {
        esize = 8, levels = (cpu->cr4 & CR4_LA57) ? 5 : 4, shift = levels == 5 ? 48 : 39;
        table &= PHYS_MASK;
        rsvd_hi = ~PHYS_MASK & ~0xfffULL & ~PTE_XD & 0x000fffffffffffffULL;
        /* Canonical check is the segmentation unit's (#GP), done there. */
    } else {
        /* PAE: the four PDPTEs at CR3[31:5] (SDM 4.4.1). */
        esize = 8, levels = 3, shift = 30;
        table &= 0xffffffe0ULL;
        rsvd_hi = ~PHYS_MASK & ~0xfffULL & ~PTE_XD & 0x000fffffffffffffULL;
    }
    if (!nxe && esize == 8)
        rsvd_hi |= PTE_XD;

    uint64_t e = 0;
    for (unsigned level = 0; level < levels; level++) {
        unsigned bits = esize == 4 ? 10 : 9;
        uint64_t idx = (va >> shift) & ((1u << bits) - 1);
        if (esize == 8 && levels == 3 && level == 0)
            idx = (va >> 30) & 3;
        uint8_t *p = entry_ptr(cpu, table + idx * esize, esize);
        if (!p) {
            cpu->pf_nonram = true; /* paging structures outside RAM */
            cpu->pf_nonram_addr = table + idx * esize;
            return fault(cpu, va, err);
        }
        ptrs[n++] = p;
        e = 0;
        memcpy(&e, p, esize);
        if (!(e & PTE_P))
            return fault(cpu, va, err);
        bool pdpte_pae = esize == 8 && levels == 3 && level == 0;
        /* Reserved bits (SDM 4.4.2 and 4.5.4): above MAXPHYADDR, XD without
         * NXE, PS in a PML5E/PML4E; PAE PDPTEs also reserve 2:1 and 8:5. */
        uint64_t rsvd = rsvd_hi;
        if (pdpte_pae)
            rsvd |= 0x1e6ULL | PTE_XD;
        if (esize == 8 && levels >= 4 && level < levels - 3)
            rsvd |= PTE_PS;
        if (esize == 8 && levels >= 4 && level == levels - 3 && !x86_has(cpu, XF_PDPE1GB))
            rsvd |= PTE_PS; /* no 1 GiB pages in this model */
        if (e & rsvd)
            return fault(cpu, va, err | PF_P | PF_RSVD);
        if (!pdpte_pae) {
            rw = rw && (e & PTE_RW);
            us = us && (e & PTE_US);
        }
        xd = xd || (nxe && (e & PTE_XD));
        bool leaf = level == levels - 1;
        /* A large page: PS in a PDPTE (1 GiB) or PDE (2 MiB) of 4/5-level
         * or PAE paging, or in a 32-bit PDE (4 MiB) under CR4.PSE. */
        bool large = !leaf && (e & PTE_PS) &&
                     ((esize == 8 && !pdpte_pae && level + 3 >= levels) ||
                      (esize == 4 && (cpu->cr4 & CR4_PSE)));
        if (leaf || large) {
            uint64_t page_size = 1ULL << shift;
            uint64_t base;
            if (esize == 4 && large) {
                /* PSE-36: PDE bits 20:13 are physical bits 39:32. */
                base = (e & 0xffc00000ULL) | ((e >> 13) & 0xffULL) << 32;
                if (e & (1u << 21))
                    return fault(cpu, va, err | PF_P | PF_RSVD);
            } else if (large) {
                base = e & PHYS_MASK & ~(page_size - 1);
                if (e & (page_size - 1) & ~0x1fffULL) /* bits 12 (PAT) and up to the size */
                    return fault(cpu, va, err | PF_P | PF_RSVD);
            } else {
                base = esize == 4 ? (e & 0xfffff000ULL) : (e & PHYS_MASK);
            }
            /* Access rights, SDM 4.6.1. */
            if (user) {
                if (!us || (write && !rw) || (fetch && xd))
                    return fault(cpu, va, err | PF_P);
            } else {
                if (write && !rw && (cpu->cr0 & CR0_WP))
                    return fault(cpu, va, err | PF_P);
                if (fetch && (xd || (us && (cpu->cr4 & CR4_SMEP))))
                    return fault(cpu, va, err | PF_P);
                if (!fetch && us && (cpu->cr4 & CR4_SMAP) && !(cpu->rflags & F_AC))
                    return fault(cpu, va, err | PF_P);
            }
            /* Accessed flags on every entry used, dirty on a write (4.8). */
            for (unsigned k = 0; k < n; k++) {
                if (esize == 8 && levels == 3 && k == 0)
                    continue; /* PAE PDPTEs have no A bit */
                ptrs[k][0] |= PTE_A;
            }
            if (write)
                ptrs[n - 1][0] |= PTE_D;
            *pa = base | (va & (page_size - 1));
            /* A later write needs no walk if it is allowed and D is set. */
            bool w_ok = user ? rw : (rw || !(cpu->cr0 & CR0_WP));
            if (!user && us && (cpu->cr4 & CR4_SMAP) && !(cpu->rflags & F_AC))
                w_ok = false;
            *writable = w_ok && (ptrs[n - 1][0] & PTE_D);
            return true;
        }
        table = esize == 4 ? (e & 0xfffff000ULL) : (e & PHYS_MASK);
        shift -= esize == 4 ? 10 : 9;
    }
    return fault(cpu, va, err); /* not reached: the last level is a leaf */
}
