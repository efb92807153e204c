/* cpu/x86/exec_io.c: port I/O and string instructions.
 *
 * IN/OUT/INS/OUTS become PIO exits, one per element.  A REP string
 * instruction commits each iteration (rSI/rDI/rCX) before the next one may
 * exit, and stays at its own rip until rCX reaches zero (SDM Vol. 2,
 * REP/REPE/REPNE).  Each port access is checked against IOPL and the TSS
 * I/O bitmap first (x86_io_permitted, mem.c: #GP(0)).
 */
#include "cpu/x86/x86.h"

/* E4/E5 IN AL/eAX,Ib; EC/ED IN AL/eAX,DX */
int x86_op_in(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize == 8 ? 4 : i->opsize;
    uint16_t port = (i->opcode & 8) ? (uint16_t)cpu->r[RDX] : (uint8_t)i->imm;
    uint32_t v;
    if (!x86_io_permitted(cpu, port, sz))
        return X86_EXIT;
    if (!x86_port_in(cpu, i, port, sz, &v))
        return X86_EXIT;
    x86_set_reg(cpu, RAX, sz, true, v);
    return X86_NEXT;
}

/* E6/E7 OUT Ib,AL/eAX; EE/EF OUT DX,AL/eAX */
int x86_op_out(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize == 8 ? 4 : i->opsize;
    uint16_t port = (i->opcode & 8) ? (uint16_t)cpu->r[RDX] : (uint8_t)i->imm;
    if (!x86_io_permitted(cpu, port, sz))
        return X86_EXIT;
    x86_port_out(cpu, i, port, sz, (uint32_t)cpu->r[RAX]);
    return x86_done(cpu);
}

static int64_t str_step(const struct x86_cpu *cpu, unsigned sz)
{
    return (cpu->rflags & F_DF) ? -(int64_t)sz : (int64_t)sz;
}

static void str_advance(struct x86_cpu *cpu, const struct x86_insn *i, int reg, unsigned sz)
{
    x86_set_reg(cpu, reg, i->adsize, true, cpu->r[reg] + (uint64_t)str_step(cpu, sz));
}

enum str_kind { STR_INS, STR_OUTS, STR_MOVS, STR_LODS, STR_STOS, STR_CMPS, STR_SCAS };

/* One element; false if it became a read exit (nothing committed). */
static bool str_element(struct x86_cpu *cpu, const struct x86_insn *i, enum str_kind k,
                        unsigned sz)
{
    uint64_t a, b;
    uint32_t v32;
    uint64_t si = cpu->r[RSI] & x86_size_mask(i->adsize);
    uint64_t di = cpu->r[RDI] & x86_size_mask(i->adsize);
    switch (k) {
    case STR_INS:
        if (!x86_io_permitted(cpu, (uint16_t)cpu->r[RDX], sz) ||
            !x86_port_in(cpu, i, (uint16_t)cpu->r[RDX], sz, &v32))
            return false;
        if (!x86_mem_write(cpu, i, SEG_ES, di, sz, v32))
            return false;
        str_advance(cpu, i, RDI, sz);
        return true;
    case STR_OUTS:
        if (!x86_io_permitted(cpu, (uint16_t)cpu->r[RDX], sz) ||
            !x86_mem_read(cpu, i, i->seg, si, sz, &a))
            return false;
        x86_port_out(cpu, i, (uint16_t)cpu->r[RDX], sz, (uint32_t)a);
        str_advance(cpu, i, RSI, sz);
        return true;
    case STR_MOVS:
        if (!x86_mem_read(cpu, i, i->seg, si, sz, &a))
            return false;
        if (!x86_mem_write(cpu, i, SEG_ES, di, sz, a))
            return false;
        str_advance(cpu, i, RSI, sz);
        str_advance(cpu, i, RDI, sz);
        return true;
    case STR_LODS:
        if (!x86_mem_read(cpu, i, i->seg, si, sz, &a))
            return false;
        x86_set_reg(cpu, RAX, sz, true, a);
        str_advance(cpu, i, RSI, sz);
        return true;
    case STR_STOS:
        if (!x86_mem_write(cpu, i, SEG_ES, di, sz, cpu->r[RAX]))
            return false;
        str_advance(cpu, i, RDI, sz);
        return true;
    case STR_CMPS:
        if (!x86_mem_read(cpu, i, i->seg, si, sz, &a) ||
            !x86_mem_read(cpu, i, SEG_ES, di, sz, &b))
            return false;
        x86_alu(cpu, 7, sz, a, b);
        str_advance(cpu, i, RSI, sz);
        str_advance(cpu, i, RDI, sz);
        return true;
    default: /* SCAS */
        if (!x86_mem_read(cpu, i, SEG_ES, di, sz, &b))
            return false;
        x86_alu(cpu, 7, sz, cpu->r[RAX], b);
        str_advance(cpu, i, RDI, sz);
        return true;
    }
}

int x86_op_string(struct x86_cpu *cpu, const struct x86_insn *i)
{
    enum str_kind k;
    switch (i->opcode & 0xFE) {
    case 0x6C: k = STR_INS; break;
    case 0x6E: k = STR_OUTS; break;
    case 0xA4: k = STR_MOVS; break;
    case 0xA6: k = STR_CMPS; break;
    case 0xAA: k = STR_STOS; break;
    case 0xAC: k = STR_LODS; break;
    default: k = STR_SCAS; break;
    }
    unsigned sz = (i->opcode & 1) ? i->opsize : 1;
    if ((k == STR_INS || k == STR_OUTS) && sz == 8)
        sz = 4;
    if (!i->rep) {
        if (!str_element(cpu, i, k, sz))
            return X86_EXIT;
        return x86_done(cpu);
    }
    uint64_t m = x86_size_mask(i->adsize);
    bool cond = k == STR_CMPS || k == STR_SCAS;
    /* Bounded batch per call so kicks are seen; the instruction resumes at
     * its own rip. */
    for (unsigned n = 0; n < 4096; n++) {
        if ((cpu->r[RCX] & m) == 0)
            return X86_NEXT;
        if (!str_element(cpu, i, k, sz))
            return X86_EXIT;
        x86_set_reg(cpu, RCX, i->adsize, true, cpu->r[RCX] - 1);
        x86_commit(cpu);
        bool last = (cpu->r[RCX] & m) == 0 ||
                    (cond && ((i->rep == 0xF3) != !!(cpu->rflags & F_ZF)));
        if (cpu->dr_hits && !last) {
            /* A data or I/O breakpoint matched: its #DB trap follows this
             * iteration, with rip still at the instruction so that the
             * handler's IRET resumes the rest (SDM Vol. 3, 18.3.1.2). */
            bool wrote = cpu->write_exit;
            cpu->write_exit = false;
            return wrote ? X86_EXIT_BRANCH : X86_BRANCH;
        }
        if (cpu->write_exit) {
            cpu->write_exit = false;
            return last ? X86_EXIT_DONE : X86_EXIT;
        }
        if (last)
            return X86_NEXT;
    }
    /* Not finished: leave the block with rip unchanged, so the loop checks
     * for kicks and runs the same instruction again. */
    return X86_BRANCH;
}
