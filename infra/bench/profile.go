package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// profileChild, when BENCH_PROFILE names a directory, writes the child's CPU
// profile and a heap profile taken each time its resident set reaches a new
// high (at most every 2 s), to find what the peak RSS is made of. The
// returned stop ends both.
func profileChild() (stop func()) {
	dir := os.Getenv("BENCH_PROFILE")
	if dir == "" {
		return func() {}
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return func() {}
	}
	pprof.StartCPUProfile(cpu)
	done := make(chan struct{})
	go func() {
		var peak, written int64
		var last time.Time
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			rss := residentMB()
			if rss <= peak {
				continue
			}
			peak = rss
			if rss > written && time.Since(last) > 2*time.Second {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				f, err := os.Create(filepath.Join(dir, "heap-peak.pprof"))
				if err == nil {
					pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
				os.WriteFile(filepath.Join(dir, "peak.txt"), fmt.Appendf(nil,
					"rss MB %d\nheapInuse MB %d\nheapAlloc MB %d\nheapIdle MB %d\nheapReleased MB %d\nstack MB %d\nsys MB %d\ngoroutines %d\nat %s\n",
					rss, ms.HeapInuse>>20, ms.HeapAlloc>>20, ms.HeapIdle>>20, ms.HeapReleased>>20, ms.StackInuse>>20, ms.Sys>>20,
					runtime.NumGoroutine(), time.Now().Format(time.RFC3339)), 0o644)
				written, last = rss, time.Now()
			}
		}
	}()
	return func() {
		close(done)
		pprof.StopCPUProfile()
		cpu.Close()
	}
}

// residentMB reads the process's resident set size from /proc.
func residentMB() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize()) >> 20
}

// highWaterMB is this process's peak resident set (VmHWM), in MB.
func highWaterMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
