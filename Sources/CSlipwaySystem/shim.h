// C interfaces Slipway needs that Glibc's Swift module does not bring: zlib, extended attributes, and
// libxcrypt's crypt_r (bcrypt password hashes, as htpasswd -B writes them).
#include <zlib.h>
#include <sys/xattr.h>
#include <crypt.h>
