/* accel/kvm/kvm_decode.h: just enough x86 decoding to find where the
 * instruction behind a KVM exit starts.
 *
 * KVM reports some exits with RIP already past the instruction that caused
 * them (see kvm_pc.c).  Recovering its start means decoding candidate byte
 * sequences: this decoder knows instruction lengths (prefixes, REX, VEX, the
 * one-byte, 0F, 0F38 and 0F3A maps, ModRM, SIB, displacements, immediates)
 * and the memory operand, nothing about semantics.  Pure functions, no KVM.
 */
#ifndef ACCEL_KVM_KVM_DECODE_H
#define ACCEL_KVM_KVM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KVM_INSN_MAX 15 /* SDM Vol. 2, 2.3.11: longest legal instruction */

/* Segment register numbers, in the encoding order of Sreg fields. */
enum kvm_seg { KVM_SEG_ES, KVM_SEG_CS, KVM_SEG_SS, KVM_SEG_DS, KVM_SEG_FS, KVM_SEG_GS };
#define KVM_SEG_NONE 0xff

/* GPR numbers in encoding order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..). */
enum { KVM_RAX, KVM_RCX, KVM_RDX, KVM_RBX, KVM_RSP, KVM_RBP, KVM_RSI, KVM_RDI };

struct kvm_insn {
    uint8_t len;       /* bytes, prefixes included */
    uint8_t mode;      /* code size in bytes: 2 (16-bit), 4 (32-bit), 8 (64-bit) */
    uint8_t opsize;    /* effective operand size for non-byte forms: 2, 4, 8 */
    uint8_t adsize;    /* effective address size: 2, 4, 8 */
    uint8_t seg;       /* segment override prefix, or KVM_SEG_NONE */
    uint8_t rep;       /* 0, 0xf2 or 0xf3 (last one wins) */
    uint8_t rex;       /* REX byte or 0 */
    uint8_t map;       /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
    uint8_t op;        /* opcode byte within the map */
    bool vex;          /* VEX encoded (C4/C5) */
    bool has_modrm;
    uint8_t modrm;
    bool has_sib;
    uint8_t sib;
    bool rip_rel;      /* 64-bit RIP-relative memory operand */
    int64_t disp;
    uint64_t imm;      /* first immediate, zero-extended */
    uint8_t imm_len;
};

/* Decodes the instruction at `b` (`avail` readable bytes) for code size
 * `mode` (2, 4, 8).  Returns its length, or 0 when the bytes are not a
 * complete instruction this decoder knows (invalid in this mode, EVEX/XOP,
 * longer than 15 bytes, or running past `avail`). */
unsigned kvm_decode(const uint8_t *b, size_t avail, unsigned mode, struct kvm_insn *out);

/* True when the instruction has a ModRM memory operand that is accessed
 * (not LEA, not the hint/prefetch NOPs). */
bool kvm_insn_has_mem(const struct kvm_insn *i);

/* Offset of the ModRM memory operand from the registers in encoding order
 * (`gpr[16]`), truncated to the address size.  `next_ip` is the address of
 * the next instruction (for RIP-relative operands). */
uint64_t kvm_insn_ea(const struct kvm_insn *i, const uint64_t gpr[16], uint64_t next_ip);

/* The segment the ModRM memory operand uses: the override, else SS for
 * BP/SP based forms, else DS. */
unsigned kvm_insn_ea_seg(const struct kvm_insn *i);

/* Width in bytes of the ModRM operand when it follows from the opcode alone
 * (the ALU, MOV, shift and group 3/4/5 families); 0 when unknown. */
unsigned kvm_insn_mem_width(const struct kvm_insn *i);

#endif
