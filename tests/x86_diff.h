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
 */
#ifndef TESTS_X86_DIFF_H
#define TESTS_X86_DIFF_H

#include <stdbool.h>
#include <stdint.h>

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

struct xd_form {
    const char *name;
    uint8_t op[3];
    uint8_t op_len;
    enum xd_operands operands;
    int8_t digit;        /* ModRM.reg fixed to this /digit, or -1 */
    uint8_t imm;         /* immediate bytes: 0, 1, 2, 4, or 0xZ for Iz (2 with 66, else 4) */
    bool byte_op;        /* 8-bit operands: REX changes AH..BH to SPL..DIL */
    bool no_66, no_rexw; /* prefixes the form must not get */
    uint32_t undef_flags; /* RFLAGS bits the SDM leaves undefined (masked) */
};

#define XD_IMMZ 0x80

struct xd_machine {
    struct squib_vm *vm;
    struct squib_vcpu *cpu;
    uint8_t *ram;
};

/* 0, or a negative errno with squib_errmsg(). */
int xd_machine_init(struct xd_machine *m, const char *accel);
void xd_machine_destroy(struct xd_machine *m);

struct xd_case {
    uint8_t code[32];
    unsigned code_len;
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
/* Runs the case on a machine. */
int xd_run(struct xd_machine *m, const struct xd_case *c, struct xd_result *r);
/* Compares; on a mismatch writes a description to why and returns false. */
bool xd_compare(const struct xd_form *form, const struct xd_case *c, const struct xd_result *a,
                const struct xd_result *b, char *why, size_t why_len);

#endif
