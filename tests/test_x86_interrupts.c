/* External interrupts and NMI injected by the VMM (squib_vcpu_interrupt),
 * on the interpreter and on KVM alike: a HLT woken by an interrupt, the STI
 * shadow, IF=0 holding an interrupt back, NMI blocking until IRET.  Real-mode
 * programs with an IVT, so kvm-pvm can run them too. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"

#define RAM_SIZE 0xA0000

struct vm {
    struct squib_vm *vm;
    struct squib_vcpu *cpu;
    uint8_t *ram;
    struct squib_exit ex;
};

static bool make(struct vm *v, const char *accel)
{
    memset(v, 0, sizeof *v);
    if (squib_vm_create(accel, SQUIB_ARCH_X86_64, &v->vm))
        return false;
    v->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_eq(squib_vm_map_ram(v->vm, 0, RAM_SIZE, v->ram, 0), 0);
    cr_assert_eq(squib_vcpu_create(v->vm, 0, &v->cpu), 0);
    struct squib_x86_sregs s;
    squib_vcpu_get_regs(v->cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    s.cs.selector = 0;
    s.cs.base = 0;
    s.idt.base = 0;
    s.idt.limit = 0x3ff;
    cr_assert_eq(squib_vcpu_set_regs(v->cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    struct squib_x86_regs g = {.rip = 0x1000, .rsp = 0x8000, .rflags = 2};
    cr_assert_eq(squib_vcpu_set_regs(v->cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g), 0);
    /* IVT: vector 0x20 -> 0:0x2000 (out 0x81 with AL = 0x20, iret);
     * NMI (2) -> 0:0x2100 (out 0x82, then spin until the test injects). */
    uint16_t v20[2] = {0x2000, 0}, v2[2] = {0x2100, 0};
    memcpy(v->ram + 0x20 * 4, v20, 4);
    memcpy(v->ram + 2 * 4, v2, 4);
    static const uint8_t h20[] = {0x50, 0xB0, 0x20, 0xE6, 0x81, 0x58, 0xCF}; /* push ax; mov al,0x20; out 0x81,al; pop ax; iret */
    static const uint8_t h2[] = {0xE6, 0x82, 0xCF};                          /* out 0x82, al; iret */
    memcpy(v->ram + 0x2000, h20, sizeof h20);
    memcpy(v->ram + 0x2100, h2, sizeof h2);
    return true;
}

static void destroy(struct vm *v)
{
    squib_vm_destroy(v->vm);
    munmap(v->ram, RAM_SIZE);
}

static void expect_out(struct vm *v, uint16_t port, const char *accel)
{
    do
        cr_assert_eq(squib_vcpu_run(v->cpu, &v->ex), 0, "%s: %s", accel, squib_errmsg());
    while (v->ex.kind == SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(v->ex.kind, SQUIB_EXIT_PIO, "%s: wanted out 0x%x, got %s", accel, port,
                 squib_exit_kind_name(v->ex.kind));
    cr_assert_eq(v->ex.pio.port, port, "%s: port 0x%x, wanted 0x%x", accel, v->ex.pio.port, port);
}

static void scenario(const char *accel, bool late_window)
{
    struct vm v;
    if (!make(&v, accel)) {
        cr_log_warn("%s unavailable: %s", accel, squib_errmsg());
        return;
    }
    static const uint8_t code[] = {
        0xFB,       /* 1000 sti */
        0xF4,       /* 1001 hlt */
        0xE6, 0x80, /* 1002 out 0x80, al */
        0xFA,       /* 1004 cli */
        0xE6, 0x83, /* 1005 out 0x83, al   (IF = 0: the interrupt waits) */
        0xFB,       /* 1007 sti */
        0x90,       /* 1008 nop            (the STI shadow) */
        0xE6, 0x84, /* 1009 out 0x84, al   (after the handler) */
        0xE6, 0x85, /* 100b out 0x85, al   (NMI injected before: handler first) */
        0xF4,       /* 100d hlt */
    };
    memcpy(v.ram + 0x1000, code, sizeof code);
    cr_assert_eq(squib_vcpu_run(v.cpu, &v.ex), 0);
    cr_assert_eq(v.ex.kind, SQUIB_EXIT_HLT, "%s: %s", accel, squib_exit_kind_name(v.ex.kind));
    cr_assert_eq(squib_vcpu_interrupt(v.cpu, 0x20, false), 0, "%s", squib_errmsg());
    expect_out(&v, 0x81, accel); /* the handler runs... */
    expect_out(&v, 0x80, accel); /* ...and returns after the HLT */
    expect_out(&v, 0x83, accel); /* after CLI */
    cr_assert_eq(squib_vcpu_interrupt(v.cpu, 0x20, false), 0);
    cr_assert_lt(squib_vcpu_interrupt(v.cpu, 0x21, false), 0, "one vector at a time");
    if (!late_window) {
        expect_out(&v, 0x81, accel); /* after STI and the one instruction of its shadow */
        expect_out(&v, 0x84, accel);
    } else {
        /* kvm-pvm emulates CPL0 code and does not stop when the interrupt
         * window opens (request_interrupt_window): the interrupt goes in at
         * the next exit instead. */
        expect_out(&v, 0x84, accel);
        expect_out(&v, 0x81, accel);
    }
    cr_assert_eq(squib_vcpu_interrupt(v.cpu, 0, true), 0);
    expect_out(&v, 0x82, accel); /* the NMI handler */
    expect_out(&v, 0x85, accel);
    destroy(&v);
}

Test(x86_interrupts, interpreter)
{
    scenario("interp", false);
}

Test(x86_interrupts, kvm)
{
    struct squib_accel_info info[4];
    int n = squib_accel_list(SQUIB_ARCH_X86_64, info, 4);
    bool pvm = false;
    for (int k = 0; k < n; k++) {
        if (strcmp(info[k].name, "kvm"))
            continue;
        if (!info[k].available)
            cr_skip_test("KVM is not usable here: %s", info[k].why);
        pvm = strstr(info[k].why, "kvm-pvm") != NULL;
    }
    scenario("kvm", pvm);
}
