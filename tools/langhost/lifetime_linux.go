package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// parentPollInterval is how often the host checks that the process that started it (the Pulumi CLI, which runs
// the engine) is still its parent.
const parentPollInterval = 250 * time.Millisecond

// exitWithParent exits the host as soon as the CLI that started it is gone (the host is re-parented, e.g. to
// init, when the CLI is killed): nothing the host serves can reach the engine any more. Together with
// dieWithHost, no process of a killed run outlives its CLI by more than a fraction of a second.
func exitWithParent() {
	parent := os.Getppid()
	go func() {
		for range time.Tick(parentPollInterval) {
			if os.Getppid() != parent {
				fmt.Fprintln(os.Stderr, "pulumi-language-python: the Pulumi CLI is gone: exiting")
				os.Exit(1)
			}
		}
	}()
}

// dieWithHost makes the kernel SIGKILL the program process when the host exits, however it exits (Linux
// PR_SET_PDEATHSIG): a program whose engine is gone would otherwise live on as an orphan.
func dieWithHost(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
