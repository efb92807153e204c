/* frontends/cli/options.c: QEMU-style option parsing (one dash or two, as
 * QEMU accepts), with a clear error for every option not supported yet. */
#include "frontends/cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "squib/accel.h"

void cli_usage(FILE *out)
{
    fputs(
        "usage: squib [options]\n"
        "\n"
        "Runs an x86-64 or aarch64 guest on squib's interpreter or on KVM.  The options\n"
        "follow QEMU's, so scripts written for qemu-system-* run unchanged.\n"
        "\n"
        "Machine:\n"
        "  -M, -machine NAME     pc (x86-64, default) or virt (aarch64); -M help lists them\n"
        "  -M virt,dumpdtb=FILE  write the device tree the guest would get to FILE and exit\n"
        "  -M virt,psci-conduit=hvc|smc\n"
        "                        how the guest calls PSCI/SMCCC (squib option; QEMU picks by\n"
        "                        its EL2/EL3 settings): hvc (default) = HVC #0, SMC UNDEFINED;\n"
        "                        smc = SMC #0 too, device tree method \"smc\"\n"
        "  -cpu MODEL[,FLAGS]    CPU model (pc: max; virt: cortex-a72, max: the one CPU\n"
        "                        each core models so far); -cpu help lists them.  pc takes\n"
        "                        QEMU's feature flags: -cpu max,-pcid,popcnt=off removes\n"
        "                        features (instructions of them become #UD)\n"
        "  -m SIZE               RAM size: MiB, or with a suffix K/M/G (default 128M);\n"
        "                        also -m size=SIZE\n"
        "  -smp N                vCPUs (parsed; only 1 until SMP lands)\n"
        "  -accel NAME           auto (default), interp or kvm; -accel help says which\n"
        "                        work here and why; -enable-kvm means -accel kvm\n"
        "\n"
        "Images:\n"
        "  -bios FILE            firmware: pc maps it to end at 4 GiB (size a multiple of\n"
        "                        64 KiB) with its last 128 KiB aliased below 1 MiB, and\n"
        "                        starts at the reset vector; virt maps it as flash at 0\n"
        "  -kernel FILE          ELF64 (both machines) or an arm64 Linux Image (virt).\n"
        "                        Entry state: pc: 32-bit protected mode, flat 4 GiB\n"
        "                        segments, paging and interrupts off, EIP = ELF entry;\n"
        "                        virt: EL1h, MMU off, DAIF masked, x0 = DTB address,\n"
        "                        x1-x3 = 0; an Image loads at 0x40080000 (text_offset)\n"
        "  -append STRING        kernel command line (virt: /chosen bootargs)\n"
        "  -initrd FILE          initial ramdisk (virt: at RAM base + min(RAM/2, 128 MiB))\n"
        "  -device loader,file=F,addr=A[,cpu-num=N]\n"
        "                        load F at A; with cpu-num=0 start the vCPU there (an ELF\n"
        "                        file needs no addr); -device loader,addr=A,data=V,data-len=L\n"
        "                        writes a 1/2/4/8-byte value\n"
        "\n"
        "Devices:\n"
        "  -device isa-debug-exit[,iobase=P][,iosize=N]\n"
        "                        (pc) a write of v to port P ends squib with status (v<<1)|1\n"
        "                        (defaults iobase=0x501, iosize=2, as QEMU's)\n"
        "  -serial DEV           the UART (pc: 16550A at 0x3f8; virt: PL011 at 0x09000000):\n"
        "                        stdio, null, none, file:PATH.  Default: stdio, or nowhere\n"
        "                        with -display none (QEMU sends it to a virtual console)\n"
        "  -debugcon DEV         (pc) the 0xe9 debug console: stdio, null, none, file:PATH\n"
        "  -nographic            no display; the serial port on stdio\n"
        "  -display none         no display\n"
        "  -nodefaults           no default devices (squib adds none beyond the board's);\n"
        "                        unlike QEMU, -nographic still puts the UART on stdio\n"
        "  -no-reboot            end instead of rebooting when the guest resets\n"
        "                        (on pc a triple fault is a reset, as in QEMU)\n"
        "  -device help          lists devices\n"
        "\n"
        "Tracing:\n"
        "  -d exits              one line per VM exit (kind, address or port, size, data,\n"
        "                        pc, device) and the exit statistics at the end\n"
        "  -d accel              say which accelerator runs the guest and why (auto's\n"
        "                        choice); -d exits and --stats say it too\n"
        "  -D FILE               write -d output to FILE instead of stderr\n"
        "  --stats               print exit counts by kind and by device at the end\n"
        "\n"
        "  -h, --help            this text;  -version  the version\n"
        "\n"
        "Exit status: 0 when the guest powers off (PSCI SYSTEM_OFF, ACPI S5) or halts with\n"
        "nothing to wake it; (v<<1)|1 from isa-debug-exit; 1 on errors.\n",
        out);
}

static int fail(FILE *err, const char *fmt, const char *a, const char *b)
{
    fputs("squib: ", err);
    fprintf(err, fmt, a, b);
    fputc('\n', err);
    return -1;
}

/* Sizes as QEMU reads them: a bare number is MiB; K/M/G/T suffixes. */
static bool parse_size(const char *s, uint64_t *out)
{
    if (strncmp(s, "size=", 5) == 0)
        s += 5;
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno)
        return false;
    unsigned shift = 20;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'B': shift = 0; break;
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return false;
        }
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'b' || *end == 'B')
            end++;
        if (*end)
            return false;
    }
    if (v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s == '-')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* -device DRIVER,key=value,...  Tokenizes `arg` (an argv string, which
 * lives as long as the program) in place, so the strings it keeps need no
 * copies. */
static int parse_device(char *arg, struct cli_options *o, FILE *out, FILE *err)
{
    char *save, *drv = strtok_r(arg, ",", &save);
    if (!drv)
        return fail(err, "-device: missing driver name%s%s", "", "");
    if (strcmp(drv, "help") == 0) {
        fputs("Devices (-device DRIVER[,options]):\n"
              "  loader          file=F,addr=A[,cpu-num=N] | addr=A,data=V,data-len=L\n"
              "  isa-debug-exit  iobase=P,iosize=N (pc)\n",
              out);
        return 1;
    }
    if (strcmp(drv, "loader") == 0) {
        if (o->cfg.n_loaders == BOARD_MAX_LOADERS)
            return fail(err, "-device loader: at most 8 loaders%s%s", "", "");
        struct board_loader *l = &o->cfg.loaders[o->cfg.n_loaders];
        *l = (struct board_loader){.cpu_num = -1};
        bool has_data = false, has_len = false;
        for (char *kv; (kv = strtok_r(NULL, ",", &save));) {
            char *eq = strchr(kv, '=');
            if (!eq)
                return fail(err, "-device loader: '%s' is not key=value%s", kv, "");
            *eq = 0;
            const char *k = kv, *v = eq + 1;
            uint64_t n;
            if (strcmp(k, "file") == 0) {
                l->file = v;
            } else if (strcmp(k, "addr") == 0) {
                if (!parse_u64(v, &l->addr))
                    return fail(err, "-device loader: addr=%s is not a number%s", v, "");
                l->has_addr = true;
            } else if (strcmp(k, "cpu-num") == 0) {
                if (!parse_u64(v, &n) || n > 255)
                    return fail(err, "-device loader: cpu-num=%s is not a vCPU number%s", v, "");
                if (n != 0)
                    return fail(err, "-device loader: cpu-num=%s: only vCPU 0 exists until SMP lands%s", v, "");
                l->cpu_num = (int)n;
            } else if (strcmp(k, "data") == 0) {
                if (!parse_u64(v, &l->data))
                    return fail(err, "-device loader: data=%s is not a number%s", v, "");
                has_data = true;
            } else if (strcmp(k, "data-len") == 0) {
                if (!parse_u64(v, &n) || (n != 1 && n != 2 && n != 4 && n != 8))
                    return fail(err, "-device loader: data-len=%s must be 1, 2, 4 or 8%s", v, "");
                l->data_len = (unsigned)n;
                has_len = true;
            } else {
                return fail(err, "-device loader: option '%s' is not supported%s", k, "");
            }
        }
        if (l->file && (has_data || has_len))
            return fail(err, "-device loader: file= and data= exclude each other%s%s", "", "");
        if (!l->file && !(has_data && has_len && l->has_addr))
            return fail(err, "-device loader: needs file=F or addr=A,data=V,data-len=L%s%s", "", "");
        o->cfg.n_loaders++;
        return 0;
    }
    if (strcmp(drv, "isa-debug-exit") == 0) {
        o->cfg.debug_exit = true;
        o->cfg.debug_exit_iobase = 0x501;
        o->cfg.debug_exit_iosize = 2;
        for (char *kv; (kv = strtok_r(NULL, ",", &save));) {
            char *eq = strchr(kv, '=');
            uint64_t n;
            if (!eq)
                return fail(err, "-device isa-debug-exit: '%s' is not key=value%s", kv, "");
            *eq = 0;
            if (!parse_u64(eq + 1, &n))
                return fail(err, "-device isa-debug-exit: %s=%s is not a number", kv, eq + 1);
            if (strcmp(kv, "iobase") == 0 && n <= 0xffff)
                o->cfg.debug_exit_iobase = (uint16_t)n;
            else if (strcmp(kv, "iosize") == 0 && n >= 1 && n <= 0x10000)
                o->cfg.debug_exit_iosize = (uint16_t)n;
            else
                return fail(err, "-device isa-debug-exit: %s=%s is not supported or out of range",
                            kv, eq + 1);
        }
        if ((uint32_t)o->cfg.debug_exit_iobase + o->cfg.debug_exit_iosize > 0x10000)
            return fail(err, "-device isa-debug-exit: the ports run past 0xffff%s%s", "", "");
        return 0;
    }
    return fail(err, "-device %s: device not supported yet (try -device help)%s", drv, "");
}

static bool chardev_spec_ok(const char *s)
{
    return strcmp(s, "stdio") == 0 || strcmp(s, "none") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "mon:stdio") == 0 || (strncmp(s, "file:", 5) == 0 && s[5]);
}

static int list_accels(FILE *out, const char *machine)
{
    const struct board_info *b = board_find(machine ? machine : "pc");
    enum squib_arch arch = b ? b->arch : SQUIB_ARCH_X86_64;
    struct squib_accel_info info[8];
    int n = squib_accel_list(arch, info, 8);
    fprintf(out, "Accelerators for %s guests:\n", squib_arch_name(arch));
    for (int k = 0; k < n && k < 8; k++) {
        fprintf(out, "  %-7s %s: %s\n", info[k].name,
                info[k].available ? "available" : "unavailable", info[k].description);
        if (info[k].why[0])
            fprintf(out, "          %s\n", info[k].why);
    }
    fprintf(out, "  auto    takes kvm when it can run the guest well, the interpreter otherwise\n");
    return 1;
}

int cli_parse(int argc, char **argv, struct cli_options *o, FILE *out, FILE *err)
{
    memset(o, 0, sizeof *o);
    o->cfg.machine = "pc";
    o->cfg.accel = "auto";
    o->cfg.ram_size = 0;
    o->cfg.smp = 1;
    bool accel_help = false;
    for (int k = 1; k < argc; k++) {
        const char *opt = argv[k];
        if (opt[0] != '-')
            return fail(err, "'%s': unexpected argument (disk images are not supported yet)%s", opt, "");
        if (opt[1] == '-')
            opt++; /* --foo is -foo, as in QEMU */
        const char *name = opt + 1;
        /* Options without an argument. */
        if (!strcmp(name, "h") || !strcmp(name, "help")) {
            cli_usage(out);
            return 1;
        }
        if (!strcmp(name, "version")) {
            fprintf(out, "squib version 0.1.0 (QEMU-compatible command line subset)\n");
            return 1;
        }
        if (!strcmp(name, "nographic")) { o->nographic = true; continue; }
        if (!strcmp(name, "nodefaults")) { o->nodefaults = true; continue; }
        if (!strcmp(name, "no-reboot")) { o->no_reboot = true; continue; }
        if (!strcmp(name, "stats")) { o->stats = true; continue; }
        if (!strcmp(name, "enable-kvm")) { o->cfg.accel = "kvm"; continue; }
        /* Options with an argument. */
        static const char *const with_arg[] = {
            "M", "machine", "cpu", "m", "smp", "accel", "bios", "kernel", "append", "initrd",
            "device", "serial", "debugcon", "display", "d", "D", NULL};
        bool known = false;
        for (const char *const *w = with_arg; *w; w++)
            known = known || strcmp(*w, name) == 0;
        if (!known)
            return fail(err, "%s: option not supported yet (see squib --help)%s", argv[k], "");
        if (k + 1 >= argc)
            return fail(err, "%s: needs an argument%s", argv[k], "");
        const char *v = argv[++k];
        if (!strcmp(name, "M") || !strcmp(name, "machine")) {
            if (!strcmp(v, "help")) {
                unsigned n;
                const struct board_info *bl = board_list(&n);
                fprintf(out, "Supported machines:\n");
                for (unsigned i = 0; i < n; i++)
                    fprintf(out, "  %-6s %s\n", bl[i].name, bl[i].description);
                return 1;
            }
            /* NAME[,dumpdtb=FILE][,psci-conduit=hvc|smc]; other properties are
             * not supported yet. */
            char *save, *mname = strtok_r(argv[k], ",", &save); /* in place, see parse_device */
            if (!mname)
                return fail(err, "-M %s: missing machine name%s", v, "");
            if (strncmp(mname, "type=", 5) == 0)
                mname += 5;
            if (!board_find(mname))
                return fail(err, "-M %s: unknown machine (try -M help)%s", mname, "");
            o->cfg.machine = mname;
            for (char *kv; (kv = strtok_r(NULL, ",", &save));) {
                if (strncmp(kv, "dumpdtb=", 8) == 0 && kv[8])
                    o->cfg.dumpdtb = kv + 8;
                else if (strncmp(kv, "psci-conduit=", 13) == 0 &&
                         board_find(mname)->arch != SQUIB_ARCH_ARM64)
                    return fail(err, "-M %s,%s: PSCI is arm64's (use -M virt)", mname, kv);
                else if (strcmp(kv, "psci-conduit=hvc") == 0)
                    o->cfg.psci_smc = false;
                else if (strcmp(kv, "psci-conduit=smc") == 0)
                    o->cfg.psci_smc = true;
                else if (strncmp(kv, "psci-conduit=", 13) == 0)
                    return fail(err, "-M %s: psci-conduit=%s: give hvc or smc", mname, kv + 13);
                else
                    return fail(err, "-M %s: machine property '%s' is not supported yet", mname, kv);
            }
        } else if (!strcmp(name, "cpu")) {
            if (!strcmp(v, "help")) {
                unsigned n;
                const struct board_info *bl = board_list(&n);
                for (unsigned i = 0; i < n; i++) {
                    fprintf(out, "%s:", bl[i].name);
                    for (const char *const *c = bl[i].cpus; *c; c++)
                        fprintf(out, " %s", *c);
                    fprintf(out, " (default %s)\n", bl[i].default_cpu);
                }
                return 1;
            }
            o->cfg.cpu = v; /* the model and (pc) feature flags: machine/board.c */
        } else if (!strcmp(name, "m")) {
            if (!parse_size(v, &o->cfg.ram_size) || o->cfg.ram_size == 0 ||
                (o->cfg.ram_size & 0xfff))
                return fail(err, "-m %s: not a RAM size (e.g. 128, 128M, 1G)%s", v, "");
        } else if (!strcmp(name, "smp")) {
            uint64_t n;
            const char *s = strncmp(v, "cpus=", 5) == 0 ? v + 5 : v;
            if (!parse_u64(s, &n) || n == 0 || n > 255)
                return fail(err, "-smp %s: not a vCPU count (other -smp properties are not "
                                 "supported yet)%s", v, "");
            o->cfg.smp = (unsigned)n;
        } else if (!strcmp(name, "accel")) {
            if (!strcmp(v, "help")) {
                accel_help = true;
                continue;
            }
            if (strcmp(v, "auto") && strcmp(v, "interp") && strcmp(v, "kvm") && strcmp(v, "tcg"))
                return fail(err, "-accel %s: unknown accelerator (try -accel help)%s", v, "");
            /* QEMU's tcg is its software backend; squib's is the interpreter. */
            o->cfg.accel = strcmp(v, "tcg") ? v : "interp";
        } else if (!strcmp(name, "bios")) {
            o->cfg.bios = v;
        } else if (!strcmp(name, "kernel")) {
            o->cfg.kernel = v;
        } else if (!strcmp(name, "append")) {
            o->cfg.append = v;
        } else if (!strcmp(name, "initrd")) {
            o->cfg.initrd = v;
        } else if (!strcmp(name, "device")) {
            int r = parse_device(argv[k], o, out, err);
            if (r)
                return r;
        } else if (!strcmp(name, "serial")) {
            if (!chardev_spec_ok(v))
                return fail(err, "-serial %s: not supported yet (stdio, null, none, file:PATH)%s", v, "");
            o->serial = v;
        } else if (!strcmp(name, "debugcon")) {
            if (!chardev_spec_ok(v))
                return fail(err, "-debugcon %s: not supported yet (stdio, null, none, file:PATH)%s", v, "");
            o->debugcon = v;
        } else if (!strcmp(name, "display")) {
            if (strcmp(v, "none"))
                return fail(err, "-display %s: only 'none' is supported yet%s", v, "");
            o->display_none = true;
        } else if (!strcmp(name, "d")) {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            char *save;
            for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                if (!strcmp(item, "exits"))
                    o->trace_exits = true;
                else if (!strcmp(item, "accel"))
                    o->trace_accel = true;
                else if (!strcmp(item, "help")) {
                    fprintf(out, "Log items (-d ITEM[,ITEM]):\n  exits  one line per VM exit\n"
                                 "  accel  which accelerator runs the guest, and why\n");
                    return 1;
                } else
                    return fail(err, "-d %s: log item not supported yet (try -d help)%s", item, "");
            }
        } else if (!strcmp(name, "D")) {
            o->log_file = v;
        }
    }
    if (accel_help) {
        list_accels(out, o->cfg.machine);
        return 1;
    }
    if (o->cfg.ram_size == 0)
        o->cfg.ram_size = board_find(o->cfg.machine)->default_ram;
    return 0;
}
