/* cpu/x86/mem.c: segmented memory and port access, and the exits they make.
 *
 * Linear address = segment base + offset (SDM Vol. 3, 3.4), then the MMU
 * (paging.c walks when CR0.PG is set).  Non-RAM becomes an MMIO exit at the
 * physical address; a translation fault ends the run (core.c); ports become
 * PIO exits.  Reads of an instruction that exited
 * are answered, in order, from the read cache when it is executed again.
 */
#include "cpu/x86/x86.h"

#include <string.h>

static uint64_t linear(const struct x86_cpu *cpu, int seg, uint64_t off)
{
    uint64_t a = cpu->seg[seg].base + off;
    if (cpu->mode != X86_MODE_LONG64)
        a &= 0xffffffffULL;
    else if (seg != SEG_FS && seg != SEG_GS)
        a = off; /* SDM 3.4.4: CS/DS/ES/SS bases are treated as zero */
    return a;
}

/* Segment checks outside 64-bit mode (SDM Vol. 3, 5.3 and 5.4): the
 * segment must be usable, readable (code) or writable (data) as asked, and
 * every byte within the limit (expand-down data segments: above it).  On a
 * violation raises #SS(0) for SS, else #GP(0), and returns false. */
static bool seg_ok(struct x86_cpu *cpu, int seg, uint64_t off, unsigned size, bool write)
{
    if (cpu->mode == X86_MODE_LONG64)
        return true; /* only canonical checks there, on the linear address */
    const struct x86_segment *s = &cpu->seg[seg];
    unsigned type = s->attr & 0xf;
    bool ok = true;
    if (!x86_real_segments(cpu)) {
        if (!(s->attr & 0x80) || !(s->attr & 0x10))
            ok = false; /* null or unusable */
        else if (type & 8)
            ok = !write && (type & 2); /* code: readable, never writable */
        else if (write)
            ok = type & 2;
    }
    uint64_t last = off + size - 1;
    if (ok && !(type & 8) && (type & 4)) { /* expand-down: (limit, top] */
        uint64_t top = (s->attr & (1u << 14)) ? 0xffffffffULL : 0xffffULL;
        ok = off > s->limit && last <= top;
    } else if (ok) {
        ok = last <= s->limit && last >= off;
    }
    if (ok)
        return true;
    x86_exception(cpu, seg == SEG_SS ? 12 : 13, 0);
    return false;
}

/* A fresh exit record of `kind` for the current instruction. */
static struct squib_exit *new_exit(struct x86_cpu *cpu, enum squib_exit_kind kind)
{
    struct squib_exit *e = cpu->exit;
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->pc = cpu->rip;
    return e;
}

/* A pending read answered from the cache, or an exit. */
static bool cached_read(struct x86_cpu *cpu, uint64_t *val)
{
    if (cpu->rcache_pos < cpu->rcache_count) {
        *val = cpu->rcache[cpu->rcache_pos++];
        return true;
    }
    return false;
}

/* A read exit is impossible once the instruction made a write exit (the
 * record holds it) or when the cache is full. */
static bool read_exit_impossible(struct x86_cpu *cpu)
{
    if (cpu->write_exit) {
        cpu->write_exit = false;
        squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                                  "x86: device read after a device write in one instruction");
        return true;
    }
    if (cpu->rcache_count < sizeof cpu->rcache / sizeof cpu->rcache[0])
        return false;
    squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                              "x86: more than 4 device reads in one instruction");
    return true;
}

enum { ACC_RAM, ACC_DEVICE, ACC_STOP };

/* One access at linear `a` through the MMU.  ACC_RAM: done (buf read or
 * written).  ACC_DEVICE: not RAM; *pa is the physical address of the access
 * (an MMIO exit).  ACC_STOP: cpu->exit holds a fault or an access the
 * interpreter does not split (RAM on one page, a device on the other). */
static int access(struct x86_cpu *cpu, uint64_t a, unsigned size, bool write, void *buf,
                  uint64_t *pa)
{
    struct mmu *m = cpu->mmu;
    unsigned first = MMU_PAGE_SIZE - (unsigned)(a & (MMU_PAGE_SIZE - 1));
    if (first > size)
        first = size;
    uint8_t *p = mmu_ptr(m, a, write);
    if (!p && m->miss_fault)
        goto fault;
    uint64_t dev = p ? 0 : m->miss_paddr;
    if (first == size) {
        if (!p) {
            *pa = dev;
            return ACC_DEVICE;
        }
        if (write)
            memcpy(p, buf, size);
        else
            memcpy(buf, p, size);
        return ACC_RAM;
    }
    /* Crosses a page: check both halves before touching either. */
    uint8_t *q = mmu_ptr(m, a + first, write);
    if (!q && m->miss_fault)
        goto fault;
    if (p && q) {
        if (write) {
            memcpy(p, buf, first);
            memcpy(q, (uint8_t *)buf + first, size - first);
        } else {
            memcpy(buf, p, first);
            memcpy((uint8_t *)buf + first, q, size - first);
        }
        return ACC_RAM;
    }
    if (!p && !q && m->miss_paddr == dev + first) {
        *pa = dev; /* physically contiguous device memory */
        return ACC_DEVICE;
    }
    squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                              "x86: a %u-byte access at 0x%llx crosses between RAM and device "
                              "memory (not split yet)",
                              size, (unsigned long long)a);
    return ACC_STOP;
fault:
    x86_page_fault_exit(cpu);
    return ACC_STOP;
}

/* The data breakpoints (SDM Vol. 3, 18.2.4 and 18.2.5) an access of `size`
 * bytes at linear `a` matches: DRn enabled in DR7 (Ln or Gn), R/W 01 for
 * writes or 11 for either, and the access overlapping the 1, 2, 4 or 8
 * bytes (LEN 00, 01, 11, 10) at DRn aligned down to that length. */
static unsigned bp_len(uint64_t dr7, unsigned n)
{
    static const unsigned lens[4] = {1, 2, 8, 4};
    return lens[(dr7 >> (18 + 4 * n)) & 3];
}

static void data_breakpoints(struct x86_cpu *cpu, uint64_t a, unsigned size, bool write)
{
    uint64_t dr7 = cpu->dr[7];
    for (unsigned n = 0; n < 4; n++) {
        unsigned rw = (dr7 >> (16 + 4 * n)) & 3, len = bp_len(dr7, n);
        if (!((dr7 >> (2 * n)) & 3) || !(rw == 3 || (rw == 1 && write)))
            continue;
        uint64_t lo = cpu->dr[n] & ~(uint64_t)(len - 1);
        if (a < lo + len && lo < a + size)
            cpu->dr_hits |= (uint8_t)(1u << n);
    }
}

/* The I/O breakpoints (SDM Vol. 3, 18.2.4: R/W 10 with CR4.DE) an access
 * of `size` bytes at `port` matches: DRn holds the port, LEN its size. */
static void io_breakpoints(struct x86_cpu *cpu, uint16_t port, unsigned size)
{
    uint64_t dr7 = cpu->dr[7];
    if (!(cpu->cr4 & (1u << 3)))
        return;
    for (unsigned n = 0; n < 4; n++) {
        unsigned rw = (dr7 >> (16 + 4 * n)) & 3, len = bp_len(dr7, n);
        if (!((dr7 >> (2 * n)) & 3) || rw != 2)
            continue;
        uint64_t lo = cpu->dr[n] & 0xffff & ~(uint64_t)(len - 1);
        if (port < lo + len && lo < (uint64_t)port + size)
            cpu->dr_hits |= (uint8_t)(1u << n);
    }
}

bool x86_mem_read_slow(struct x86_cpu *cpu, const struct x86_insn *i, int seg, uint64_t off,
                       unsigned size, uint64_t *val)
{
    x86_rip_fresh(cpu, i); /* a fault or an exit reports it */
    if (!seg_ok(cpu, seg, off, size, false))
        return false;
    uint64_t a = linear(cpu, seg, off), v = 0, pa;
    int r = access(cpu, a, size, false, &v, &pa);
    if (r == ACC_RAM) {
        if (cpu->dr_data)
            data_breakpoints(cpu, a, size, false);
        *val = v;
        return true;
    }
    if (r == ACC_STOP)
        return false;
    if (cached_read(cpu, val)) { /* the device read completes */
        if (cpu->dr_data)
            data_breakpoints(cpu, a, size, false);
        return true;
    }
    if (read_exit_impossible(cpu))
        return false;
    struct squib_exit *e = new_exit(cpu, SQUIB_EXIT_MMIO);
    e->mmio.addr = pa;
    e->mmio.size = (uint8_t)size;
    e->mmio.write = false;
    cpu->pending = CPU_PENDING_MMIO_READ;
    return false;
}

bool x86_mem_write_slow(struct x86_cpu *cpu, const struct x86_insn *i, int seg, uint64_t off,
                        unsigned size, uint64_t val)
{
    x86_rip_fresh(cpu, i);
    if (!seg_ok(cpu, seg, off, size, true))
        return false;
    uint64_t a = linear(cpu, seg, off), pa;
    int r = access(cpu, a, size, true, &val, &pa);
    if (cpu->dr_data && (r == ACC_RAM || r == ACC_DEVICE))
        data_breakpoints(cpu, a, size, true);
    if (r == ACC_RAM)
        return true;
    if (r == ACC_STOP) {
        cpu->write_exit = false; /* the record now holds the stop */
        return false;
    }
    if (cpu->write_exit) {
        squib_exit_internal_error(cpu->exit, cpu->rip, NULL, 0,
                                  "x86: two device writes in one instruction (0x%llx)",
                                  (unsigned long long)pa);
        cpu->write_exit = false;
        return false;
    }
    struct squib_exit *e = new_exit(cpu, SQUIB_EXIT_MMIO);
    e->mmio.addr = pa;
    e->mmio.size = (uint8_t)size;
    e->mmio.write = true;
    e->mmio.data = val & x86_size_mask(size);
    cpu->write_exit = true;
    return true;
}

bool x86_mem_check(struct x86_cpu *cpu, const struct x86_insn *i, int seg, uint64_t off)
{
    x86_rip_fresh(cpu, i);
    if (!seg_ok(cpu, seg, off, 1, false))
        return false;
    struct mmu *m = cpu->mmu;
    if (!mmu_ptr(m, linear(cpu, seg, off), false) && m->miss_fault) {
        x86_page_fault_exit(cpu);
        return false;
    }
    return true;
}

bool x86_port_in(struct x86_cpu *cpu, const struct x86_insn *i, uint16_t port, unsigned size,
                 uint32_t *val)
{
    uint64_t v;
    if (cached_read(cpu, &v)) { /* the port read completes */
        *val = (uint32_t)v;
        if (cpu->dr_data)
            io_breakpoints(cpu, port, size);
        return true;
    }
    if (read_exit_impossible(cpu))
        return false;
    struct squib_exit *e = new_exit(cpu, SQUIB_EXIT_PIO);
    e->pio.port = port;
    e->pio.size = (uint8_t)size;
    e->pio.write = false;
    cpu->pending = CPU_PENDING_PIO_READ;
    return false;
}

void x86_port_out(struct x86_cpu *cpu, const struct x86_insn *i, uint16_t port, unsigned size,
                  uint32_t val)
{
    struct squib_exit *e = new_exit(cpu, SQUIB_EXIT_PIO);
    e->pio.port = port;
    e->pio.size = (uint8_t)size;
    e->pio.write = true;
    e->pio.data = (uint32_t)(val & x86_size_mask(size));
    cpu->write_exit = true;
    if (cpu->dr_data)
        io_breakpoints(cpu, port, size);
}

uint64_t x86_ea(const struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t a = (uint64_t)i->disp;
    if (i->rip_rel)
        a += cpu->next_rip;
    if (i->base != 0xff)
        a += cpu->r[i->base];
    if (i->index != 0xff)
        a += cpu->r[i->index] << i->scale;
    return a & x86_size_mask(i->adsize);
}

/* I/O permission (SDM Vol. 1, 19.5): allowed when CPL <= IOPL (not in
 * virtual-8086 mode); otherwise every bit for the accessed ports in the TSS
 * I/O bitmap must be clear (a 32-bit or 64-bit TSS; the bitmap offset is
 * at TSS+0x66).  On refusal
 * raises #GP(0) and returns false (the handler returns X86_EXIT). */
bool x86_io_permitted(struct x86_cpu *cpu, uint16_t port, unsigned size)
{
    if (cpu->mode == X86_MODE_REAL)
        return true;
    /* Virtual-8086 mode always consults the bitmap (SDM Vol. 3, 20.2.8.1). */
    unsigned cpl = x86_cpl(cpu), iopl = (cpu->rflags >> 12) & 3;
    if (cpl <= iopl && cpu->mode != X86_MODE_VM86)
        return true;
    const struct x86_segment *tr = &cpu->tr;
    bool tss32 = (tr->attr & 0x1f) == 0x09 || (tr->attr & 0x1f) == 0x0b;
    if (tss32 && tr->limit >= 0x67) {
        uint16_t base;
        uint16_t bits;
        bool ok = x86_sys_access(cpu, tr->base + 0x66, &base, 2, false) &&
                  (uint32_t)base + port / 8 + 1 <= tr->limit &&
                  x86_sys_access(cpu, tr->base + base + port / 8, &bits, 2, false);
        if (ok && !((bits >> (port & 7)) & ((1u << size) - 1)))
            return true;
    }
    x86_exception(cpu, 13, 0);
    return false;
}
