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
int x86_op_grp7(struct x86_cpu *, const struct x86_insn *);
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
int x86_op_jmp_far(struct x86_cpu *, const struct x86_insn *);
int x86_op_in(struct x86_cpu *, const struct x86_insn *);
int x86_op_out(struct x86_cpu *, const struct x86_insn *);
int x86_op_string(struct x86_cpu *, const struct x86_insn *);
int x86_op_hlt(struct x86_cpu *, const struct x86_insn *);
int x86_op_cli_sti(struct x86_cpu *, const struct x86_insn *);

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
    [0x06] = E(x86_op_pushpop_sreg, 0, "PUSH ES"),
    [0x07] = E(x86_op_pushpop_sreg, 0, "POP ES"),
    [0x0E] = E(x86_op_pushpop_sreg, 0, "PUSH CS"),
    [0x16] = E(x86_op_pushpop_sreg, 0, "PUSH SS"),
    [0x17] = E(x86_op_pushpop_sreg, OPF_END, "POP SS"), /* interrupt shadow */
    [0x1E] = E(x86_op_pushpop_sreg, 0, "PUSH DS"),
    [0x1F] = E(x86_op_pushpop_sreg, 0, "POP DS"),
    [0x27] = E(NULL, 0, "DAA"), [0x2F] = E(NULL, 0, "DAS"),
    [0x37] = E(NULL, 0, "AAA"), [0x3F] = E(NULL, 0, "AAS"),
    R16(0x40, x86_op_incdec_r, 0, "INC/DEC r"),
    R8(0x50, x86_op_pushpop_r, OPF_D64, "PUSH r"),
    R8(0x58, x86_op_pushpop_r, OPF_D64, "POP r"),
    [0x60] = E(NULL, 0, "PUSHA"), [0x61] = E(NULL, 0, "POPA"),
    [0x62] = E(NULL, OPF_MODRM, "BOUND"), [0x63] = E(NULL, OPF_MODRM, "ARPL/MOVSXD"),
    [0x68] = E(x86_op_push_imm, OPF_IMMZ | OPF_D64, "PUSH Iz"),
    [0x69] = E(NULL, OPF_MODRM | OPF_IMMZ, "IMUL Gv,Ev,Iz"),
    [0x6A] = E(x86_op_push_imm, OPF_IMM8 | OPF_D64, "PUSH Ib"),
    [0x6B] = E(NULL, OPF_MODRM | OPF_IMM8, "IMUL Gv,Ev,Ib"),
    [0x6C] = E(x86_op_string, OPF_BYTE, "INSB"),
    [0x6D] = E(x86_op_string, 0, "INS"),
    [0x6E] = E(x86_op_string, OPF_BYTE, "OUTSB"),
    [0x6F] = E(x86_op_string, 0, "OUTS"),
    R16(0x70, x86_op_jcc, OPF_REL8 | OPF_END | OPF_D64, "Jcc Jb"),
    [0x80] = E(x86_op_grp1, OPF_MODRM | OPF_IMM8 | OPF_BYTE, "Grp1 Eb,Ib"),
    [0x81] = E(x86_op_grp1, OPF_MODRM | OPF_IMMZ, "Grp1 Ev,Iz"),
    [0x82] = E(NULL, OPF_MODRM | OPF_IMM8 | OPF_BYTE, "Grp1 Eb,Ib (82)"),
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
    [0x8E] = E(x86_op_mov_sreg, OPF_MODRM | OPF_END, "MOV Sw,Ew"),
    [0x8F] = E(NULL, OPF_MODRM | OPF_D64, "POP Ev"),
    R8(0x90, x86_op_xchg, 0, "XCHG rAX,r / NOP"),
    [0x98] = E(x86_op_cbw_cwd, 0, "CBW"), [0x99] = E(x86_op_cbw_cwd, 0, "CWD"),
    [0x9A] = E(NULL, OPF_FAR | OPF_END, "CALL Ap"),
    [0x9B] = E(NULL, 0, "FWAIT"),
    [0x9C] = E(x86_op_pushf_popf, OPF_D64, "PUSHF"),
    [0x9D] = E(x86_op_pushf_popf, OPF_D64 | OPF_END, "POPF"),
    [0x9E] = E(NULL, 0, "SAHF"), [0x9F] = E(NULL, 0, "LAHF"),
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
    [0xC0] = E(NULL, OPF_MODRM | OPF_IMM8 | OPF_BYTE, "Grp2 Eb,Ib"),
    [0xC1] = E(NULL, OPF_MODRM | OPF_IMM8, "Grp2 Ev,Ib"),
    [0xC2] = E(x86_op_ret, OPF_IMM16 | OPF_END | OPF_D64, "RET Iw"),
    [0xC3] = E(x86_op_ret, OPF_END | OPF_D64, "RET"),
    [0xC4] = E(NULL, OPF_MODRM, "LES/VEX3"), [0xC5] = E(NULL, OPF_MODRM, "LDS/VEX2"),
    [0xC6] = E(x86_op_mov_rm_imm, OPF_MODRM | OPF_IMM8 | OPF_BYTE, "MOV Eb,Ib"),
    [0xC7] = E(x86_op_mov_rm_imm, OPF_MODRM | OPF_IMMZ, "MOV Ev,Iz"),
    [0xC8] = E(NULL, OPF_IMM8_2, "ENTER"), [0xC9] = E(NULL, OPF_D64, "LEAVE"),
    [0xCA] = E(NULL, OPF_IMM16 | OPF_END, "RETF Iw"), [0xCB] = E(NULL, OPF_END, "RETF"),
    [0xCC] = E(NULL, OPF_END, "INT3"), [0xCD] = E(NULL, OPF_IMM8 | OPF_END, "INT Ib"),
    [0xCE] = E(NULL, OPF_END, "INTO"), [0xCF] = E(NULL, OPF_END, "IRET"),
    [0xD0] = E(NULL, OPF_MODRM | OPF_BYTE, "Grp2 Eb,1"), [0xD1] = E(NULL, OPF_MODRM, "Grp2 Ev,1"),
    [0xD2] = E(NULL, OPF_MODRM | OPF_BYTE, "Grp2 Eb,CL"), [0xD3] = E(NULL, OPF_MODRM, "Grp2 Ev,CL"),
    [0xD4] = E(NULL, OPF_IMM8, "AAM"), [0xD5] = E(NULL, OPF_IMM8, "AAD"),
    [0xD6] = E(NULL, 0, "SALC"), [0xD7] = E(NULL, 0, "XLAT"),
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
    [0xEA] = E(x86_op_jmp_far, OPF_FAR | OPF_END, "JMP Ap"),
    [0xEB] = E(x86_op_jmp_rel, OPF_REL8 | OPF_END | OPF_D64, "JMP Jb"),
    [0xEC] = E(x86_op_in, OPF_BYTE, "IN AL,DX"),
    [0xED] = E(x86_op_in, 0, "IN eAX,DX"),
    [0xEE] = E(x86_op_out, OPF_BYTE, "OUT DX,AL"),
    [0xEF] = E(x86_op_out, 0, "OUT DX,eAX"),
    [0xF1] = E(NULL, OPF_END, "INT1"),
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

const struct x86_op_entry x86_map2[256] = {
    [0x01] = E(x86_op_grp7, OPF_MODRM | OPF_END, "Grp7"),
    R16(0x80, x86_op_jcc, OPF_RELZ | OPF_END | OPF_D64, "Jcc Jz"),
};
