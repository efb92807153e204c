/* cpu/x86/exec_sys.c: system instructions that exit or change CPU state. */
#include "cpu/x86/x86.h"

#include <string.h>

/* F4 HLT: an exit at CPL0 (privilege checks land with the x86 core issue).
 * The vCPU resumes after the HLT (SDM Vol. 2, HLT: execution resumes at the
 * next instruction after an interrupt). */
int x86_op_hlt(struct x86_cpu *cpu, const struct x86_insn *i)
{
    struct squib_exit *e = cpu->exit;
    memset(e, 0, sizeof *e);
    e->kind = SQUIB_EXIT_HLT;
    e->pc = cpu->rip;
    return X86_EXIT_DONE;
}

/* FA CLI, FB STI (real mode; IOPL checks and the STI interrupt shadow land
 * with interrupt delivery). */
int x86_op_cli_sti(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->opcode == 0xFA)
        cpu->rflags &= ~(uint64_t)F_IF;
    else
        cpu->rflags |= F_IF;
    return X86_NEXT;
}

/* 0F 01 group 7; only VMCALL (0F 01 C1) so far.  VMCALL becomes a HYPERCALL
 * exit with the Xen x86-64 convention (squib/exit.h): func = RAX, args =
 * RDI, RSI, RDX, R10, R8, R9; the result lands in RAX on the next run. */
int x86_op_grp7(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->mod == 3 && (i->reg & 7) == 0 && (i->rm & 7) == 1) {
        struct squib_exit *e = cpu->exit;
        memset(e, 0, sizeof *e);
        e->kind = SQUIB_EXIT_HYPERCALL;
        e->pc = cpu->rip;
        e->hypercall.func = cpu->r[RAX];
        e->hypercall.args[0] = cpu->r[RDI];
        e->hypercall.args[1] = cpu->r[RSI];
        e->hypercall.args[2] = cpu->r[RDX];
        e->hypercall.args[3] = cpu->r[R10];
        e->hypercall.args[4] = cpu->r[R8];
        e->hypercall.args[5] = cpu->r[R9];
        cpu->pending = CPU_PENDING_HYPERCALL;
        return X86_EXIT_DONE;
    }
    return x86_op_unimplemented(cpu, i);
}

int x86_op_unimplemented(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint8_t bytes[15];
    unsigned n = i->len ? i->len : 1;
    if (!mmu_read(cpu->mmu, cpu->seg[SEG_CS].base + cpu->rip, bytes, n))
        n = 0;
    squib_exit_internal_error(cpu->exit, cpu->rip, bytes, n,
                              "x86 instruction not implemented yet (%sopcode %s%02x /%u)",
                              cpu->mode == X86_MODE_REAL ? "real mode, " : "",
                              i->map ? "0f " : "", i->opcode, i->reg & 7);
    return X86_EXIT;
}
