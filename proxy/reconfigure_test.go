package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// answerTable answers every request of the default scope with 200 body.
func answerTable(body string) model.TableSpec {
	return model.TableSpec{Routes: []model.Route{
		{Path: "/", Respond: &model.DirectResponse{Status: 200, Body: body}},
	}}
}

// getBody GETs http://addr/ and returns the body, or an error.
func getBody(addr string) (string, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// waitBody polls addr until it answers want, for up to five seconds.
func waitBody(t *testing.T, addr, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := getBody(addr)
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("http://%s/: got %q, %v; want %q", addr, got, err, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReconfigureBeforeServe: the Kubernetes controller may publish its
// first table with listeners before Serve runs; the listeners are bound
// then and served once Serve starts.
func TestReconfigureBeforeServe(t *testing.T) {
	t.Parallel()
	base := model.ListenerSpec{Name: "base", Address: "127.0.0.1:0"}
	srv := NewServer(Options{Logger: quietLogger(), Listeners: []model.ListenerSpec{base}})
	if err := srv.Reconfigure(nil, answerTable("x")); err == nil {
		t.Fatal("Reconfigure before Listen: no error")
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	extra := model.ListenerSpec{Name: "extra", Address: "127.0.0.1:0"}
	if err := srv.Reconfigure([]model.ListenerSpec{base, extra}, answerTable("first")); err != nil {
		t.Fatalf("Reconfigure before Serve: %v", err)
	}
	if srv.Addr("extra") == nil {
		t.Fatal("the new listener is not bound")
	}
	// A second change before Serve replaces a listener never started.
	changed := extra
	changed.PublicPort = 80
	if err := srv.Reconfigure([]model.ListenerSpec{base, changed}, answerTable("first")); err != nil {
		t.Fatalf("second Reconfigure before Serve: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	waitBody(t, srv.Addr("base").String(), "first")
	waitBody(t, srv.Addr("extra").String(), "first")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("Serve did not return")
	}
	if err := srv.Reconfigure([]model.ListenerSpec{base}, answerTable("late")); err == nil {
		t.Error("Reconfigure after Serve: no error")
	}
}

// TestReconfigureBindFailure: a listener that cannot be bound is left out
// and named in a *ListenerError; the table is published and every other
// listener, old or new, is served; a later Reconfigure binds it once it
// can.
func TestReconfigureBindFailure(t *testing.T) {
	t.Parallel()
	base := model.ListenerSpec{Name: "base", Address: "127.0.0.1:0"}
	srv := NewServer(Options{Logger: quietLogger(), GracePeriod: time.Second, Listeners: []model.ListenerSpec{base}})
	if err := srv.Apply(answerTable("one")); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = srv.Serve(ctx) }()
	waitBody(t, srv.Addr("base").String(), "one")

	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	taken := model.ListenerSpec{Name: "taken", Address: busy.Addr().String()}
	fresh := model.ListenerSpec{Name: "fresh", Address: "127.0.0.1:0"}
	err = srv.Reconfigure([]model.ListenerSpec{base, taken, fresh}, answerTable("two"))
	var le *ListenerError
	if !errors.As(err, &le) || le.ListenerName() != "taken" {
		t.Fatalf("Reconfigure: %v, want a *ListenerError for %q", err, "taken")
	}
	if srv.Addr("taken") != nil {
		t.Error("the listener that failed is listed as bound")
	}
	waitBody(t, srv.Addr("base").String(), "two")
	waitBody(t, srv.Addr("fresh").String(), "two")

	addr := busy.Addr().String()
	busy.Close()
	if err := srv.Reconfigure([]model.ListenerSpec{base, taken, fresh}, answerTable("two")); err != nil {
		t.Fatalf("Reconfigure once the port is free: %v", err)
	}
	waitBody(t, addr, "two")
}
