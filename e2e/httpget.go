package e2e

import (
	"io"
	"net/http"
)

// reply is one answer through firsthop: the status, the header, and the
// echo reply when the status is 200.
type reply struct {
	status int
	header http.Header
	echo   EchoReply
	body   string
}

// get sends GET url with Host host and header (name, value pairs) on c.
func get(c *http.Client, url, host string, header ...string) (reply, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return reply{}, err
	}
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if r.status == http.StatusOK {
		if r.echo, err = ParseEchoReply(b); err != nil {
			return r, err
		}
	}
	return r, nil
}
