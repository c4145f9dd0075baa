package runner

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// NewOwner returns an owner name unique to this process: host:pid:time.
func NewOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())
}

// OwnerAlive reports whether the process named by an owner from NewOwner
// may still run. It can only tell for processes of this host: for another
// host, or a name it cannot parse, it answers true and the heartbeat
// decides.
func OwnerAlive(owner string) bool {
	parts := strings.Split(owner, ":")
	if len(parts) < 3 {
		return true
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[len(parts)-2])
	if strings.Join(parts[:len(parts)-2], ":") != host || err != nil || pid <= 0 {
		return true
	}
	if pid == os.Getpid() {
		return true
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
