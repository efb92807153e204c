/* cpu/x86/exec_sys.c: system instructions that exit or change CPU state. */
#include "cpu/x86/x86.h"

#include <string.h>

/* F4 HLT: an exit at CPL0 (privilege checks land with the x86 core issue).
 * The vCPU resumes after the HLT (SDM Vol. 2, HLT: execution resumes at the
 * next instruction after an interrupt). */

int x86_op_hlt(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (x86_cpl(cpu) != 0)
        return x86_exception(cpu, 13, 0); /* HLT is privileged (SDM Vol. 2, HLT) */
    /* A pending interrupt wakes the HLT at once: it is delivered with the
     * return address after the HLT (SDM Vol. 2, HLT). */
    uint64_t insn = cpu->rip;
    cpu->rip = cpu->next_rip;
    if (x86_take_interrupt(cpu))
        return X86_EXIT;
    cpu->rip = insn;
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
    /* Protected and virtual-8086 mode (CPL 3): CPL <= IOPL, else #GP(0);
     * this model has no VME/PVI (CPUID.1:EDX.VME is 0). */
    if (x86_cpl(cpu) > ((cpu->rflags >> 12) & 3))
        return x86_exception(cpu, 13, 0);
    if (i->opcode == 0xFA) {
        cpu->rflags &= ~(uint64_t)F_IF;
    } else {
        /* STI that sets IF holds interrupts off until after the next
         * instruction (SDM Vol. 2, STI). */
        if (!(cpu->rflags & F_IF)) {
            cpu->shadow = true;
            cpu->shadow_rip = cpu->next_rip;
        }
        cpu->rflags |= F_IF;
    }
    return X86_NEXT;
}

/* 0F 01 group 7 members not in sys_cr.c: VMCALL (0F 01 C1) and RDTSCP
 * (0F 01 F9).  VMCALL becomes a HYPERCALL exit with the Xen x86-64
 * convention (squib/exit.h): func = RAX, args = RDI, RSI, RDX, R10, R8, R9;
 * the result lands in RAX on the next run. */
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
    if (i->mod == 3 && (i->reg & 7) == 7 && (i->rm & 7) == 1) {
        extern int x86_op_rdtsc(struct x86_cpu *, const struct x86_insn *);
        return x86_op_rdtsc(cpu, i); /* 0F 01 F9 RDTSCP (exec_cpuid.c) */
    }
    return x86_op_unimplemented(cpu, i);
}

static unsigned insn_bytes(struct x86_cpu *cpu, const struct x86_insn *i, uint8_t bytes[15])
{
    unsigned n = i->len ? i->len : 1;
    if (!mmu_read(cpu->mmu, cpu->seg[SEG_CS].base + cpu->rip, bytes, n))
        n = 0;
    return n;
}

static const char *const map_names[4] = {"", "0f ", "0f 38 ", "0f 3a "};

int x86_op_unimplemented(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint8_t bytes[15];
    unsigned n = insn_bytes(cpu, i, bytes);
    squib_exit_internal_error(cpu->exit, cpu->rip, bytes, n,
                              "x86 instruction not implemented yet (%sopcode %s%02x /%u: %s)",
                              cpu->mode == X86_MODE_REAL ? "real mode, " : "",
                              map_names[i->map & 3], i->opcode, i->reg & 7,
                              x86_entry(i)->name ? x86_entry(i)->name
                                                 : "a row of the SSE-family three-byte maps");
    return X86_EXIT;
}

/* Until the instruction handlers deliver exceptions (x86_exception), one
 * that raises one stops the vCPU with an INTERNAL_ERROR that says which
 * exception it was; rip stays at the faulting instruction, as for a fault. */
int x86_fault(struct x86_cpu *cpu, const struct x86_insn *i, unsigned vec)
{
    (void)i;
    return x86_exception(cpu, vec, 0); /* delivered to the guest (exception.c) */
}

/* UD2 (0F 0B), UD1 (0F B9), UD0 (0F FF), undefined opcodes and forms, and
 * the opcodes invalid in 64-bit mode. */
int x86_op_ud(struct x86_cpu *cpu, const struct x86_insn *i)
{
    return x86_fault(cpu, i, 6);
}

/* #GP(0) for the whole instruction: an instruction longer than 15 bytes
 * (SDM Vol. 2, 2.3.11), and 0F 33 RDPMC, since this model has no
 * performance counters (CPUID leaf 0AH is zero) so every ECX is invalid, as
 * for CPL > 0 without CR4.PCE (SDM Vol. 2, RDPMC). */
int x86_op_gp0(struct x86_cpu *cpu, const struct x86_insn *i)
{
    return x86_fault(cpu, i, 13);
}

/* 0F AE group 15 (SDM Vol. 2, Table A-6).  CLFLUSH m8 is checked like a
 * byte read (segment, paging: #GP/#SS/#PF) and then has nothing to do: the
 * interpreter keeps no caches, and it is no device access (no exit).  The
 * members of features this model does not advertise are #UD: CLFLUSHOPT
 * and CLWB (66), the XSAVE family (CR4.OSXSAVE cannot be set) and
 * RD/WR FS/GS BASE (F3; CR4.FSGSBASE cannot be set).  FXSAVE/FXRSTOR,
 * LDMXCSR/STMXCSR and the fences belong to the x87/SSE work and are not
 * implemented yet. */
int x86_op_grp15(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned r = i->reg & 7;
    if (i->mod == 3) {
        if (!i->rep && !i->p66 && r >= 5)
            return x86_op_unimplemented(cpu, i); /* LFENCE, MFENCE, SFENCE */
        return x86_op_ud(cpu, i);
    }
    if (i->rep)
        return x86_op_ud(cpu, i);
    if (r == 7 && !i->p66) {
        if (!x86_mem_check(cpu, i, i->seg, x86_ea(cpu, i)))
            return X86_EXIT;
        return X86_NEXT;
    }
    if (r >= 4)
        return x86_op_ud(cpu, i);
    return x86_op_unimplemented(cpu, i);
}
