/* cpu/x86/table.c: the opcode maps (SDM Vol. 2, Appendix A), one entry per
 * opcode with its handler, operand shape in manual notation and flags.
 * Entries without a handler decode fully (so lengths are right) and end as
 * INTERNAL_ERROR naming the opcode until their semantics land.
 */
#include "cpu/x86/x86.h"

int x86_op_alu(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp1(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp3(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp5(struct x86_cpu *, const struct x86_insn *);
int x86_op_test(struct x86_cpu *, const struct x86_insn *);
int x86_op_incdec_r(struct x86_cpu *, const struct x86_insn *);
int x86_op_incdec_rm(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_rm(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_rm_imm(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_r_imm(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_moffs(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_sreg(struct x86_cpu *, const struct x86_insn *);
int x86_op_lea(struct x86_cpu *, const struct x86_insn *);
int x86_op_xchg(struct x86_cpu *, const struct x86_insn *);
int x86_op_cbw_cwd(struct x86_cpu *, const struct x86_insn *);
int x86_op_flag(struct x86_cpu *, const struct x86_insn *);
int x86_op_pushpop_r(struct x86_cpu *, const struct x86_insn *);
int x86_op_push_imm(struct x86_cpu *, const struct x86_insn *);
int x86_op_pushpop_sreg(struct x86_cpu *, const struct x86_insn *);
int x86_op_pushf_popf(struct x86_cpu *, const struct x86_insn *);
int x86_op_jmp_rel(struct x86_cpu *, const struct x86_insn *);
int x86_op_jcc(struct x86_cpu *, const struct x86_insn *);
int x86_op_loop(struct x86_cpu *, const struct x86_insn *);
int x86_op_call_rel(struct x86_cpu *, const struct x86_insn *);
int x86_op_ret(struct x86_cpu *, const struct x86_insn *);
int x86_op_in(struct x86_cpu *, const struct x86_insn *);
int x86_op_out(struct x86_cpu *, const struct x86_insn *);
int x86_op_string(struct x86_cpu *, const struct x86_insn *);
int x86_op_hlt(struct x86_cpu *, const struct x86_insn *);
int x86_op_cli_sti(struct x86_cpu *, const struct x86_insn *);
/* exec_shift.c */
int x86_op_grp2(struct x86_cpu *, const struct x86_insn *);
int x86_op_shld_shrd(struct x86_cpu *, const struct x86_insn *);
/* exec_muldiv.c */
int x86_op_imul_rm(struct x86_cpu *, const struct x86_insn *);
int x86_op_imul_imm(struct x86_cpu *, const struct x86_insn *);
/* exec_bits.c */
int x86_op_bt(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp8(struct x86_cpu *, const struct x86_insn *);
int x86_op_bsf_bsr(struct x86_cpu *, const struct x86_insn *);
int x86_op_popcnt(struct x86_cpu *, const struct x86_insn *);
int x86_op_bswap(struct x86_cpu *, const struct x86_insn *);
/* exec_move.c */
int x86_op_movx(struct x86_cpu *, const struct x86_insn *);
int x86_op_movsxd(struct x86_cpu *, const struct x86_insn *);
int x86_op_cmov(struct x86_cpu *, const struct x86_insn *);
int x86_op_setcc(struct x86_cpu *, const struct x86_insn *);
int x86_op_xadd(struct x86_cpu *, const struct x86_insn *);
int x86_op_cmpxchg(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp9(struct x86_cpu *, const struct x86_insn *);
int x86_op_nop_rm(struct x86_cpu *, const struct x86_insn *);
int x86_op_lahf_sahf(struct x86_cpu *, const struct x86_insn *);
int x86_op_xlat(struct x86_cpu *, const struct x86_insn *);
int x86_op_fwait(struct x86_cpu *, const struct x86_insn *);
/* exec_stack.c */
int x86_op_pop_rm(struct x86_cpu *, const struct x86_insn *);
int x86_op_enter(struct x86_cpu *, const struct x86_insn *);
int x86_op_leave(struct x86_cpu *, const struct x86_insn *);
int x86_op_pusha_popa(struct x86_cpu *, const struct x86_insn *);
int x86_op_pushpop_fsgs(struct x86_cpu *, const struct x86_insn *);
/* exec_bcd.c */
int x86_op_bcd(struct x86_cpu *, const struct x86_insn *);
int x86_op_aam_aad(struct x86_cpu *, const struct x86_insn *);
int x86_op_salc(struct x86_cpu *, const struct x86_insn *);
/* exec_bound.c */
int x86_op_bound(struct x86_cpu *, const struct x86_insn *);
/* exec_map38.c */
int x86_op_map38(struct x86_cpu *, const struct x86_insn *);
/* exec_cpuid.c */
int x86_op_cpuid(struct x86_cpu *, const struct x86_insn *);
int x86_op_rdtsc(struct x86_cpu *, const struct x86_insn *);
int x86_sys_lar_lsl(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp15(struct x86_cpu *, const struct x86_insn *);
int x86_sys_invpcid(struct x86_cpu *, const struct x86_insn *);

#define E(fn_, fl_, nm_) {fn_, fl_, nm_}
#define ALU_ROW(b, nm)                                                     \
    [b + 0] = E(x86_op_alu, OPF_MODRM | OPF_BYTE, nm " Eb,Gb"),            \
    [b + 1] = E(x86_op_alu, OPF_MODRM, nm " Ev,Gv"),                       \
    [b + 2] = E(x86_op_alu, OPF_MODRM | OPF_BYTE, nm " Gb,Eb"),            \
    [b + 3] = E(x86_op_alu, OPF_MODRM, nm " Gv,Ev"),                       \
    [b + 4] = E(x86_op_alu, OPF_IMM8 | OPF_BYTE, nm " AL,Ib"),             \
    [b + 5] = E(x86_op_alu, OPF_IMMZ, nm " rAX,Iz")

#define R8(b, fn, fl, nm)                                                  \
    [b + 0] = E(fn, fl, nm), [b + 1] = E(fn, fl, nm), [b + 2] = E(fn, fl, nm), \
    [b + 3] = E(fn, fl, nm), [b + 4] = E(fn, fl, nm), [b + 5] = E(fn, fl, nm), \
    [b + 6] = E(fn, fl, nm), [b + 7] = E(fn, fl, nm)

#define R16(b, fn, fl, nm) R8(b, fn, fl, nm), R8(b + 8, fn, fl, nm)

const struct x86_op_entry x86_map1[256] = {
    ALU_ROW(0x00, "ADD"), ALU_ROW(0x08, "OR"), ALU_ROW(0x10, "ADC"), ALU_ROW(0x18, "SBB"),
    ALU_ROW(0x20, "AND"), ALU_ROW(0x28, "SUB"), ALU_ROW(0x30, "XOR"), ALU_ROW(0x38, "CMP"),
    [0x06] = E(x86_op_pushpop_sreg, OPF_NO64, "PUSH ES"),
    [0x07] = E(x86_sys_pop_sreg, OPF_NO64, "POP ES"),
    [0x0E] = E(x86_op_pushpop_sreg, OPF_NO64, "PUSH CS"),
    [0x16] = E(x86_op_pushpop_sreg, OPF_NO64, "PUSH SS"),
    [0x17] = E(x86_sys_pop_sreg, OPF_END | OPF_NO64, "POP SS"), /* interrupt shadow */
    [0x1E] = E(x86_op_pushpop_sreg, OPF_NO64, "PUSH DS"),
    [0x1F] = E(x86_sys_pop_sreg, OPF_NO64, "POP DS"),
    [0x27] = E(x86_op_bcd, OPF_BYTE | OPF_NO64, "DAA"),
    [0x2F] = E(x86_op_bcd, OPF_BYTE | OPF_NO64, "DAS"),
    [0x37] = E(x86_op_bcd, OPF_BYTE | OPF_NO64, "AAA"),
    [0x3F] = E(x86_op_bcd, OPF_BYTE | OPF_NO64, "AAS"),
    R16(0x40, x86_op_incdec_r, 0, "INC/DEC r"),
    R8(0x50, x86_op_pushpop_r, OPF_D64, "PUSH r"),
    R8(0x58, x86_op_pushpop_r, OPF_D64, "POP r"),
    [0x60] = E(x86_op_pusha_popa, OPF_NO64, "PUSHA"),
    [0x61] = E(x86_op_pusha_popa, OPF_NO64, "POPA"),
    [0x62] = E(x86_op_bound, OPF_MODRM | OPF_NO64, "BOUND Gv,Ma"), /* EVEX in 64-bit mode */
    [0x63] = E(x86_op_movsxd, OPF_MODRM, "ARPL Ew,Gw / MOVSXD Gv,Ed"),
    [0x68] = E(x86_op_push_imm, OPF_IMMZ | OPF_D64, "PUSH Iz"),
    [0x69] = E(x86_op_imul_imm, OPF_MODRM | OPF_IMMZ, "IMUL Gv,Ev,Iz"),
    [0x6A] = E(x86_op_push_imm, OPF_IMM8 | OPF_D64, "PUSH Ib"),
    [0x6B] = E(x86_op_imul_imm, OPF_MODRM | OPF_IMM8, "IMUL Gv,Ev,Ib"),
    [0x6C] = E(x86_op_string, OPF_BYTE, "INSB"),
    [0x6D] = E(x86_op_string, 0, "INS"),
    [0x6E] = E(x86_op_string, OPF_BYTE, "OUTSB"),
    [0x6F] = E(x86_op_string, 0, "OUTS"),
    R16(0x70, x86_op_jcc, OPF_REL8 | OPF_END | OPF_D64, "Jcc Jb"),
    [0x80] = E(x86_op_grp1, OPF_MODRM | OPF_IMM8 | OPF_BYTE, "Grp1 Eb,Ib"),
    [0x81] = E(x86_op_grp1, OPF_MODRM | OPF_IMMZ, "Grp1 Ev,Iz"),
    [0x82] = E(x86_op_grp1, OPF_MODRM | OPF_IMM8 | OPF_BYTE | OPF_NO64, "Grp1 Eb,Ib (82)"),
    [0x83] = E(x86_op_grp1, OPF_MODRM | OPF_IMM8, "Grp1 Ev,Ib"),
    [0x84] = E(x86_op_test, OPF_MODRM | OPF_BYTE, "TEST Eb,Gb"),
    [0x85] = E(x86_op_test, OPF_MODRM, "TEST Ev,Gv"),
    [0x86] = E(x86_op_xchg, OPF_MODRM | OPF_BYTE, "XCHG Eb,Gb"),
    [0x87] = E(x86_op_xchg, OPF_MODRM, "XCHG Ev,Gv"),
    [0x88] = E(x86_op_mov_rm, OPF_MODRM | OPF_BYTE, "MOV Eb,Gb"),
    [0x89] = E(x86_op_mov_rm, OPF_MODRM, "MOV Ev,Gv"),
    [0x8A] = E(x86_op_mov_rm, OPF_MODRM | OPF_BYTE, "MOV Gb,Eb"),
    [0x8B] = E(x86_op_mov_rm, OPF_MODRM, "MOV Gv,Ev"),
    [0x8C] = E(x86_op_mov_sreg, OPF_MODRM, "MOV Ev,Sw"),
    [0x8D] = E(x86_op_lea, OPF_MODRM, "LEA Gv,M"),
    [0x8E] = E(x86_sys_mov_sreg, OPF_MODRM | OPF_END, "MOV Sw,Ew"),
    [0x8F] = E(x86_op_pop_rm, OPF_MODRM | OPF_D64, "Grp1A POP Ev"),
    R8(0x90, x86_op_xchg, 0, "XCHG rAX,r / NOP"),
    [0x98] = E(x86_op_cbw_cwd, 0, "CBW"), [0x99] = E(x86_op_cbw_cwd, 0, "CWD"),
    [0x9A] = E(x86_sys_call_far, OPF_FAR | OPF_END | OPF_NO64, "CALL Ap"),
    [0x9B] = E(x86_op_fwait, 0, "FWAIT"),
    [0x9C] = E(x86_op_pushf_popf, OPF_D64, "PUSHF"),
    [0x9D] = E(x86_op_pushf_popf, OPF_D64 | OPF_END, "POPF"),
    [0x9E] = E(x86_op_lahf_sahf, 0, "SAHF"), [0x9F] = E(x86_op_lahf_sahf, 0, "LAHF"),
    [0xA0] = E(x86_op_mov_moffs, OPF_MOFFS | OPF_BYTE, "MOV AL,Ob"),
    [0xA1] = E(x86_op_mov_moffs, OPF_MOFFS, "MOV rAX,Ov"),
    [0xA2] = E(x86_op_mov_moffs, OPF_MOFFS | OPF_BYTE, "MOV Ob,AL"),
    [0xA3] = E(x86_op_mov_moffs, OPF_MOFFS, "MOV Ov,rAX"),
    [0xA4] = E(x86_op_string, OPF_BYTE, "MOVSB"), [0xA5] = E(x86_op_string, 0, "MOVS"),
    [0xA6] = E(x86_op_string, OPF_BYTE, "CMPSB"), [0xA7] = E(x86_op_string, 0, "CMPS"),
    [0xA8] = E(x86_op_test, OPF_IMM8 | OPF_BYTE, "TEST AL,Ib"),
    [0xA9] = E(x86_op_test, OPF_IMMZ, "TEST rAX,Iz"),
    [0xAA] = E(x86_op_string, OPF_BYTE, "STOSB"), [0xAB] = E(x86_op_string, 0, "STOS"),
    [0xAC] = E(x86_op_string, OPF_BYTE, "LODSB"), [0xAD] = E(x86_op_string, 0, "LODS"),
    [0xAE] = E(x86_op_string, OPF_BYTE, "SCASB"), [0xAF] = E(x86_op_string, 0, "SCAS"),
    R8(0xB0, x86_op_mov_r_imm, OPF_IMM8 | OPF_BYTE, "MOV r8,Ib"),
    R8(0xB8, x86_op_mov_r_imm, OPF_IMMV, "MOV r,Iv"),
    [0xC0] = E(x86_op_grp2, OPF_MODRM | OPF_IMM8 | OPF_BYTE, "Grp2 Eb,Ib"),
    [0xC1] = E(x86_op_grp2, OPF_MODRM | OPF_IMM8, "Grp2 Ev,Ib"),
    [0xC2] = E(x86_op_ret, OPF_IMM16 | OPF_END | OPF_D64, "RET Iw"),
    [0xC3] = E(x86_op_ret, OPF_END | OPF_D64, "RET"),
    /* C4/C5 with a register operand outside real mode are VEX prefixes; VEX
     * instructions are #UD while CPUID does not advertise AVX, and so is
     * LES/LDS with a register: one #UD either way. */
    [0xC4] = E(x86_sys_lxs, OPF_MODRM | OPF_NO64, "LES Gz,Mp / VEX3"),
    [0xC5] = E(x86_sys_lxs, OPF_MODRM | OPF_NO64, "LDS Gz,Mp / VEX2"),
    [0xC6] = E(x86_op_mov_rm_imm, OPF_MODRM | OPF_IMM8 | OPF_BYTE, "MOV Eb,Ib"),
    [0xC7] = E(x86_op_mov_rm_imm, OPF_MODRM | OPF_IMMZ, "MOV Ev,Iz"),
    [0xC8] = E(x86_op_enter, OPF_IMM8_2 | OPF_D64, "ENTER Iw,Ib"),
    [0xC9] = E(x86_op_leave, OPF_D64, "LEAVE"),
    [0xCA] = E(x86_sys_retf, OPF_IMM16 | OPF_END, "RETF Iw"), [0xCB] = E(x86_sys_retf, OPF_END, "RETF"),
    [0xCC] = E(x86_sys_int, OPF_END, "INT3"), [0xCD] = E(x86_sys_int, OPF_IMM8 | OPF_END, "INT Ib"),
    [0xCE] = E(x86_sys_int, OPF_END, "INTO"), [0xCF] = E(x86_sys_iret, OPF_END, "IRET"),
    [0xD0] = E(x86_op_grp2, OPF_MODRM | OPF_BYTE, "Grp2 Eb,1"),
    [0xD1] = E(x86_op_grp2, OPF_MODRM, "Grp2 Ev,1"),
    [0xD2] = E(x86_op_grp2, OPF_MODRM | OPF_BYTE, "Grp2 Eb,CL"),
    [0xD3] = E(x86_op_grp2, OPF_MODRM, "Grp2 Ev,CL"),
    [0xD4] = E(x86_op_aam_aad, OPF_IMM8 | OPF_BYTE | OPF_NO64, "AAM Ib"),
    [0xD5] = E(x86_op_aam_aad, OPF_IMM8 | OPF_BYTE | OPF_NO64, "AAD Ib"),
    [0xD6] = E(x86_op_salc, OPF_BYTE | OPF_NO64, "SALC"), [0xD7] = E(x86_op_xlat, OPF_BYTE, "XLAT"),
    R8(0xD8, NULL, OPF_MODRM, "x87 escape"),
    [0xE0] = E(x86_op_loop, OPF_REL8 | OPF_END | OPF_D64, "LOOPNE"),
    [0xE1] = E(x86_op_loop, OPF_REL8 | OPF_END | OPF_D64, "LOOPE"),
    [0xE2] = E(x86_op_loop, OPF_REL8 | OPF_END | OPF_D64, "LOOP"),
    [0xE3] = E(x86_op_loop, OPF_REL8 | OPF_END | OPF_D64, "JrCXZ"),
    [0xE4] = E(x86_op_in, OPF_IMM8 | OPF_BYTE, "IN AL,Ib"),
    [0xE5] = E(x86_op_in, OPF_IMM8, "IN eAX,Ib"),
    [0xE6] = E(x86_op_out, OPF_IMM8 | OPF_BYTE, "OUT Ib,AL"),
    [0xE7] = E(x86_op_out, OPF_IMM8, "OUT Ib,eAX"),
    [0xE8] = E(x86_op_call_rel, OPF_RELZ | OPF_END | OPF_D64, "CALL Jz"),
    [0xE9] = E(x86_op_jmp_rel, OPF_RELZ | OPF_END | OPF_D64, "JMP Jz"),
    [0xEA] = E(x86_sys_jmp_far, OPF_FAR | OPF_END | OPF_NO64, "JMP Ap"),
    [0xEB] = E(x86_op_jmp_rel, OPF_REL8 | OPF_END | OPF_D64, "JMP Jb"),
    [0xEC] = E(x86_op_in, OPF_BYTE, "IN AL,DX"),
    [0xED] = E(x86_op_in, 0, "IN eAX,DX"),
    [0xEE] = E(x86_op_out, OPF_BYTE, "OUT DX,AL"),
    [0xEF] = E(x86_op_out, 0, "OUT DX,eAX"),
    [0xF1] = E(x86_sys_int, OPF_END, "INT1"),
    [0xF4] = E(x86_op_hlt, OPF_END, "HLT"),
    [0xF5] = E(x86_op_flag, 0, "CMC"),
    [0xF6] = E(x86_op_grp3, OPF_MODRM | OPF_BYTE, "Grp3 Eb"),
    [0xF7] = E(x86_op_grp3, OPF_MODRM, "Grp3 Ev"),
    [0xF8] = E(x86_op_flag, 0, "CLC"), [0xF9] = E(x86_op_flag, 0, "STC"),
    [0xFA] = E(x86_op_cli_sti, 0, "CLI"), [0xFB] = E(x86_op_cli_sti, OPF_END, "STI"),
    [0xFC] = E(x86_op_flag, 0, "CLD"), [0xFD] = E(x86_op_flag, 0, "STD"),
    [0xFE] = E(x86_op_incdec_rm, OPF_MODRM | OPF_BYTE, "Grp4 Eb"),
    [0xFF] = E(x86_op_grp5, OPF_MODRM | OPF_END, "Grp5 Ev"),
};

/* Table A-3, the two-byte map.  Every row has its operand shape, so every
 * 0F opcode decodes to the right length; SSE/MMX/system rows have no handler
 * yet.  For the SSE rows the shape does not depend on the mandatory prefix
 * (66/F2/F3), except that none of them changes the presence of an Ib. */
const struct x86_op_entry x86_map2[256] = {
    [0x00] = E(x86_sys_grp6, OPF_MODRM | OPF_END, "Grp6"),
    [0x01] = E(x86_sys_grp7, OPF_MODRM | OPF_END, "Grp7"),
    [0x02] = E(x86_sys_lar_lsl, OPF_MODRM, "LAR Gv,Ew"), [0x03] = E(x86_sys_lar_lsl, OPF_MODRM, "LSL Gv,Ew"),
    [0x04] = E(x86_op_ud, OPF_END, "(0f 04)"),
    [0x05] = E(x86_sys_syscall, OPF_END, "SYSCALL"), [0x06] = E(x86_sys_clts, OPF_END, "CLTS"),
    [0x07] = E(x86_sys_sysret, OPF_END, "SYSRET"), [0x08] = E(x86_sys_wbinvd, OPF_END, "INVD"),
    [0x09] = E(x86_sys_wbinvd, OPF_END, "WBINVD"), [0x0A] = E(x86_op_ud, OPF_END, "(0f 0a)"),
    [0x0B] = E(x86_op_ud, OPF_END, "UD2"), [0x0C] = E(x86_op_ud, OPF_END, "(0f 0c)"),
    [0x0D] = E(x86_op_nop_rm, OPF_MODRM, "PREFETCHW Ev"), /* AMD: Grp P, hint only */
    /* 3DNow! is not advertised (nor on the Zen reference hardware): #UD */
    [0x0E] = E(x86_op_ud, OPF_END, "FEMMS"),
    [0x0F] = E(x86_op_ud, OPF_MODRM | OPF_IMM8 | OPF_END, "3DNow! (suffix opcode as Ib)"),
    R8(0x10, NULL, OPF_MODRM, "SSE mov/unpck"),
    [0x18] = E(x86_op_nop_rm, OPF_MODRM, "Grp16 PREFETCHh"),
    /* 0F 19-1E: reserved NOP Ev (SDM Vol. 2, NOP; 0F 1E FA/FB are ENDBR) */
    [0x19] = E(x86_op_nop_rm, OPF_MODRM, "NOP Ev"), [0x1A] = E(x86_op_nop_rm, OPF_MODRM, "NOP Ev/BNDx"),
    [0x1B] = E(x86_op_nop_rm, OPF_MODRM, "NOP Ev/BNDx"), [0x1C] = E(x86_op_nop_rm, OPF_MODRM, "NOP Ev"),
    [0x1D] = E(x86_op_nop_rm, OPF_MODRM, "NOP Ev"), [0x1E] = E(x86_op_nop_rm, OPF_MODRM, "NOP Ev/ENDBR"),
    [0x1F] = E(x86_op_nop_rm, OPF_MODRM, "NOP Ev"),
    [0x20] = E(x86_sys_mov_cr, OPF_MODREG | OPF_END, "MOV Rd,Cd"), [0x21] = E(x86_sys_mov_dr, OPF_MODREG | OPF_END, "MOV Rd,Dd"),
    [0x22] = E(x86_sys_mov_cr, OPF_MODREG | OPF_END, "MOV Cd,Rd"), [0x23] = E(x86_sys_mov_dr, OPF_MODREG | OPF_END, "MOV Dd,Rd"),
    [0x24] = E(x86_op_ud, OPF_END, "(0f 24: MOV Rd,Td on 386/486)"),
    [0x25] = E(x86_op_ud, OPF_END, "(0f 25)"),
    [0x26] = E(x86_op_ud, OPF_END, "(0f 26: MOV Td,Rd on 386/486)"),
    [0x27] = E(x86_op_ud, OPF_END, "(0f 27)"),
    R8(0x28, NULL, OPF_MODRM, "SSE movaps/cvt/ucomis"),
    [0x30] = E(x86_sys_msr, OPF_END, "WRMSR"), [0x31] = E(x86_op_rdtsc, 0, "RDTSC"),
    [0x32] = E(x86_sys_msr, OPF_END, "RDMSR"), [0x33] = E(x86_op_gp0, OPF_END, "RDPMC"),
    [0x34] = E(x86_sys_sysenter, OPF_END, "SYSENTER"), [0x35] = E(x86_sys_sysenter, OPF_END, "SYSEXIT"),
    [0x36] = E(x86_op_ud, OPF_END, "(0f 36)"), [0x37] = E(x86_op_ud, OPF_END, "GETSEC"), /* no SMX: CR4.SMXE is 0 */
    /* 0F 38 and 0F 3A are escapes to the three-byte maps (decode.c). */
    [0x39] = E(x86_op_ud, OPF_END, "(0f 39)"), [0x3B] = E(x86_op_ud, OPF_END, "(0f 3b)"),
    [0x3C] = E(x86_op_ud, OPF_END, "(0f 3c)"), [0x3D] = E(x86_op_ud, OPF_END, "(0f 3d)"),
    [0x3E] = E(x86_op_ud, OPF_END, "(0f 3e)"), [0x3F] = E(x86_op_ud, OPF_END, "(0f 3f)"),
    R16(0x40, x86_op_cmov, OPF_MODRM, "CMOVcc Gv,Ev"),
    R16(0x50, NULL, OPF_MODRM, "SSE arith"),
    R16(0x60, NULL, OPF_MODRM, "MMX/SSE unpck/pack"),
    [0x70] = E(NULL, OPF_MODRM | OPF_IMM8, "PSHUFx Ib"),
    [0x71] = E(NULL, OPF_MODRM | OPF_IMM8, "Grp12 Ib"),
    [0x72] = E(NULL, OPF_MODRM | OPF_IMM8, "Grp13 Ib"),
    [0x73] = E(NULL, OPF_MODRM | OPF_IMM8, "Grp14 Ib"),
    [0x74] = E(NULL, OPF_MODRM, "PCMPEQB"), [0x75] = E(NULL, OPF_MODRM, "PCMPEQW"),
    [0x76] = E(NULL, OPF_MODRM, "PCMPEQD"), [0x77] = E(NULL, 0, "EMMS"),
    /* VMX is not advertised: #UD */
    [0x78] = E(x86_op_ud, OPF_MODRM | OPF_END, "VMREAD Ey,Gy"),
    [0x79] = E(x86_op_ud, OPF_MODRM | OPF_END, "VMWRITE Gy,Ey"),
    [0x7A] = E(x86_op_ud, OPF_END, "(0f 7a)"), [0x7B] = E(x86_op_ud, OPF_END, "(0f 7b)"),
    [0x7C] = E(NULL, OPF_MODRM, "HADDPx"), [0x7D] = E(NULL, OPF_MODRM, "HSUBPx"),
    [0x7E] = E(NULL, OPF_MODRM, "MOVD/MOVQ Ey"), [0x7F] = E(NULL, OPF_MODRM, "MOVQ/MOVDQx store"),
    R16(0x80, x86_op_jcc, OPF_RELZ | OPF_END | OPF_D64, "Jcc Jz"),
    R16(0x90, x86_op_setcc, OPF_MODRM | OPF_BYTE, "SETcc Eb"),
    [0xA0] = E(x86_op_pushpop_fsgs, OPF_D64, "PUSH FS"),
    [0xA1] = E(x86_sys_pop_sreg, OPF_D64, "POP FS"),
    [0xA2] = E(x86_op_cpuid, 0, "CPUID"),
    [0xA3] = E(x86_op_bt, OPF_MODRM, "BT Ev,Gv"),
    [0xA4] = E(x86_op_shld_shrd, OPF_MODRM | OPF_IMM8, "SHLD Ev,Gv,Ib"),
    [0xA5] = E(x86_op_shld_shrd, OPF_MODRM, "SHLD Ev,Gv,CL"),
    [0xA6] = E(x86_op_ud, OPF_END, "(0f a6)"), [0xA7] = E(x86_op_ud, OPF_END, "(0f a7)"),
    [0xA8] = E(x86_op_pushpop_fsgs, OPF_D64, "PUSH GS"),
    [0xA9] = E(x86_sys_pop_sreg, OPF_D64, "POP GS"),
    [0xAA] = E(x86_op_ud, OPF_END, "RSM"), /* #UD outside SMM; no SMM here */
    [0xAB] = E(x86_op_bt, OPF_MODRM, "BTS Ev,Gv"),
    [0xAC] = E(x86_op_shld_shrd, OPF_MODRM | OPF_IMM8, "SHRD Ev,Gv,Ib"),
    [0xAD] = E(x86_op_shld_shrd, OPF_MODRM, "SHRD Ev,Gv,CL"),
    [0xAE] = E(x86_op_grp15, OPF_MODRM, "Grp15 (CLFLUSH; with the SSE work: LFENCE/MFENCE/SFENCE, FXSAVE/FXRSTOR, LDMXCSR/STMXCSR)"),
    [0xAF] = E(x86_op_imul_rm, OPF_MODRM, "IMUL Gv,Ev"),
    [0xB0] = E(x86_op_cmpxchg, OPF_MODRM | OPF_BYTE, "CMPXCHG Eb,Gb"),
    [0xB1] = E(x86_op_cmpxchg, OPF_MODRM, "CMPXCHG Ev,Gv"),
    [0xB2] = E(x86_sys_lxs, OPF_MODRM, "LSS Gv,Mp"),
    [0xB3] = E(x86_op_bt, OPF_MODRM, "BTR Ev,Gv"),
    [0xB4] = E(x86_sys_lxs, OPF_MODRM, "LFS Gv,Mp"), [0xB5] = E(x86_sys_lxs, OPF_MODRM, "LGS Gv,Mp"),
    [0xB6] = E(x86_op_movx, OPF_MODRM, "MOVZX Gv,Eb"),
    [0xB7] = E(x86_op_movx, OPF_MODRM, "MOVZX Gv,Ew"),
    [0xB8] = E(x86_op_popcnt, OPF_MODRM, "POPCNT Gv,Ev (F3) / JMPE"),
    [0xB9] = E(x86_op_ud, OPF_MODRM | OPF_END, "Grp10 UD1 Gv,Ev"),
    [0xBA] = E(x86_op_grp8, OPF_MODRM | OPF_IMM8, "Grp8 Ev,Ib"),
    [0xBB] = E(x86_op_bt, OPF_MODRM, "BTC Ev,Gv"),
    [0xBC] = E(x86_op_bsf_bsr, OPF_MODRM, "BSF Gv,Ev / TZCNT (F3)"),
    [0xBD] = E(x86_op_bsf_bsr, OPF_MODRM, "BSR Gv,Ev / LZCNT (F3)"),
    [0xBE] = E(x86_op_movx, OPF_MODRM, "MOVSX Gv,Eb"),
    [0xBF] = E(x86_op_movx, OPF_MODRM, "MOVSX Gv,Ew"),
    [0xC0] = E(x86_op_xadd, OPF_MODRM | OPF_BYTE, "XADD Eb,Gb"),
    [0xC1] = E(x86_op_xadd, OPF_MODRM, "XADD Ev,Gv"),
    [0xC2] = E(NULL, OPF_MODRM | OPF_IMM8, "CMPPx Ib"),
    [0xC3] = E(NULL, OPF_MODRM, "MOVNTI My,Gy"),
    [0xC4] = E(NULL, OPF_MODRM | OPF_IMM8, "PINSRW Ib"),
    [0xC5] = E(NULL, OPF_MODRM | OPF_IMM8, "PEXTRW Ib"),
    [0xC6] = E(NULL, OPF_MODRM | OPF_IMM8, "SHUFPx Ib"),
    [0xC7] = E(x86_op_grp9, OPF_MODRM, "Grp9 CMPXCHG8B/16B, RDRAND..."),
    R8(0xC8, x86_op_bswap, 0, "BSWAP r"),
    R16(0xD0, NULL, OPF_MODRM, "MMX/SSE"),
    R16(0xE0, NULL, OPF_MODRM, "MMX/SSE"),
    R8(0xF0, NULL, OPF_MODRM, "MMX/SSE"),
    [0xF8] = E(NULL, OPF_MODRM, "PSUBB"), [0xF9] = E(NULL, OPF_MODRM, "PSUBW"),
    [0xFA] = E(NULL, OPF_MODRM, "PSUBD"), [0xFB] = E(NULL, OPF_MODRM, "PSUBQ"),
    [0xFC] = E(NULL, OPF_MODRM, "PADDB"), [0xFD] = E(NULL, OPF_MODRM, "PADDW"),
    [0xFE] = E(NULL, OPF_MODRM, "PADDD"),
    [0xFF] = E(x86_op_ud, OPF_MODRM | OPF_END, "UD0 Gv,Ev"),
};

/* Tables: the three-byte maps.  The decoder gives every entry a
 * ModRM (and 0F 3A an Ib); the general-purpose rows (MOVBE, ADCX/ADOX) have
 * semantics, the SSE ones not yet. */
const struct x86_op_entry x86_map3[256] = {
    /* VMX, MOVDIRI/MOVDIR64B/ENQCMD and CET shadow-stack stores are not
     * advertised: #UD */
    [0x80] = E(x86_op_ud, OPF_MODRM | OPF_END, "INVEPT (VMX)"),
    [0x81] = E(x86_op_ud, OPF_MODRM | OPF_END, "INVVPID (VMX)"),
    [0x82] = E(x86_sys_invpcid, OPF_MODRM | OPF_END, "INVPCID Gy,Mdq (66)"),
    [0xF5] = E(x86_op_ud, OPF_MODRM | OPF_END, "WRUSSD/Q (66, CET)"),
    [0xF8] = E(x86_op_ud, OPF_MODRM | OPF_END, "MOVDIR64B/ENQCMD(S)"),
    [0xF9] = E(x86_op_ud, OPF_MODRM | OPF_END, "MOVDIRI"),
    [0xF0] = E(x86_op_map38, OPF_MODRM, "MOVBE Gv,Mv / CRC32 Gd,Eb (F2)"),
    [0xF1] = E(x86_op_map38, OPF_MODRM, "MOVBE Mv,Gv / CRC32 Gd,Ey (F2)"),
    [0xF6] = E(x86_op_map38, OPF_MODRM, "ADCX Gy,Ey (66) / ADOX Gy,Ey (F3)"),
};
const struct x86_op_entry x86_map4[256] = {
    [0x0F] = E(NULL, OPF_MODRM | OPF_IMM8, "PALIGNR"),
};

const struct x86_op_entry *x86_entry(const struct x86_insn *i)
{
    static const struct x86_op_entry *const maps[4] = {x86_map1, x86_map2, x86_map3, x86_map4};
    return &maps[i->map & 3][i->opcode];
}
