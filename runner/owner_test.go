package runner

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

func TestOwnerAlive(t *testing.T) {
	host, _ := os.Hostname()
	if !OwnerAlive(NewOwner()) {
		t.Error("this process is reported dead")
	}
	// A process that has exited and been reaped.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot start a process:", err)
	}
	dead := fmt.Sprintf("%s:%d:1", host, cmd.Process.Pid)
	if OwnerAlive(dead) {
		t.Errorf("exited process %s reported alive", dead)
	}
	for _, unknown := range []string{"other-host:1:1", "garbage", ""} {
		if !OwnerAlive(unknown) {
			t.Errorf("%q: an owner this host cannot check must count as alive", unknown)
		}
	}
}
