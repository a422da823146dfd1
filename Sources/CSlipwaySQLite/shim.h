// SQLite's C API (Debian: libsqlite3-dev), used to read the Packages table of an rpmdb.sqlite.
#include <sqlite3.h>
