/* Threaded dispatch and block chaining in the x86 interpreter (cpu/x86/
 * core.c, fast.c): in 64-bit mode a block's instructions go on to each other
 * without the run loop, rip is computed only where it is read, and branches
 * go straight on to the linked next block.  These run hot 64-bit loops
 * through that path and check what the run loop used to guarantee between
 * instructions: self-modifying code seen at once, a trap flag set by POPF
 * trapping after the next instruction, faults and exits at the right rip
 * in the middle of chained blocks. */
#include "tests/x86_gp_harness.h"

TestSuite(x86_threaded, .init = gp_setup, .fini = gp_teardown);

/* A loop that rewrites the immediate of an instruction in the block it
 * jumps to, every iteration: the store hits a code page, and the chained
 * path must stop and decode the new bytes (roms: nasm, bits 64). */
Test(x86_threaded, hot_loop_sees_its_own_code_change)
{
    static const uint8_t c[] = {
        0xb9, 0x64, 0x00, 0x00, 0x00,             /* 1000 mov ecx, 100 */
        0x31, 0xdb,                               /* 1005 xor ebx, ebx */
        0x88, 0x0c, 0x25, 0x21, 0x10, 0x00, 0x00, /* 1007 mov [0x1021], cl */
        0xeb, 0x10,                               /* 100e jmp 0x1020 */
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, /* 1010 nop x16 */
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
        0xb8, 0x00, 0x56, 0x34, 0x12, /* 1020 mov eax, 0x123456xx (patched) */
        0x01, 0xc3,                   /* 1025 add ebx, eax */
        0xff, 0xc9,                   /* 1027 dec ecx */
        0x75, 0xdc,                   /* 1029 jnz 0x1007 */
        0xf4,                         /* 102b hlt */
    };
    gp_mode(GP_LONG64);
    code(c, sizeof c);
    struct squib_x86_regs g = run_hlt();
    uint32_t want = 0;
    for (uint32_t k = 100; k >= 1; k--)
        want += 0x12345600u + k;
    cr_assert_eq(g.rbx, want, "rbx 0x%llx, want 0x%x", (unsigned long long)g.rbx, want);
    cr_assert_eq(ex.pc, 0x102b);
}

/* POPF setting TF after a chained loop: the #DB trap comes after the next
 * instruction (SDM Vol. 3, 18.3.1.4), not later, with the loop's work done. */
Test(x86_threaded, trap_flag_from_popf_after_a_chained_loop)
{
    static const uint8_t c[] = {
        0xb9, 0xe8, 0x03, 0x00, 0x00,                   /* 1000 mov ecx, 1000 */
        0x31, 0xdb,                                     /* 1005 xor ebx, ebx */
        0x01, 0xcb,                                     /* 1007 add ebx, ecx */
        0xff, 0xc9,                                     /* 1009 dec ecx */
        0x75, 0xfa,                                     /* 100b jnz 0x1007 */
        0x9c,                                           /* 100d pushfq */
        0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, /* 100e or qword [rsp], 0x100 */
        0x9d,                                           /* 1016 popfq */
        0x90,                                           /* 1017 nop */
        0xff, 0xc3,                                     /* 1018 inc ebx */
        0xf4,                                           /* 101a hlt */
    };
    gp_mode(GP_LONG64);
    code(c, sizeof c);
    run_exception(1, 0x1018);
    cr_assert_eq(regs().rbx, 500500);
}

/* A page fault and an MMIO exit in the middle of chained blocks report the
 * faulting instruction's rip (computed from the block's start only then),
 * and the MMIO load completes into the right register on re-entry. */
Test(x86_threaded, faults_and_exits_mid_chain_have_the_right_rip)
{
    static const uint8_t c[] = {
        0xb9, 0x10, 0x00, 0x00, 0x00,             /* 1000 mov ecx, 16 */
        0x31, 0xc0,                               /* 1005 xor eax, eax */
        0x48, 0x8b, 0x14, 0x25, 0x00, 0x20, 0x00, 0x00, /* 1007 mov rdx, [0x2000] */
        0x48, 0x01, 0xd0,                         /* 100f add rax, rdx */
        0xff, 0xc9,                               /* 1012 dec ecx */
        0x75, 0xf1,                               /* 1014 jnz 0x1007 */
        0x8b, 0x1c, 0x25, 0x00, 0x00, 0x10, 0x00, /* 1016 mov ebx, [0x100000] (MMIO) */
        0x01, 0xd8,                               /* 101d add eax, ebx */
        0xf4,                                     /* 101f hlt */
    };
    gp_mode(GP_LONG64);
    code(c, sizeof c);
    gp_put64(GP_DATA, 3);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO, "got %s", squib_exit_kind_name(ex.kind));
    cr_assert_eq(ex.pc, 0x1016, "pc 0x%llx", (unsigned long long)ex.pc);
    cr_assert_eq(ex.mmio.addr, GP_MMIO);
    cr_assert_eq(regs().rax, 48);
    ex.mmio.data = 1000;
    struct squib_x86_regs g = run_hlt();
    cr_assert_eq(g.rax, 1048);
    cr_assert_eq(ex.pc, 0x101f);
}

/* A store whose memo (fast.c, memo_ptr) names a data page that then
 * becomes code: decoding the page watches it (mmu_watch_code drops its
 * write tags and the memos), so the same store, writing into the code now,
 * is seen and the new code runs.  (The page holds RET, then HLT.) */
Test(x86_threaded, a_memoised_store_into_a_page_that_became_code)
{
    static const uint8_t c[] = {
        0xb0, 0xc3,                   /* 1000 mov al, 0xc3 (ret) */
        0xb9, 0x03, 0x00, 0x00, 0x00, /* 1002 mov ecx, 3: the store's memo set */
        0xe8, 0x1c, 0x00, 0x00, 0x00, /* 1007 call s3 */
        0xe8, 0xef, 0x1f, 0x00, 0x00, /* 100c call 0x3000: the page becomes code */
        0xb0, 0xf4,                   /* 1011 mov al, 0xf4 (hlt) */
        0xb9, 0x01, 0x00, 0x00, 0x00, /* 1013 mov ecx, 1 */
        0xe8, 0x0b, 0x00, 0x00, 0x00, /* 1018 call s3: the same store instruction */
        0xe8, 0xde, 0x1f, 0x00, 0x00, /* 101d call 0x3000 */
        0xbb, 0x01, 0x00, 0x00, 0x00, /* 1022 mov ebx, 1 (the stale RET ran) */
        0xf4,                         /* 1027 hlt */
        0x88, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00, /* 1028 s3: mov [0x3000], al */
        0xff, 0xc9,                   /* 102f dec ecx */
        0x75, 0xf5,                   /* 1031 jnz s3 */
        0xc3,                         /* 1033 ret */
    };
    gp_mode(GP_LONG64);
    code(c, sizeof c);
    struct squib_x86_regs g = run_hlt();
    cr_assert_eq(ex.pc, 0x3000, "hlt at 0x%llx: the page's old code ran", (unsigned long long)ex.pc);
    cr_assert_eq(g.rbx, 0);
}
