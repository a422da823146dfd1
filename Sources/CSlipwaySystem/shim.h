// C interfaces the archive code needs that Glibc's Swift module does not bring: zlib and extended attributes.
#include <zlib.h>
#include <sys/xattr.h>
