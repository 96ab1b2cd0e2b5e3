//go:build !linux

package main

import "os/exec"

// exitWithParent is Linux-only (see lifetime_linux.go); elsewhere the engine health check alone stops the host.
func exitWithParent() {}

// dieWithHost is Linux-only (see lifetime_linux.go).
func dieWithHost(*exec.Cmd) {}
