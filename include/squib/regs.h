/* squib/regs.h: register sets exchanged with a vCPU (squib_vcpu_get_regs and
 * friends).  The layouts follow KVM's so the KVM backend copies field by
 * field; the interpreter keeps its own internal state and converts.
 */
#ifndef SQUIB_REGS_H
#define SQUIB_REGS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum squib_regset {
    SQUIB_REGSET_X86_GPR = 1,  /* struct squib_x86_regs */
    SQUIB_REGSET_X86_SYS = 2,  /* struct squib_x86_sregs */
    SQUIB_REGSET_X86_FPU = 3,  /* struct squib_x86_fpu */
    SQUIB_REGSET_ARM64_CORE = 16, /* struct squib_arm64_regs */
    SQUIB_REGSET_ARM64_FP = 17,   /* struct squib_arm64_fp */
};

/* ---- x86-64 ---------------------------------------------------------- */

struct squib_x86_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};

/* A segment register with its hidden (descriptor cache) part. */
struct squib_x86_segment {
    uint64_t base;
    uint32_t limit; /* byte granular, already scaled by G */
    uint16_t selector;
    uint8_t type; /* descriptor type field, 4 bits */
    uint8_t present, dpl, db, s, l, g, avl;
    uint8_t unusable;
};

struct squib_x86_dtable {
    uint64_t base;
    uint16_t limit;
};

struct squib_x86_sregs {
    struct squib_x86_segment cs, ds, es, fs, gs, ss;
    struct squib_x86_segment tr, ldt;
    struct squib_x86_dtable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t apic_base;
};

/* x87/SSE state, the FXSAVE image's contents. */
struct squib_x86_fpu {
    uint8_t fpr[8][16];
    uint16_t fcw, fsw;
    uint8_t ftwx; /* abridged tag word, as FXSAVE stores it */
    uint16_t last_opcode;
    uint64_t last_ip, last_dp;
    uint8_t xmm[16][16];
    uint32_t mxcsr;
};

/* One-register ids.  x86 MSRs: SQUIB_REG_X86_MSR(index). */
#define SQUIB_REG_X86_MSR(index) (0x2000000000000000ULL | 0x0030000000000000ULL | (uint32_t)(index))
#define SQUIB_REG_IS_X86_MSR(id) (((id) >> 48) == 0x2030)
/* x86 CPUID output registers: leaf (32 bits), subleaf (8 bits), register
 * 0-3 = EAX EBX ECX EDX.  Reading one gives what the guest's CPUID gives;
 * writing one of the feature words (leaf 1 ECX/EDX, leaf 7.0 EBX, leaf
 * 0x80000001 ECX/EDX) may clear features, never add them, before the vCPU
 * first runs; the vCPU then behaves as a CPU without them (as -cpu
 * max,-feature asks). */
#define SQUIB_REG_X86_CPUID(leaf, subleaf, reg)                                    \
    (0x2000000000000000ULL | 0x0031000000000000ULL | (uint64_t)((reg) & 3) << 40 | \
     (uint64_t)((subleaf) & 0xff) << 32 | (uint32_t)(leaf))
#define SQUIB_REG_IS_X86_CPUID(id) (((id) >> 48) == 0x2031)
#define SQUIB_REG_X86_CPUID_LEAF(id) ((uint32_t)(id))
#define SQUIB_REG_X86_CPUID_SUBLEAF(id) ((uint32_t)((id) >> 32) & 0xff)
#define SQUIB_REG_X86_CPUID_REG(id) ((unsigned)((id) >> 40) & 3)
/* x86 extended control registers (XSETBV's): XCR0 = SQUIB_REG_X86_XCR(0),
 * which says what XSAVE state the guest's OS enabled; 1 (x87) at reset, as
 * KVM_GET/SET_XCRS carry it. */
#define SQUIB_REG_X86_XCR(n) (0x2000000000000000ULL | 0x0032000000000000ULL | (uint32_t)(n))
#define SQUIB_REG_IS_X86_XCR(id) (((id) >> 48) == 0x2032)

/* ---- AArch64 --------------------------------------------------------- */

struct squib_arm64_regs {
    uint64_t x[31];
    uint64_t sp;     /* SP_EL0 */
    uint64_t pc;
    uint64_t pstate; /* SPSR layout: NZCV, DAIF, M[3:0] */
    uint64_t sp_el1;
    uint64_t elr_el1;
    uint64_t spsr_el1;
};

struct squib_arm64_fp {
    uint64_t v[32][2]; /* V0..V31, low doubleword first */
    uint32_t fpsr, fpcr;
};

/* One-register ids, the same numbers as KVM's ONE_REG ids for arm64
 * (Documentation/virt/kvm/api.rst, "ARM64 registers"), so a VMM can pass
 * them straight to KVM_GET_ONE_REG.  System registers by encoding: */
#define SQUIB_REG_ARM64 0x6000000000000000ULL
#define SQUIB_REG_SIZE_U64 0x0030000000000000ULL
#define SQUIB_REG_ARM64_SYSREG_GROUP (0x0013ULL << 16)
#define SQUIB_REG_ARM64_SYS(op0, op1, crn, crm, op2)                                   \
    (SQUIB_REG_ARM64 | SQUIB_REG_SIZE_U64 | SQUIB_REG_ARM64_SYSREG_GROUP |             \
     ((uint64_t)(op0) << 14) | ((uint64_t)(op1) << 11) | ((uint64_t)(crn) << 7) |     \
     ((uint64_t)(crm) << 3) | (uint64_t)(op2))
#define SQUIB_REG_IS_ARM64_SYS(id)                                                     \
    (((id) & 0xffffffffffff0000ULL) == (SQUIB_REG_ARM64 | SQUIB_REG_SIZE_U64 |         \
                                        SQUIB_REG_ARM64_SYSREG_GROUP))
#define SQUIB_REG_ARM64_SYS_ENC(id) ((uint32_t)((id) & 0xffff)) /* op0:op1:CRn:CRm:op2 */

/* A few named system registers. */
#define SQUIB_ARM64_SCTLR_EL1 SQUIB_REG_ARM64_SYS(3, 0, 1, 0, 0)
#define SQUIB_ARM64_TTBR0_EL1 SQUIB_REG_ARM64_SYS(3, 0, 2, 0, 0)
#define SQUIB_ARM64_TTBR1_EL1 SQUIB_REG_ARM64_SYS(3, 0, 2, 0, 1)
#define SQUIB_ARM64_TCR_EL1 SQUIB_REG_ARM64_SYS(3, 0, 2, 0, 2)
#define SQUIB_ARM64_ESR_EL1 SQUIB_REG_ARM64_SYS(3, 0, 5, 2, 0)
#define SQUIB_ARM64_FAR_EL1 SQUIB_REG_ARM64_SYS(3, 0, 6, 0, 0)
#define SQUIB_ARM64_MAIR_EL1 SQUIB_REG_ARM64_SYS(3, 0, 10, 2, 0)
#define SQUIB_ARM64_VBAR_EL1 SQUIB_REG_ARM64_SYS(3, 0, 12, 0, 0)
#define SQUIB_ARM64_TPIDR_EL0 SQUIB_REG_ARM64_SYS(3, 3, 13, 0, 2)
#define SQUIB_ARM64_MPIDR_EL1 SQUIB_REG_ARM64_SYS(3, 0, 0, 0, 5)
#define SQUIB_ARM64_MIDR_EL1 SQUIB_REG_ARM64_SYS(3, 0, 0, 0, 0)
#define SQUIB_ARM64_CNTVCT_EL0 SQUIB_REG_ARM64_SYS(3, 3, 14, 0, 2)

#ifdef __cplusplus
}
#endif
#endif
