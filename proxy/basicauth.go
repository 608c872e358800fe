package proxy

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/h1"
)

// maxAuthorizationBytes bounds the Authorization value basic
// authentication decodes: a user and password of a few hundred bytes fit
// many times over, and a larger value is refused before any work.
const maxAuthorizationBytes = 4096

// maxVerifiedCredentials bounds the cache of credentials found good (see
// basicAuth.verified): past it the cache starts over.
const maxVerifiedCredentials = 1024

// basicAuth is a [model.BasicAuth] compiled: users by name with their
// hashes parsed, the challenge written out, and a cache of credentials
// already verified, so that a browser sending the same bcrypt-checked
// password with every request costs one bcrypt run, not one per request.
type basicAuth struct {
	challenge string // the WWW-Authenticate value
	users     map[string]passwordHash
	// decoy is checked when the user is unknown, so that an unknown user
	// takes about as long to refuse as a wrong password.
	decoy passwordHash

	// key keys the cache: it holds HMAC-SHA256(key, user NUL password),
	// never a password nor a fast unkeyed hash of one.
	key      [32]byte
	mu       sync.Mutex
	verified map[[32]byte]struct{}
}

// passwordHash is one user's hash, its scheme parsed.
type passwordHash struct {
	scheme model.PasswordScheme
	hash   string
}

func newBasicAuth(b *model.BasicAuth) *basicAuth {
	a := &basicAuth{challenge: `Basic realm="` + b.Realm + `"`, users: make(map[string]passwordHash, len(b.Users)),
		verified: map[[32]byte]struct{}{}}
	_, _ = rand.Read(a.key[:])
	for i, u := range b.Users {
		scheme, _ := model.ParsePasswordHash(u.Hash) // valid: see Validate
		ph := passwordHash{scheme: scheme, hash: u.Hash}
		a.users[u.Name] = ph
		if i == 0 {
			a.decoy = ph
		}
	}
	return a
}

// check reports whether r carries the credentials of one of a's users;
// when not, it has answered 401 with the challenge. The Authorization
// header is left on r: it is forwarded, as ingress-nginx forwards it.
func (a *basicAuth) check(w http.ResponseWriter, r *http.Request, st *requestState) bool {
	if user, password, ok := basicCredentials(r.Header["Authorization"]); ok && a.verify(user, password) {
		return true
	}
	w.Header().Set("WWW-Authenticate", a.challenge)
	st.refuse(w, http.StatusUnauthorized, "authentication required")
	return false
}

// basicCredentials returns the user and password of the one Authorization
// value in values, when it is "Basic" (any case) and the base64 of
// "user:password", at most maxAuthorizationBytes long.
func basicCredentials(values []string) (user, password string, ok bool) {
	if len(values) != 1 || len(values[0]) > maxAuthorizationBytes {
		return "", "", false
	}
	scheme, encoded, found := strings.Cut(values[0], " ")
	if !found || !h1.EqualFoldASCII(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimLeft(encoded, " "))
	if err != nil {
		return "", "", false
	}
	user, password, ok = strings.Cut(string(raw), ":")
	if !ok {
		return "", "", false
	}
	return user, password, true
}

// verify reports whether password is user's. Every comparison is
// constant-time, and an unknown user is checked against a decoy hash.
func (a *basicAuth) verify(user, password string) bool {
	ph, known := a.users[user]
	if !known {
		if a.decoy.hash != "" {
			checkPassword(a.decoy, password)
		}
		return false
	}
	mac := hmac.New(sha256.New, a.key[:])
	mac.Write([]byte(user))
	mac.Write([]byte{0})
	mac.Write([]byte(password))
	mac.Write([]byte{0})
	mac.Write([]byte(ph.hash))
	var k [32]byte
	mac.Sum(k[:0])
	a.mu.Lock()
	_, hit := a.verified[k]
	a.mu.Unlock()
	if hit {
		return true
	}
	if !checkPassword(ph, password) {
		return false
	}
	a.mu.Lock()
	if len(a.verified) >= maxVerifiedCredentials {
		clear(a.verified)
	}
	a.verified[k] = struct{}{}
	a.mu.Unlock()
	return true
}

// checkPassword reports whether password matches ph, in constant time for
// a given hash.
func checkPassword(ph passwordHash, password string) bool {
	switch ph.scheme {
	case model.PasswordBcrypt:
		return bcrypt.CompareHashAndPassword([]byte(ph.hash), []byte(password)) == nil
	case model.PasswordAPR1, model.PasswordMD5Crypt:
		magic := "$1$"
		if ph.scheme == model.PasswordAPR1 {
			magic = "$apr1$"
		}
		salt, _, _ := strings.Cut(ph.hash[len(magic):], "$")
		return subtle.ConstantTimeCompare(md5Crypt([]byte(password), []byte(salt), magic), []byte(ph.hash)) == 1
	case model.PasswordSHA1:
		sum := sha1.Sum([]byte(password))
		want := "{SHA}" + base64.StdEncoding.EncodeToString(sum[:])
		return subtle.ConstantTimeCompare([]byte(want), []byte(ph.hash)) == 1
	}
	return false
}
