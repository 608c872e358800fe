// Package h1 is the strict HTTP/1.1 client side of firsthop's lean upstream
// path: a response parser, body readers and writers, and a pool of idle
// upstream connections. It exists because http.Transport (a goroutine pair
// and several channels per connection, a cloned request per exchange) was
// the largest single cost of proxying one small request.
//
// It is strict by design, since the bytes it reads come from backends the
// proxy does not control and a framing mistake lets one response bleed into
// another client's:
//
//   - a response head is a status line "HTTP/1.0" or "HTTP/1.1", a status
//     from 100 to 599, and header fields whose names are tokens and whose
//     values hold no control character but HTAB; obsolete line folding,
//     whitespace before the colon and heads over the caller's limit are
//     refused;
//   - Content-Length is one decimal value (repeated fields must agree);
//     Transfer-Encoding must be exactly "chunked", must not come with
//     Content-Length, and is refused in an HTTP/1.0 response;
//   - chunk sizes are 1 to 16 hex digits, every chunk line ends in CRLF, and
//     trailers obey the header rules;
//   - responses to HEAD, 1xx, 204 and 304 have no body; a response with no
//     length is read until the connection closes;
//   - a connection is reused only after its response was read to the exact
//     end of its framing with nothing buffered beyond it, and a pooled
//     connection is checked for unsolicited bytes or a close before reuse.
//
// The caller writes requests with [WriteRequestLine], [WriteField] and the
// body writers, so that what reaches the backend is exactly the request the
// caller parsed.
package h1
