//go:build pprof

// Built only with -tags pprof (make bench-profile): a second listener at
// CLEANROOMSD_PPROF_ADDR serving net/http/pprof and expvar's memstats, for
// profiling the binary under load. The ordinary binary has neither.

package main

import (
	"expvar"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("CLEANROOMSD_PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.Handle("/debug/vars", expvar.Handler())
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			fmt.Fprintln(os.Stderr, "cleanroomsd: pprof listener:", err)
		}
	}()
}
