//go:build !linux

package ddblocal

import "syscall"

// procAttr puts java in its own group (Pdeathsig exists only on Linux).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
