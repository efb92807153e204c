/* accel/kvm/kvm_pc.c: the address of the instruction behind a KVM exit.
 *
 * squib's exit `pc` is the RIP of the instruction that caused the exit, as
 * the interpreter reports it.  KVM reports RIP at the exit, which is that
 * instruction for some exits and the next one for others.  Measured on this
 * project's kvm-pvm host (where CPL0 code runs in KVM's instruction
 * emulator), real mode:
 *   IN, INS, REP INS (one exit, count > 1)      RIP at the instruction
 *   OUT imm8, OUT DX, OUTS without REP          RIP past the instruction
 *   REP OUTS (one exit per element)             RIP at the instruction, also
 *                                               for the last element
 *   MMIO read                                   RIP at the instruction
 *   MMIO write (MOV, PUSH, STOS, MOVS, ADD)     RIP past the instruction
 *   REP STOS/MOVS writes                        RIP at the instruction
 *   HLT                                         RIP past the HLT
 * The emulator writes back (advances RIP) before it exits for a write and
 * not for a read (x86_emulate_instruction), so reads and emulated writes
 * behave the same on every host.  The exception is a non-string OUT on
 * VMX/SVM: since Linux 5.x KVM's fast PIO path exits with RIP still at the
 * OUT and skips it on the next KVM_RUN (complete_fast_pio_out), except for
 * port 0x7E (KVM_X86_QUIRK_OUT_7E_INC_RIP).  So for OUT both forms are
 * tried, and the first unambiguous exit teaches the vCPU which one this
 * kernel uses.
 *
 * Recovering the start when RIP is past it: every start RIP-1 .. RIP-15 is
 * decoded (kvm_decode.c); a candidate must end exactly at RIP and agree with
 * the exit: direction, size and port (imm8 or DX) for port I/O; the data
 * written for OUTS; the memory operand's guest-physical address and width
 * for MMIO.  Among equally good candidates the shortest wins (a byte before
 * the instruction that happens to look like a prefix is more likely the end
 * of the previous instruction than a prefix nobody writes).  When nothing
 * fits, the exit reports RIP as KVM gave it.
 */
#include "accel/kvm/kvm.h"

#if KVM_X86_HOST

#include <string.h>

#include "accel/kvm/kvm_decode.h"

#define RFLAGS_DF (1ULL << 10)

/* The code around RIP: b[i] holds the byte at RIP - KVM_INSN_MAX + i; only
 * [lo, hi) could be read. */
struct code_window {
    uint64_t rip;
    unsigned mode;
    uint8_t b[2 * KVM_INSN_MAX];
    unsigned lo, hi;
    uint64_t gpr[16];
};

#define AT_RIP KVM_INSN_MAX /* index of RIP in code_window.b */

static uint64_t mode_mask(unsigned mode)
{
    return mode == 8 ? ~0ULL : mode == 4 ? 0xffffffffULL : 0xffffULL;
}

static void load_window(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r,
                        struct code_window *w)
{
    const struct kvm_sregs *s = &r->sregs;
    const struct kvm_regs *g = &r->regs;
    memset(w, 0, sizeof *w);
    w->mode = kvm_code_mode(s);
    w->rip = g->rip & mode_mask(w->mode);
    uint64_t regs[16] = {g->rax, g->rcx, g->rdx, g->rbx, g->rsp, g->rbp, g->rsi, g->rdi,
                         g->r8,  g->r9,  g->r10, g->r11, g->r12, g->r13, g->r14, g->r15};
    memcpy(w->gpr, regs, sizeof regs);

    uint64_t lin = kvm_seg_linear(s, w->mode, KVM_SEG_CS, w->rip);
    w->lo = w->hi = AT_RIP;
    w->hi += (unsigned)kvm_read_linear(c, s, lin, w->b + AT_RIP, KVM_INSN_MAX);

    /* Bytes before RIP, nearest page first, so that an unreadable page below
     * does not hide the readable bytes just before RIP. */
    unsigned before = w->rip < KVM_INSN_MAX ? (unsigned)w->rip : KVM_INSN_MAX;
    if (!before)
        return;
    unsigned near = before;
    uint64_t in_page = ((lin - 1) & 4095) + 1;
    if (in_page < near)
        near = (unsigned)in_page;
    if (kvm_read_linear(c, s, lin - near, w->b + AT_RIP - near, near) != near)
        return;
    w->lo = AT_RIP - near;
    unsigned far = before - near;
    if (far && kvm_read_linear(c, s, lin - before, w->b + AT_RIP - before, far) == far)
        w->lo = AT_RIP - before;
}

/* Decodes the candidate starting at w->b[at]; it must end at `end` (or
 * anywhere when `end` is 0). */
static bool decode_at(const struct code_window *w, unsigned at, unsigned end,
                      struct kvm_insn *i)
{
    if (at < w->lo || at >= w->hi)
        return false;
    unsigned n = kvm_decode(w->b + at, w->hi - at, w->mode, i);
    return n && (!end || at + n == end);
}

static uint64_t pc_of(const struct code_window *w, unsigned at)
{
    return (w->rip - (AT_RIP - at)) & mode_mask(w->mode);
}

/* ---- port I/O ---------------------------------------------------------- */

struct pio_want {
    bool in;
    unsigned size;
    uint16_t port;
    uint32_t count;
    const uint8_t *data; /* first element (OUT) */
};

/* 0 no, 1 fits, 2 fits and the OUTS source holds the data written. */
static int pio_score(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r,
                     const struct code_window *w, const struct kvm_insn *i,
                     const struct pio_want *want, bool advanced, bool *string)
{
    if (i->map != 0 || i->vex)
        return 0;
    uint8_t op = i->op;
    bool in, dx = true;
    *string = false;
    if (op >= 0xe4 && op <= 0xe7) {
        dx = false;
        in = op < 0xe6;
    } else if (op >= 0xec && op <= 0xef) {
        in = op < 0xee;
    } else if (op >= 0x6c && op <= 0x6f) {
        in = op < 0x6e;
        *string = true;
    } else {
        return 0;
    }
    unsigned size = (op & 1) ? (i->opsize == 2 ? 2 : 4) : 1;
    uint16_t port = dx ? (uint16_t)w->gpr[KVM_RDX] : (uint16_t)i->imm;
    if (in != want->in || size != want->size || port != want->port)
        return 0;
    if (want->count > 1 && !(*string && i->rep))
        return 0;
    if (!*string || in || !advanced)
        return 1;
    /* A completed OUTS has moved SI past the element it wrote. */
    uint64_t amask = i->adsize == 8 ? ~0ULL : i->adsize == 4 ? 0xffffffffULL : 0xffffULL;
    uint64_t si = w->gpr[KVM_RSI];
    si = (r->regs.rflags & RFLAGS_DF) ? si + size : si - size;
    unsigned seg = i->seg != KVM_SEG_NONE ? i->seg : KVM_SEG_DS;
    uint8_t mem[4];
    uint64_t lin = kvm_seg_linear(&r->sregs, w->mode, seg, si & amask);
    if (kvm_read_linear(c, &r->sregs, lin, mem, size) != size)
        return 1;
    return memcmp(mem, want->data, size) == 0 ? 2 : 1;
}

/* The best candidate ending at RIP; returns its index or -1. */
static int pio_walk_back(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r,
                         const struct code_window *w, const struct pio_want *want,
                         bool *string)
{
    int best = -1, best_score = 0;
    for (unsigned at = AT_RIP; at-- > w->lo;) {
        struct kvm_insn i;
        bool str;
        if (!decode_at(w, at, AT_RIP, &i))
            continue;
        int score = pio_score(c, r, w, &i, want, true, &str);
        if (score > best_score) { /* shortest first, so ties keep it */
            best = (int)at;
            best_score = score;
            *string = str;
        }
    }
    return best;
}

uint64_t kvm_pc_for_pio(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r, bool in,
                        unsigned size, uint16_t port, uint32_t count, const uint8_t *data)
{
    struct code_window w;
    load_window(c, r, &w);
    struct pio_want want = {.in = in, .size = size, .port = port, .count = count, .data = data};
    struct kvm_insn i;
    bool at_string = false, back_string = false;
    bool at_ok = decode_at(&w, AT_RIP, 0, &i) &&
                 pio_score(c, r, &w, &i, &want, false, &at_string) > 0;
    bool at_rep = at_ok && at_string && i.rep;

    if (at_ok && (in || at_rep))
        return w.rip; /* reads, and REP string I/O in progress */
    int back = pio_walk_back(c, r, &w, &want, &back_string);
    if (in)
        return back >= 0 ? pc_of(&w, back) : w.rip;
    if (back >= 0 && back_string)
        return pc_of(&w, back); /* OUTS is emulated: complete before the exit */

    bool learnable = port != 0x7e; /* 0x7E advances RIP on every kernel */
    if (at_ok && back >= 0)
        return c->out_advanced != 0 ? pc_of(&w, back) : w.rip;
    if (back >= 0) {
        if (learnable)
            c->out_advanced = 1;
        return pc_of(&w, back);
    }
    if (at_ok && learnable && !at_string)
        c->out_advanced = 0;
    return w.rip;
}

/* ---- MMIO -------------------------------------------------------------- */

static int near_score(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r, unsigned mode,
                      unsigned seg, uint64_t off, uint64_t gpa, unsigned width, unsigned len,
                      bool exact_only)
{
    uint64_t lin = kvm_seg_linear(&r->sregs, mode, seg, off), phys;
    /* Translation keeps the page offset: most candidates fail here, without
     * a KVM_TRANSLATE. */
    uint64_t delta = (gpa - lin) & 4095;
    if (exact_only ? delta != 0 : (delta > 16 && delta < 4096 - 16))
        return 0;
    if (!kvm_linear_to_phys(c, &r->sregs, lin, &phys))
        return 0;
    if (phys == gpa)
        return (!width || width == len) ? 3 : 2;
    if (exact_only)
        return 0;
    uint64_t d = gpa - phys;
    if (d + 16 <= 32) /* within 16 bytes either way: string steps, fragments */
        return 1;
    return 0;
}

/* How well the instruction's memory operand explains an access to `gpa`:
 * 0 not at all, 1 nearby, 2 same address, 3 same address and width. */
static int mmio_score(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r,
                      const struct code_window *w, const struct kvm_insn *i, uint64_t next_ip,
                      uint64_t gpa, unsigned len)
{
    uint64_t amask = i->adsize == 8 ? ~0ULL : i->adsize == 4 ? 0xffffffffULL : 0xffffULL;
    if (kvm_insn_has_mem(i)) {
        /* Fragments of a page-crossing access start at the page, inside the
         * operand: "nearby" covers them. */
        return near_score(c, r, w->mode, kvm_insn_ea_seg(i), kvm_insn_ea(i, w->gpr, next_ip),
                          gpa, kvm_insn_mem_width(i), len, false);
    }
    if (i->has_modrm || i->vex || i->map != 0)
        return 0;
    uint8_t op = i->op;
    unsigned src = i->seg != KVM_SEG_NONE ? i->seg : KVM_SEG_DS;
    unsigned width = (op & 1) ? i->opsize : 1;
    if (op >= 0xa0 && op <= 0xa3) /* MOV moffs */
        return near_score(c, r, w->mode, src, i->imm & amask, gpa, width, len, true);
    if (op == 0xd7) /* XLAT */
        return near_score(c, r, w->mode, src,
                          (w->gpr[KVM_RBX] + (w->gpr[KVM_RAX] & 0xff)) & amask, gpa, 1, len,
                          true);
    bool uses_si = op == 0xa4 || op == 0xa5 || op == 0xa6 || op == 0xa7 || op == 0xac ||
                   op == 0xad || op == 0x6e || op == 0x6f;
    bool uses_di = op == 0xa4 || op == 0xa5 || op == 0xa6 || op == 0xa7 || op == 0xaa ||
                   op == 0xab || op == 0xae || op == 0xaf || op == 0x6c || op == 0x6d;
    int best = 0;
    if (uses_si) {
        int s = near_score(c, r, w->mode, src, w->gpr[KVM_RSI] & amask, gpa, 0, len, false);
        best = s > best ? s : best;
    }
    if (uses_di) { /* ES:DI, no override (SDM Vol. 2, MOVS/STOS) */
        int s = near_score(c, r, w->mode, KVM_SEG_ES, w->gpr[KVM_RDI] & amask, gpa, 0, len,
                           false);
        best = s > best ? s : best;
    }
    if (uses_si || uses_di)
        return best ? 1 : 0; /* SI/DI have moved: never better than "nearby" */
    bool stack = (op >= 0x50 && op <= 0x61) || op == 0x68 || op == 0x6a || op == 0x9c ||
                 op == 0x9d || op == 0xc2 || op == 0xc3 || op == 0xc8 || op == 0xc9 ||
                 op == 0xca || op == 0xcb || op == 0xcf || op == 0xe8 || op == 0x06 ||
                 op == 0x07 || op == 0x0e || op == 0x16 || op == 0x17 || op == 0x1e ||
                 op == 0x1f;
    if (stack) {
        uint64_t smask = w->mode == 8 ? ~0ULL : r->sregs.ss.db ? 0xffffffffULL : 0xffffULL;
        return near_score(c, r, w->mode, KVM_SEG_SS, w->gpr[KVM_RSP] & smask, gpa, 0, len,
                          false)
                   ? 1
                   : 0;
    }
    return 0;
}

static bool is_rep_string(const struct kvm_insn *i)
{
    return i->rep && i->map == 0 && !i->vex &&
           ((i->op >= 0xa4 && i->op <= 0xa7) || (i->op >= 0xaa && i->op <= 0xaf) ||
            (i->op >= 0x6c && i->op <= 0x6f));
}

uint64_t kvm_pc_for_mmio(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r, uint64_t gpa,
                         unsigned len, bool write)
{
    struct code_window w;
    load_window(c, r, &w);
    struct kvm_insn i;
    int at_score = 0;
    if (decode_at(&w, AT_RIP, 0, &i))
        at_score = mmio_score(c, r, &w, &i, w.rip + i.len, gpa, len);
    /* Reads exit before the instruction completes; so do REP string
     * instructions between iterations. */
    if (at_score && (!write || is_rep_string(&i)))
        return w.rip;
    int best = -1, best_score = 0;
    for (unsigned at = AT_RIP; at-- > w.lo;) {
        struct kvm_insn cand;
        if (!decode_at(&w, at, AT_RIP, &cand))
            continue;
        int s = mmio_score(c, r, &w, &cand, w.rip, gpa, len);
        if (s > best_score) {
            best = (int)at;
            best_score = s;
        }
    }
    if (best >= 0)
        return pc_of(&w, best);
    return w.rip;
}

/* ---- others ------------------------------------------------------------ */

uint64_t kvm_pc_for_hlt(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r)
{
    /* KVM skips HLT before it exits (kvm_emulate_halt). */
    struct code_window w;
    load_window(c, r, &w);
    if (w.lo < AT_RIP && w.b[AT_RIP - 1] == 0xf4)
        return pc_of(&w, AT_RIP - 1);
    return w.rip;
}

bool kvm_at_vmcall(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r)
{
    uint8_t b[3];
    if (kvm_code_at_rip(c, r, b, sizeof b) != sizeof b)
        return false;
    return b[0] == 0x0f && b[1] == 0x01 && (b[2] == 0xc1 || b[2] == 0xd9);
}

size_t kvm_code_at_rip(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r, uint8_t *buf,
                       size_t max)
{
    unsigned mode = kvm_code_mode(&r->sregs);
    uint64_t lin = kvm_seg_linear(&r->sregs, mode, KVM_SEG_CS, r->regs.rip & mode_mask(mode));
    return kvm_read_linear(c, &r->sregs, lin, buf, max);
}

#endif
