/* cpu/x86/features.c: the CPU model's optional features, which a VMM may
 * take away (never add) through one-register ids of the CPUID feature words
 * (SQUIB_REG_X86_CPUID), as -cpu max,-feature does.  The interpreter then
 * behaves as a CPU without them (Intel SDM Vol. 2, each instruction's
 * "#UD: if CPUID...", and the CR4/EFER/MSR/paging bits they gate):
 * - instructions decode as #UD (x86_feature_gate, at translation);
 * - MOVBE, ADX, POPCNT, LZCNT check the feature when they run (x86_has,
 *   exec_*.c);
 * - CR4 and EFER bits are #GP to set, MSRs #GP to access (sys_cr.c), and
 *   PS in a PDPTE is a reserved bit without 1 GiB pages (paging.c).
 */
#include "cpu/x86/x86.h"

#include <errno.h>

#include "util/err.h"

static const struct {
    uint32_t leaf, sub;
    unsigned reg; /* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
} words[X86_FW_N] = {
    [X86_FW_1_ECX] = {1, 0, 2},          [X86_FW_1_EDX] = {1, 0, 3},
    [X86_FW_7_EBX] = {7, 0, 1},          [X86_FW_81_ECX] = {0x80000001u, 0, 2},
    [X86_FW_81_EDX] = {0x80000001u, 0, 3},
};

void x86_features_init(struct x86_cpu *cpu)
{
    for (unsigned w = 0; w < X86_FW_N; w++)
        cpu->feat[w] = ~0u; /* x86_cpuid masks the model's words with these */
    for (unsigned w = 0; w < X86_FW_N; w++) {
        uint32_t o[4];
        x86_cpuid(cpu, words[w].leaf, words[w].sub, o);
        cpu->feat[w] = o[words[w].reg];
    }
}

void x86_cpuid_mask(const struct x86_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    for (unsigned w = 0; w < X86_FW_N; w++)
        if (words[w].leaf == leaf && words[w].sub == sub)
            out[words[w].reg] &= cpu->feat[w];
}

int x86_cpuid_get_reg(struct x86_cpu *cpu, uint64_t id, uint64_t *value)
{
    uint32_t o[4];
    x86_cpuid(cpu, SQUIB_REG_X86_CPUID_LEAF(id), SQUIB_REG_X86_CPUID_SUBLEAF(id), o);
    *value = o[SQUIB_REG_X86_CPUID_REG(id)];
    return 0;
}

int x86_cpuid_set_reg(struct x86_cpu *cpu, uint64_t id, uint64_t value)
{
    uint32_t leaf = SQUIB_REG_X86_CPUID_LEAF(id), sub = SQUIB_REG_X86_CPUID_SUBLEAF(id);
    unsigned reg = SQUIB_REG_X86_CPUID_REG(id);
    uint32_t o[4];
    x86_cpuid(cpu, leaf, sub, o);
    if (value == o[reg])
        return 0;
    for (unsigned w = 0; w < X86_FW_N; w++) {
        if (words[w].leaf != leaf || words[w].sub != sub || words[w].reg != reg)
            continue;
        if (value >> 32 || (value & ~(uint64_t)cpu->feat[w]))
            return squib_fail(-EINVAL, "x86 interpreter: CPUID 0x%x.%u %s = 0x%llx adds features "
                              "(0x%llx) this CPU does not have; a VMM may only remove them",
                              leaf, sub, (const char *[]){"EAX", "EBX", "ECX", "EDX"}[reg],
                              (unsigned long long)value,
                              (unsigned long long)(value & ~(uint64_t)cpu->feat[w]));
        cpu->feat[w] = (uint32_t)value;
        x86_debug_regs_changed(cpu);
        x86_mode_changed(cpu); /* decoded blocks go: x86_feature_gate again */
        return 0;
    }
    return squib_fail(-EINVAL, "x86 interpreter: CPUID 0x%x.%u register %u is fixed in this CPU "
                      "model (only the feature words of leaves 1, 7 and 0x80000001 can change)",
                      leaf, sub, reg);
}

/* Instructions of a feature the model lacks are #UD from decoding on.
 * (POPCNT, LZCNT, MOVBE and ADX check it when they run.) */
void x86_feature_gate(const struct x86_cpu *cpu, struct x86_insn *i)
{
    bool ok = true;
    unsigned r = i->reg & 7;
    if (i->map == 1) {
        switch (i->opcode) {
        case 0x01: /* 0F 01 F9 RDTSCP */
            if (i->mod == 3 && r == 7 && (i->rm & 7) == 1)
                ok = x86_has(cpu, XF_RDTSCP);
            break;
        case 0x05:
        case 0x07: ok = x86_has(cpu, XF_SYSCALL); break;
        case 0x30:
        case 0x32: ok = x86_has(cpu, XF_MSR); break;
        case 0x31: ok = x86_has(cpu, XF_TSC); break;
        case 0x34:
        case 0x35: ok = x86_has(cpu, XF_SEP); break;
        case 0xAE: /* CLFLUSH m8 */
            if (i->mod != 3 && r == 7 && !i->p66 && !i->rep)
                ok = x86_has(cpu, XF_CLFSH);
            break;
        case 0xC7: /* CMPXCHG8B/16B m64/m128 */
            if (i->mod != 3 && r == 1)
                ok = x86_has(cpu, (i->rex & 8) ? XF_CX16 : XF_CX8);
            break;
        default:
            if ((i->opcode & 0xF0) == 0x40) /* CMOVcc */
                ok = x86_has(cpu, XF_CMOV);
            break;
        }
    } else if (i->map == 2 && i->opcode == 0x82) {
        ok = x86_has(cpu, XF_INVPCID);
    } else if (i->map == 0 && (i->opcode == 0x9E || i->opcode == 0x9F) &&
               cpu->mode == X86_MODE_LONG64) {
        ok = x86_has(cpu, XF_LAHF_LM);
    }
    if (!ok)
        i->fn = x86_op_ud;
}
