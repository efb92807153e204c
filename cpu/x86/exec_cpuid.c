/* cpu/x86/exec_cpuid.c: the CPUID model (0F A2) and the time-stamp counter
 * (RDTSC 0F 31; RDTSCP 0F 01 F9 reaches here from group 7).
 *
 * The model advertises exactly what the interpreter implements, so software
 * that probes before it uses a feature takes paths that work.  Leaves (SDM
 * Vol. 2, CPUID, Table 3-8):
 * - 0: max basic leaf 7, vendor "GenuineIntel" (family 6 matches the reset
 *   value of EDX);
 * - 1: EAX = 0x600 (family 6, model 0, stepping 0); EBX: CLFLUSH line
 *   size 64 bytes, one logical processor, APIC id 0; ECX: CMPXCHG16B (13),
 *   PCID (17), MOVBE (22), POPCNT (23); EDX: DE (2), PSE (3), TSC (4), MSR (5),
 *   PAE (6), CX8 (8), SEP (11), MTRR (12), PGE (13), CMOV (15), PAT (16),
 *   CLFSH (19) (the paging and MSR work in paging.c and sys_cr.c).  Not
 *   yet: FPU/MMX/SSE/FXSR/XSAVE, APIC, VME;
 * - 2-6: zero (no cache or power information);
 * - 7 subleaf 0: max subleaf 0; EBX: SMEP (7), INVPCID (10), ADX (19),
 *   SMAP (20); no BMI1,
 *   so F3 0F BC is BSF; no FSGSBASE instructions yet; other subleaves zero;
 * - 0x80000000: max extended leaf 0x80000004;
 * - 0x80000001: ECX: LAHF/SAHF in 64-bit mode (0), LZCNT/ABM (5); EDX:
 *   SYSCALL (11), NX (20), 1 GiB pages (26), RDTSCP (27), LM (29);
 * - 0x80000002-4: the brand string.
 * Leaves above the maximum return the highest basic leaf, as Intel parts do.
 */
#include "cpu/x86/x86.h"

#include <string.h>

enum { MAX_BASIC = 7, MAX_EXT = 0x80000004u };

static void put_str(uint32_t *out, const char *s)
{
    memcpy(out, s, 16);
}

void x86_cpuid(const struct x86_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    static const char brand[48] = "squib x86-64 interpreter";
    memset(out, 0, 16);
    if ((leaf > MAX_BASIC && leaf < 0x80000000u) || leaf > MAX_EXT) {
        leaf = MAX_BASIC;
        sub = 0;
    }
    switch (leaf) {
    case 0:
        out[0] = MAX_BASIC;
        memcpy(&out[1], "Genu", 4); /* EBX EDX ECX = "GenuineIntel" */
        memcpy(&out[3], "ineI", 4);
        memcpy(&out[2], "ntel", 4);
        break;
    case 1:
        out[0] = 0x600;
        /* CLFLUSH line size 8 x 8 bytes; one logical processor; APIC id 0 */
        out[1] = 8u << 8 | 1u << 16;
        out[2] = 1u << 13 | 1u << 17 | 1u << 22 | 1u << 23;
        out[3] = 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 8 | 1u << 11 |
                 1u << 12 | 1u << 13 | 1u << 15 | 1u << 16 | 1u << 19;
        break;
    case 7:
        if (sub == 0)
            out[1] = 1u << 7 | 1u << 10 | 1u << 19 | 1u << 20; /* SMEP INVPCID ADX SMAP */
        break;
    case 0x80000000u:
        out[0] = MAX_EXT;
        break;
    case 0x80000001u:
        out[2] = 1u << 0 | 1u << 5;
        out[3] = 1u << 11 | 1u << 20 | 1u << 26 | 1u << 27 | 1u << 29;
        break;
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u:
        put_str(out, brand + 16 * (leaf - 0x80000002u));
        break;
    default:
        break;
    }
    x86_cpuid_mask(cpu, leaf, sub, out); /* less what the VMM took away */
}

/* 0F A2 CPUID: EAX EBX ECX EDX from leaf EAX, subleaf ECX; the upper
 * halves of RAX RBX RCX RDX are cleared in 64-bit mode. */
int x86_op_cpuid(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint32_t o[4];
    x86_cpuid(cpu, (uint32_t)cpu->r[RAX], (uint32_t)cpu->r[RCX], o);
    x86_set_reg(cpu, RAX, 4, true, o[0]);
    x86_set_reg(cpu, RBX, 4, true, o[1]);
    x86_set_reg(cpu, RCX, 4, true, o[2]);
    x86_set_reg(cpu, RDX, 4, true, o[3]);
    return X86_NEXT;
}

/* 0F 31 RDTSC: EDX:EAX = TSC.  0F 01 F9 RDTSCP: the same and ECX =
 * IA32_TSC_AUX[31:0].  CR4.TSD makes both #GP outside CPL 0 (CPL = SS.DPL
 * in protected mode). */
int x86_op_rdtsc(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned cpl = x86_cpl(cpu);
    if ((cpu->cr4 & 4) && cpl != 0)
        return x86_fault(cpu, i, 13);
    uint64_t t = x86_tsc(cpu); /* core.c: host TSC + the guest's offset */
    x86_set_reg(cpu, RAX, 4, true, t);
    x86_set_reg(cpu, RDX, 4, true, t >> 32);
    if (i->map == 1 && i->opcode == 0x01)
        x86_set_reg(cpu, RCX, 4, true, cpu->msr_tsc_aux);
    return X86_NEXT;
}
