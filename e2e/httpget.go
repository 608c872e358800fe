package e2e

import (
	"io"
	"net/http"
)

// reply is one answer through firsthop: the status, and the echo reply
// when the status is 200.
type reply struct {
	status int
	echo   EchoReply
	body   string
}

// get sends GET url with Host host on c.
func get(c *http.Client, url, host string) (reply, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return reply{}, err
	}
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	r := reply{status: resp.StatusCode, body: string(b)}
	if r.status == http.StatusOK {
		if r.echo, err = ParseEchoReply(b); err != nil {
			return r, err
		}
	}
	return r, nil
}
