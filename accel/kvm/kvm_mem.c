/* accel/kvm/kvm_mem.c: guest memory as the vCPU sees it, for kvm_pc.c.
 *
 * Linear addresses come from segment bases (SDM Vol. 3, 3.4; in 64-bit mode
 * only FS and GS bases count, 3.4.4); with paging off they are physical,
 * with paging on KVM_TRANSLATE walks the guest's page tables (api.rst 4.15).
 * Physical addresses are looked up in the regions map_ram was given.
 */
#include "accel/kvm/kvm.h"

#if KVM_X86_HOST

#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_decode.h"

#define CR0_PG (1ULL << 31)
#define EFER_LMA (1ULL << 10)

int kvm_exit_regs_load(struct kvm_vcpu_state *c, struct kvm_exit_regs *r)
{
    if (r->valid)
        return 0;
    if (c->vm->sync_regs) {
        memcpy(&r->regs, &c->run->s.regs.regs, sizeof r->regs);
        memcpy(&r->sregs, &c->run->s.regs.sregs, sizeof r->sregs);
    } else if (ioctl(c->fd, KVM_GET_REGS, &r->regs) < 0 ||
               ioctl(c->fd, KVM_GET_SREGS, &r->sregs) < 0) {
        return -1;
    }
    r->valid = true;
    return 0;
}

unsigned kvm_code_mode(const struct kvm_sregs *s)
{
    if ((s->efer & EFER_LMA) && s->cs.l)
        return 8;
    return s->cs.db ? 4 : 2;
}

uint64_t kvm_seg_linear(const struct kvm_sregs *s, unsigned mode, unsigned seg, uint64_t off)
{
    const struct kvm_segment *t;
    switch (seg) {
    case KVM_SEG_ES: t = &s->es; break;
    case KVM_SEG_CS: t = &s->cs; break;
    case KVM_SEG_SS: t = &s->ss; break;
    case KVM_SEG_FS: t = &s->fs; break;
    case KVM_SEG_GS: t = &s->gs; break;
    default: t = &s->ds; break;
    }
    if (mode == 8)
        return (seg == KVM_SEG_FS || seg == KVM_SEG_GS) ? t->base + off : off;
    return (t->base + off) & 0xffffffffULL;
}

bool kvm_linear_to_phys(struct kvm_vcpu_state *c, const struct kvm_sregs *s, uint64_t lin,
                        uint64_t *phys)
{
    if (!(s->cr0 & CR0_PG)) {
        *phys = lin & 0xffffffffULL;
        return true;
    }
    uint64_t page = lin & ~4095ULL;
    for (unsigned i = 0; i < sizeof c->tlb / sizeof c->tlb[0]; i++) {
        if (c->tlb[i].gen == c->tgen && c->tlb[i].lin_page == page) {
            *phys = c->tlb[i].phys_page | (lin & 4095);
            return true;
        }
    }
    struct kvm_translation t;
    memset(&t, 0, sizeof t);
    t.linear_address = page;
    if (ioctl(c->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
        return false;
    unsigned slot = c->tlb_next++ % (sizeof c->tlb / sizeof c->tlb[0]);
    c->tlb[slot].lin_page = page;
    c->tlb[slot].phys_page = t.physical_address & ~4095ULL;
    c->tlb[slot].gen = c->tgen;
    *phys = t.physical_address | (lin & 4095);
    return true;
}

size_t kvm_read_linear(struct kvm_vcpu_state *c, const struct kvm_sregs *s, uint64_t lin,
                       void *buf, size_t len)
{
    uint8_t *out = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t in_page = 4096 - (lin & 4095);
        size_t n = len - done < in_page ? len - done : (size_t)in_page;
        uint64_t phys;
        if (!kvm_linear_to_phys(c, s, lin, &phys))
            break;
        const uint8_t *p = squib_physmap_ptr(&c->vm->mem, phys, n);
        if (!p)
            break; /* MMIO or unmapped: not code we can look at */
        memcpy(out + done, p, n);
        done += n;
        lin += n;
        if (!(s->efer & EFER_LMA))
            lin &= 0xffffffffULL; /* only 64-bit linear addresses go past 4 GiB */
    }
    return done;
}

#endif
