/* machine/x86_cpu.c: the pc board's -cpu max[,FEATURE...]: QEMU's syntax
 * (-feat or feat=off removes a feature, +feat or feat=on asks for one) over
 * the CPUID feature words of the public register API
 * (SQUIB_REG_X86_CPUID), so that it works the same on every accelerator:
 * "max" is everything the accelerator's CPU offers, and a feature can only
 * be taken away from it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "machine/board.h"
#include "util/err.h"

/* QEMU's names (target/i386/cpu.c feature_word_info), with '-' or '_'. */
static const struct {
    const char *name;
    uint32_t leaf;
    unsigned reg, bit;
} feats[] = {
    {"cx16", 1, 2, 13},         {"pcid", 1, 2, 17},           {"movbe", 1, 2, 22},
    {"popcnt", 1, 2, 23},       {"de", 1, 3, 2},              {"pse", 1, 3, 3},
    {"tsc", 1, 3, 4},           {"msr", 1, 3, 5},             {"pae", 1, 3, 6},
    {"cx8", 1, 3, 8},           {"sep", 1, 3, 11},            {"mtrr", 1, 3, 12},
    {"pge", 1, 3, 13},          {"cmov", 1, 3, 15},           {"pat", 1, 3, 16},
    {"clflush", 1, 3, 19},      {"smep", 7, 1, 7},            {"invpcid", 7, 1, 10},
    {"adx", 7, 1, 19},          {"smap", 7, 1, 20},           {"lahf-lm", 0x80000001u, 2, 0},
    {"abm", 0x80000001u, 2, 5}, {"syscall", 0x80000001u, 3, 11}, {"nx", 0x80000001u, 3, 20},
    {"pdpe1gb", 0x80000001u, 3, 26}, {"rdtscp", 0x80000001u, 3, 27}, {"lm", 0x80000001u, 3, 29},
};

static bool same_name(const char *a, const char *b, size_t n)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i] == '_' ? '-' : a[i];
        if (x != b[i])
            return false;
    }
    return true;
}

static int one_feature(struct squib_vcpu *cpu, const char *item, size_t len)
{
    bool on = true;
    const char *name = item;
    size_t n = len;
    if (len && (item[0] == '+' || item[0] == '-')) {
        on = item[0] == '+';
        name++;
        n--;
    } else {
        const char *eq = memchr(item, '=', len);
        if (!eq)
            return squib_fail(-EINVAL, "-cpu: '%.*s': write +feature, -feature or feature=on|off",
                              (int)len, item);
        n = (size_t)(eq - item);
        size_t vn = len - n - 1;
        if (vn == 2 && !strncmp(eq + 1, "on", 2))
            on = true;
        else if (vn == 3 && !strncmp(eq + 1, "off", 3))
            on = false;
        else
            return squib_fail(-EINVAL, "-cpu: '%.*s': the value is on or off", (int)len, item);
    }
    for (size_t k = 0; k < sizeof feats / sizeof feats[0]; k++) {
        if (!same_name(name, feats[k].name, n))
            continue;
        uint64_t id = SQUIB_REG_X86_CPUID(feats[k].leaf, 0, feats[k].reg), v;
        int rc = squib_vcpu_get_one_reg(cpu, id, &v);
        if (rc)
            return rc;
        bool has = (v >> feats[k].bit) & 1;
        if (on)
            return has ? 0
                       : squib_fail(-ENOTSUP, "-cpu: +%s: this accelerator's CPU does not have "
                                    "that feature", feats[k].name);
        return squib_vcpu_set_one_reg(cpu, id, v & ~(1ULL << feats[k].bit));
    }
    char known[512];
    size_t at = 0;
    for (size_t k = 0; k < sizeof feats / sizeof feats[0] && at < sizeof known; k++)
        at += (size_t)snprintf(known + at, sizeof known - at, "%s%s", k ? " " : "", feats[k].name);
    return squib_fail(-EINVAL, "-cpu: unknown feature '%.*s' (known: %s)", (int)n, name, known);
}

int board_x86_cpu_features(struct squib_vcpu *cpu, const char *spec)
{
    const char *p = spec ? strchr(spec, ',') : NULL;
    while (p) {
        const char *item = p + 1, *next = strchr(item, ',');
        size_t len = next ? (size_t)(next - item) : strlen(item);
        int rc = one_feature(cpu, item, len);
        if (rc)
            return rc;
        p = next;
    }
    return 0;
}
