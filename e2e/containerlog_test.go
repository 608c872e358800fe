package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestContainerLog covers line assembly across writes, the since filter
// (at or after), tail and timestamps.
func TestContainerLog(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := t0
	l := newContainerLog()
	l.now = func() time.Time { return now }
	_, _ = l.Write([]byte("one\ntw"))
	now = t0.Add(time.Second)
	_, _ = l.Write([]byte("o\nthree\nfou"))
	now = t0.Add(2 * time.Second)
	_, _ = l.Write([]byte("r\n"))

	tests := []struct {
		name       string
		since      time.Time
		tail       int
		timestamps bool
		want       string
	}{
		{"all", time.Time{}, 0, false, "one\ntwo\nthree\nfour\n"},
		{"since is inclusive", t0.Add(time.Second), 0, false, "two\nthree\nfour\n"},
		{"since after all", t0.Add(time.Hour), 0, false, ""},
		{"tail", time.Time{}, 2, false, "three\nfour\n"},
		{"tail larger than log", time.Time{}, 9, false, "one\ntwo\nthree\nfour\n"},
		{"timestamps", t0.Add(2 * time.Second), 0, true, "2026-01-02T03:04:07Z four\n"},
	}
	for _, tt := range tests {
		if got := string(l.read(tt.since, tt.tail, tt.timestamps)); got != tt.want {
			t.Errorf("%s: read = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestContainerLogBounded checks that the log keeps at most
// 2*containerLogLines lines and always the newest ones.
func TestContainerLogBounded(t *testing.T) {
	l := newContainerLog()
	for range 2*containerLogLines + 5 {
		_, _ = l.Write([]byte("x\n"))
	}
	_, _ = l.Write([]byte("last\n"))
	if n := len(l.lines); n > 2*containerLogLines || n < containerLogLines {
		t.Errorf("%d lines kept, want %d to %d", n, containerLogLines, 2*containerLogLines)
	}
	if got := string(l.read(time.Time{}, 1, false)); got != "last\n" {
		t.Errorf("newest line %q, want %q", got, "last\n")
	}
}

// TestKubeletLogs checks the endpoint's routing and query parameters as
// kube-apiserver sends them.
func TestKubeletLogs(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := t0
	l := newContainerLog()
	l.now = func() time.Time { return now }
	_, _ = l.Write([]byte("early\n"))
	now = t0.Add(10 * time.Second)
	_, _ = l.Write([]byte("late\n"))
	srv := httptest.NewServer(kubeletLogs(func(ns, pod, c string) *containerLog {
		if ns == "ns" && pod == "p" && c == "c" {
			return l
		}
		return nil
	}))
	defer srv.Close()

	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/containerLogs/ns/p/c", 200, "early\nlate\n"},
		{"/containerLogs/ns/p/c?sinceTime=2026-01-02T03:04:10Z", 200, "late\n"},
		{"/containerLogs/ns/p/c?tailLines=1&timestamps=true", 200, "2026-01-02T03:04:15Z late\n"},
		{"/containerLogs/ns/p/c?tailLines=0", 200, ""},
		{"/containerLogs/ns/p/c?follow=true", 200, "early\nlate\n"},
		{"/containerLogs/ns/p/other", 404, ""},
		{"/containerLogs/ns/p/c?sinceTime=yesterday", 400, ""},
		{"/containerLogs/ns/p/c?tailLines=-1", 400, ""},
		{"/containerLogs/ns/p/c?sinceSeconds=0", 400, ""},
		{"/containerLogs/ns/p/c?previous=true", 400, ""},
		{"/containerLogs/ns/p", 404, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.status == 200 && string(b) != tt.body) {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, resp.StatusCode, b, tt.status, tt.body)
		}
	}
}
