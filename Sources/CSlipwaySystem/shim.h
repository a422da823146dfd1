// C interfaces Slipway needs that Glibc's Swift module does not bring: zlib, extended attributes, and
// libxcrypt's crypt_r (bcrypt password hashes, as htpasswd -B writes them).
#include <zlib.h>
#include <sys/xattr.h>
#include <crypt.h>

// copy_file_range(2) through syscall(2): glibc declares it only under _GNU_SOURCE, which Swift's Glibc module lacks.
#include <unistd.h>
#include <sys/syscall.h>
static inline long slipway_copy_file_range(int input, int output, unsigned long length) {
    return syscall(SYS_copy_file_range, input, (void *)0, output, (void *)0, length, 0u);
}
