package model

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// PasswordScheme is the format of a [BasicAuthUser]'s password hash.
type PasswordScheme uint8

const (
	// PasswordBcrypt is bcrypt: "$2y$", "$2a$" or "$2b$", a cost of 4 to
	// 31, then 53 characters (htpasswd -B).
	PasswordBcrypt PasswordScheme = iota + 1
	// PasswordAPR1 is Apache's MD5-crypt: "$apr1$", a salt of up to 8
	// characters, "$", 22 characters (htpasswd -m, the default).
	PasswordAPR1
	// PasswordMD5Crypt is the same algorithm as crypt(3) writes it: "$1$"
	// in place of "$apr1$" (openssl passwd -1).
	PasswordMD5Crypt
	// PasswordSHA1 is "{SHA}" and the base64 of the password's SHA-1,
	// unsalted (htpasswd -s).
	PasswordSHA1
)

var passwordSchemeNames = [...]string{PasswordBcrypt: "bcrypt", PasswordAPR1: "apr1", PasswordMD5Crypt: "md5-crypt", PasswordSHA1: "sha1"}

// String returns the scheme's name.
func (s PasswordScheme) String() string {
	if int(s) < len(passwordSchemeNames) && passwordSchemeNames[s] != "" {
		return passwordSchemeNames[s]
	}
	return fmt.Sprintf("PasswordScheme(%d)", uint8(s))
}

// cryptAlphabet is the alphabet of crypt(3) salts and hashes.
const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ParsePasswordHash returns the scheme of hash, one htpasswd writes, or an
// error saying why it is refused: crypt(3)'s DES hashes (htpasswd -d)
// keep 8 characters of the password and fall to a search in hours, and
// SHA-crypt ("$5$", "$6$"), plain-text and other formats are not served.
func ParsePasswordHash(hash string) (PasswordScheme, error) {
	switch {
	case strings.HasPrefix(hash, "$2"):
		return parseBcrypt(hash)
	case strings.HasPrefix(hash, "$apr1$"):
		return PasswordAPR1, parseMD5Crypt(hash[len("$apr1$"):])
	case strings.HasPrefix(hash, "$1$"):
		return PasswordMD5Crypt, parseMD5Crypt(hash[len("$1$"):])
	case strings.HasPrefix(hash, "{SHA}"):
		if sum, err := base64.StdEncoding.Strict().DecodeString(hash[len("{SHA}"):]); err != nil || len(sum) != 20 {
			return 0, fmt.Errorf("{SHA} hash is not the base64 of 20 bytes")
		}
		return PasswordSHA1, nil
	case strings.HasPrefix(hash, "$5$"), strings.HasPrefix(hash, "$6$"):
		return 0, fmt.Errorf("SHA-crypt hashes ($5$, $6$) are not supported: use bcrypt (htpasswd -B)")
	case len(hash) == 13 && onlyCryptAlphabet(hash):
		return 0, fmt.Errorf("crypt(3) DES hashes are refused: they keep only 8 characters of the password and are cracked in hours; use bcrypt (htpasswd -B)")
	case hash == "":
		return 0, fmt.Errorf("empty password hash")
	}
	return 0, fmt.Errorf("not a password hash firsthop serves (bcrypt $2y$, apr1 $apr1$ or $1$, {SHA}); plain-text passwords are refused")
}

// parseBcrypt checks a bcrypt hash: "$2" a, b or y "$", two digits of
// cost (4 to 31), "$", 53 characters of the crypt alphabet.
func parseBcrypt(hash string) (PasswordScheme, error) {
	bad := func(why string) (PasswordScheme, error) { return 0, fmt.Errorf("bcrypt hash: %s", why) }
	if len(hash) != 60 {
		return bad(fmt.Sprintf("%d characters, not 60", len(hash)))
	}
	if v := hash[2]; v != 'a' && v != 'b' && v != 'y' || hash[3] != '$' || hash[6] != '$' {
		return bad(`not "$2a$", "$2b$" or "$2y$", a cost and "$"`)
	}
	if cost, err := strconv.Atoi(hash[4:6]); err != nil || cost < 4 || cost > 31 {
		return bad(fmt.Sprintf("cost %q is not 04 to 31", hash[4:6]))
	}
	if !onlyCryptAlphabet(hash[7:]) {
		return bad("salt and hash hold a character outside ./0-9A-Za-z")
	}
	return PasswordBcrypt, nil
}

// parseMD5Crypt checks what follows "$apr1$" or "$1$": a salt of 1 to 8
// characters, "$", 22 characters, all of the crypt alphabet.
func parseMD5Crypt(rest string) error {
	salt, sum, ok := strings.Cut(rest, "$")
	switch {
	case !ok:
		return fmt.Errorf("MD5-crypt hash: no \"$\" after the salt")
	case len(salt) == 0 || len(salt) > 8 || !onlyCryptAlphabet(salt):
		return fmt.Errorf("MD5-crypt hash: the salt is not 1 to 8 characters of ./0-9A-Za-z")
	case len(sum) != 22 || !onlyCryptAlphabet(sum):
		return fmt.Errorf("MD5-crypt hash: the hash is not 22 characters of ./0-9A-Za-z")
	}
	return nil
}

func onlyCryptAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(cryptAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// maxHtpasswdBytes bounds an htpasswd file: a Kubernetes Secret holds at
// most 1 MiB.
const maxHtpasswdBytes = 1 << 20

// ParseHtpasswd reads an htpasswd file, the bytes of a Secret's "auth"
// key: one "user:hash" a line (LF or CRLF), blank lines and lines
// starting with "#" skipped. Every user must be named once, without a
// control character, and every hash must be one [ParsePasswordHash]
// accepts: one bad line refuses the whole file (the error names its
// line), so that a producer fails closed rather than serve part of it.
func ParseHtpasswd(data []byte) ([]BasicAuthUser, error) {
	if len(data) > maxHtpasswdBytes {
		return nil, fmt.Errorf("htpasswd file is %d bytes, more than %d", len(data), maxHtpasswdBytes)
	}
	var users []BasicAuthUser
	seen := map[string]int{}
	for n := 1; len(data) > 0; n++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(bytes.TrimSpace(line)) == 0 || line[0] == '#' {
			continue
		}
		name, hash, ok := strings.Cut(string(line), ":")
		if !ok {
			return nil, fmt.Errorf("htpasswd line %d: no \":\" between user and hash", n)
		}
		if why := checkUserName(name); why != "" {
			return nil, fmt.Errorf("htpasswd line %d: %s", n, why)
		}
		if first, dup := seen[name]; dup {
			return nil, fmt.Errorf("htpasswd line %d: user %q is already on line %d", n, name, first)
		}
		seen[name] = n
		if _, err := ParsePasswordHash(hash); err != nil {
			return nil, fmt.Errorf("htpasswd line %d, user %q: %v", n, name, err)
		}
		users = append(users, BasicAuthUser{Name: name, Hash: hash})
	}
	return users, nil
}

// checkUserName returns what is wrong with name as a basic
// authentication user, or "".
func checkUserName(name string) string {
	switch {
	case name == "":
		return "empty user name"
	case strings.IndexByte(name, ':') >= 0:
		return fmt.Sprintf("user name %q holds a colon", name)
	case !validFieldValue(name) || strings.IndexByte(name, '\t') >= 0:
		return fmt.Sprintf("user name %q holds a control character", name)
	}
	return ""
}
