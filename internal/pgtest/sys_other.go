//go:build !linux

package pgtest

import (
	"errors"
	"syscall"
)

type procAttrs struct {
	initdb, postgres, reaper *syscall.SysProcAttr
}

var errNotLinux = errors.New("pgtest: needs Linux, whose Pdeathsig stops a killed test binary's servers")

func findBinDir() (string, error)           { return "", errNotLinux }
func serverAttrs(string) (procAttrs, error) { return procAttrs{}, errNotLinux }
