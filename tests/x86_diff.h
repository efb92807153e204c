/* tests/x86_diff.h: differential testing of the x86 interpreter against the
 * host CPU through squib's own KVM backend, at CPL3 in 64-bit mode (where
 * kvm-pvm runs guest code natively).
 *
 * Each case: random general registers and arithmetic flags, a random data
 * page, one instruction built from a form (random prefixes, ModRM, registers,
 * displacement, immediate), then `mov [0x400000], al`, which both backends
 * report as an MMIO write exit.  Compared: every general register, RFLAGS
 * (less the flags the form leaves undefined), RIP, and the data page.
 *
 * Memory (both VMs alike): 4-level page tables at 0x1000 (2 MiB pages, user,
 * writable): virtual 0-4 MiB identity, virtual 4 MiB -> physical 1 GiB (no
 * RAM: the exit); GDT at 0x5000; code at 0x100000; data page at 0x200000.
 * RSP points into the data page, so pushes land in compared memory.
 *
 * Branches: every target gets its own copy of the exit instruction (a pad,
 * anywhere in free RAM below the data page), so the case ends the same way
 * taken or not, and the compared RIP (just after the exit instruction that
 * ran) tells exactly where the branch went.
 */
#ifndef TESTS_X86_DIFF_H
#define TESTS_X86_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "squib/accel.h"

#define XD_RAM_SIZE (4u << 20)
#define XD_CODE 0x100000u
#define XD_DATA 0x200000u
#define XD_EXIT_VA 0x400000u
#define XD_EXIT_PA 0x40000000u

/* An instruction form (opcode bytes after any prefixes/REX). */
enum xd_operands {
    XD_NONE,   /* opcode only */
    XD_MODRM,  /* ModRM: register or memory operand (random) */
    XD_MODRM_REG, /* ModRM, register operand only (mod = 3) */
    XD_MODRM_MEM, /* ModRM, memory operand only */
};

struct xd_case;
struct xd_gen;

/* A form-specific step after the generic one (xd_make_case): gives the case
 * the inputs the form needs (a landing pad at a branch target, RSI/RDI in
 * the data page, a divisor that does not fault...). */
typedef void (*xd_fix_fn)(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);

struct xd_form {
    const char *name;
    uint8_t op[4];
    uint8_t op_len;
    enum xd_operands operands;
    int8_t digit;        /* ModRM.reg fixed to this /digit, or -1 */
    uint8_t imm;         /* immediate bytes: 0, 1, 2, 3, 4, 8, XD_IMMZ or XD_IMMV */
    bool byte_op;        /* 8-bit operands: REX changes AH..BH to SPL..DIL */
    bool no_66, no_rexw; /* prefixes the form must not get */
    uint32_t undef_flags; /* RFLAGS bits the SDM leaves undefined (masked) */
    uint32_t flags;      /* XF_* */
    xd_fix_fn fix;       /* or NULL */
    uint16_t avoid;      /* registers (bit n: register n) never the ModRM
                          * register, r/m register or memory base */
};

#define XD_IMMZ 0x80 /* Iz: 2 bytes with 66 (and no REX.W), else 4 */
#define XD_IMMV 0x81 /* Iv: 8 with REX.W, 2 with 66, else 4 */
#define XD_IMMA 0x82 /* a moffs address: 8 bytes, 4 with 67 */

/* xd_form.flags */
#define XF_OPREG 0x01 /* register in the opcode's low 3 bits (+ REX.B) */
#define XF_A67 0x02   /* a 67 prefix (32-bit addresses) one case in three */
#define XF_REP 0x04   /* an F3 (REP) prefix one case in two */
#define XF_REPCC 0x08 /* F3 (REPE), F2 (REPNE) or none */
#define XF_LOCK 0x10  /* always an F0 (LOCK) prefix (memory forms) */
#define XF_REXW 0x20  /* always REX.W */
#define XF_BRANCH 0x40 /* the code goes somewhere in 0x106100-0x10ef00, so
                        * that a 16-bit (66) target lands in free low memory */

/* What the generic step chose, for the fix. */
struct xd_gen {
    bool mem, p66, rexw, rex, a67;
    unsigned rep;     /* 0, 0xF3 or 0xF2 */
    unsigned reg, rm; /* register numbers 0-15 (rm: the base for memory) */
    unsigned osize;   /* operand size in bytes */
    uint64_t ea;      /* memory operand's address */
    unsigned modrm_at, imm_at, imm_len; /* offsets in code (0: none) */
    unsigned len;     /* instruction length */
};
struct xd_machine {
    struct squib_vm *vm;
    struct squib_vcpu *cpu;
    uint8_t *ram;
};

/* 0, or a negative errno with squib_errmsg(). */
int xd_machine_init(struct xd_machine *m, const char *accel);
void xd_machine_destroy(struct xd_machine *m);

struct xd_case {
    uint8_t code[48];
    unsigned code_len;
    uint64_t code_va; /* where code goes (and RIP starts) */
    uint32_t pad[4];  /* more copies of the exit instruction (branch targets) */
    unsigned npads;
    struct squib_x86_regs regs;
    uint8_t data[4096];
};

struct xd_result {
    enum squib_exit_kind kind;
    char message[160];
    struct squib_x86_regs regs;
    uint8_t data[4096];
};

/* Builds a random case for `form` (seeded by *seed, xorshift). */
void xd_make_case(const struct xd_form *form, uint64_t *seed, struct xd_case *c);
/* Form fixes (x86_diff.c). */
void xd_fix_branch(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_loop(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_ret(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_indirect(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_popf(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_enter(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_leave(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_string(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_cmpxchg(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_cmpxchg8b(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_xlat(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_bt_mem(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_div(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_moffs(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);
void xd_fix_idiv(struct xd_case *c, const struct xd_gen *g, uint64_t *seed);

/* Runs the case on a machine. */
int xd_run(struct xd_machine *m, const struct xd_case *c, struct xd_result *r);
/* Compares; on a mismatch writes a description to why and returns false. */
bool xd_compare(const struct xd_form *form, const struct xd_case *c, const struct xd_result *a,
                const struct xd_result *b, char *why, size_t why_len);

/* Prints a case and both results (the first a, the second b). */
void xd_dump(FILE *out, const struct xd_case *c, const struct xd_result *a,
             const struct xd_result *b);

#endif
