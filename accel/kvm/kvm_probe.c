/* accel/kvm/kvm_probe.c: can /dev/kvm run this guest here?
 *
 * KVM runs guests of the host's own architecture only, so this backend takes
 * x86-64 guests on x86-64 Linux hosts.  /dev/kvm must open read-write, speak
 * API version 12 (api.rst 4.1, KVM_GET_API_VERSION) and offer the
 * capabilities the backend relies on.  kvm-pvm hosts (KVM without VMX/SVM)
 * work but are slow for kernel code, so "auto" does not prefer them.
 */
#include "accel/kvm/kvm.h"

#include <stdio.h>

#if KVM_X86_HOST

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/err.h"

/* What the backend cannot do without, and what for. */
static const struct {
    int cap;
    const char *name;
    const char *what;
} needed_caps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM"},
    {KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM", "read-only ROM regions"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "CPUID set-up"},
    {KVM_CAP_SET_GUEST_DEBUG, "KVM_CAP_SET_GUEST_DEBUG", "single-step and breakpoints"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "race-free kicks"},
};

bool kvm_host_is_pvm(void)
{
    return access("/sys/module/kvm_pvm", F_OK) == 0;
}

int kvm_open_checked(char *why, size_t len)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        snprintf(why, len, "/dev/kvm: %s", strerror(err));
        return -err;
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version < 0) {
        int err = errno;
        snprintf(why, len, "/dev/kvm: KVM_GET_API_VERSION failed: %s", strerror(err));
        close(fd);
        return -err;
    }
    if (version != KVM_API_VERSION) {
        snprintf(why, len, "/dev/kvm: API version %d, squib needs %d", version,
                 KVM_API_VERSION);
        close(fd);
        return -ENOTSUP;
    }
    for (size_t i = 0; i < sizeof needed_caps / sizeof needed_caps[0]; i++) {
        if (ioctl(fd, KVM_CHECK_EXTENSION, needed_caps[i].cap) <= 0) {
            snprintf(why, len, "/dev/kvm lacks %s (needed for %s)", needed_caps[i].name,
                     needed_caps[i].what);
            close(fd);
            return -ENOTSUP;
        }
    }
    return fd;
}

bool kvm_probe(enum squib_arch arch, char *why, size_t len, bool *preferred)
{
    if (preferred)
        *preferred = false;
    if (arch != SQUIB_ARCH_X86_64) {
        snprintf(why, len, "no %s KVM on an x86-64 host", squib_arch_name(arch));
        return false;
    }
    int fd = kvm_open_checked(why, len);
    if (fd < 0)
        return false;
    close(fd);
    if (kvm_host_is_pvm()) {
        snprintf(why, len, "%s", KVM_PVM_NOTE);
        return true;
    }
    if (preferred)
        *preferred = true;
    return true;
}

#else /* not an x86-64 Linux host */

bool kvm_probe(enum squib_arch arch, char *why, size_t len, bool *preferred)
{
    if (preferred)
        *preferred = false;
#if defined(__linux__)
    snprintf(why, len, "squib's KVM backend runs x86-64 guests on x86-64 hosts only; "
                       "no %s KVM support on this host yet",
             squib_arch_name(arch));
#else
    snprintf(why, len, "KVM needs a Linux host");
#endif
    return false;
}

#endif
