package echo

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestHandlerEchoesRequest(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest(http.MethodPost, "http://app.example.com/a/b?x=1", strings.NewReader("body"))
	req.Header.Add("X-Forwarded-For", "192.0.2.1")
	req.Header.Add("X-Forwarded-For", "192.0.2.2")
	req.RemoteAddr = "198.51.100.9:4242"
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)

	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var got Request
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, rec.Body)
	}
	want := Request{Method: "POST", Path: "/a/b", Query: "x=1", Proto: "HTTP/1.1", Host: "app.example.com", RemoteAddr: "198.51.100.9:4242"}
	headers := got.Headers
	got.Headers = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if xff := headers.Values("X-Forwarded-For"); len(xff) != 2 || xff[0] != "192.0.2.1" || xff[1] != "192.0.2.2" {
		t.Errorf("X-Forwarded-For lines %q, want both in order", xff)
	}
}

func TestServerReportsItsLocalAddress(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(Handler())
	srv.Config = NewServer()
	srv.Start()
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got Request
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if want := srv.Listener.Addr().String(); got.LocalAddr != want {
		t.Errorf("local_addr %q, want %q", got.LocalAddr, want)
	}
}
