/* cpu/x86/sys_desc.c: LAR (0F 02) and LSL (0F 03), which read a
 * descriptor's access rights or limit without loading it (Intel SDM Vol. 2,
 * "LAR" and "LSL", Tables 3-52/3-55 of valid types; Vol. 3, 5.10.1).
 * Neither faults on a bad selector: ZF = 0 says the descriptor is not
 * visible, and the destination keeps its value. */
#include "cpu/x86/x86.h"

/* Which system-descriptor types each instruction accepts (bit = type), in
 * legacy protected mode and in IA-32e mode.  Code and data segments are
 * always valid. */
enum {
    LAR_LEGACY = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 9 | 1u << 0xB | 1u << 0xC,
    LAR_IA32E = 1u << 9 | 1u << 0xB | 1u << 0xC,
    LSL_LEGACY = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 9 | 1u << 0xB,
    LSL_IA32E = 1u << 2 | 1u << 9 | 1u << 0xB,
};

int x86_sys_lar_lsl(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (x86_real_segments(cpu)) /* #UD in real and virtual-8086 mode */
        return x86_exception(cpu, 6, 0);
    uint64_t v;
    if (!x86_get_rm(cpu, i, 2, &v))
        return X86_EXIT;
    bool lsl = i->opcode == 0x03, ia32e = cpu->efer & (1u << 10);
    uint16_t sel = (uint16_t)v;
    uint32_t d[4];
    bool ok = (sel & ~3u) && x86_descriptor_words(cpu, sel, d, 2);
    if (ok) {
        unsigned type = (d[1] >> 8) & 0xf, dpl = (d[1] >> 13) & 3;
        bool s = d[1] & (1u << 12), conforming = s && (type & 0xc) == 0xc;
        unsigned valid = lsl ? (ia32e ? LSL_IA32E : LSL_LEGACY) : (ia32e ? LAR_IA32E : LAR_LEGACY);
        ok = s || (valid >> type & 1);
        /* A 16-byte system descriptor in IA-32e mode must fit the table. */
        if (ok && !s && ia32e)
            ok = x86_descriptor_words(cpu, sel, d, 4);
        if (ok && !conforming)
            ok = x86_cpl(cpu) <= dpl && (sel & 3u) <= dpl;
    }
    if (ok) {
        uint64_t r;
        if (lsl) {
            r = (d[0] & 0xffff) | (d[1] & 0xf0000);
            if (d[1] & (1u << 23))
                r = r << 12 | 0xfff; /* G: 4 KiB units */
        } else {
            /* Bits 19:16 are undefined: they read as the limit's, as the
             * descriptor's second doubleword has them. */
            r = d[1] & 0x00ffff00;
        }
        x86_set_reg(cpu, i->reg, i->opsize, true, r & x86_size_mask(i->opsize));
    }
    cpu->rflags = ok ? cpu->rflags | F_ZF : cpu->rflags & ~(uint64_t)F_ZF;
    return X86_NEXT;
}
