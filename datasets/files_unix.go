//go:build unix

package datasets

import "syscall"

// openNonblock is added to the flags of every open for reading: opening a
// named pipe without it blocks until a writer appears, beyond the reach of
// cancellation and signals. A regular file ignores it.
const openNonblock = syscall.O_NONBLOCK
