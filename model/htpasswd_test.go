package model

import (
	"strings"
	"testing"
)

// Hashes written by real tools: openssl passwd -apr1 / -1 (the algorithm
// htpasswd -m uses), SHA-1 as htpasswd -s writes it, and the
// crypt_blowfish test vector ("U*U") with each bcrypt prefix.
const (
	apr1Secret    = "$apr1$Wt2XYkmR$25uITsssciv7R1ItHxYZN1"                        // "secret"
	md5CryptSecr  = "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"                           // "secret"
	sha1Secret    = "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="                            // "secret"
	bcryptUStarU  = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" // "U*U"
	bcryptUStarUy = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
)

func TestParsePasswordHash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hash string
		want PasswordScheme
		err  string
	}{
		{bcryptUStarU, PasswordBcrypt, ""},
		{bcryptUStarUy, PasswordBcrypt, ""},
		{"$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", PasswordBcrypt, ""},
		{apr1Secret, PasswordAPR1, ""},
		{md5CryptSecr, PasswordMD5Crypt, ""},
		{sha1Secret, PasswordSHA1, ""},
		{"$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", 0, `not "$2a$"`},
		{"$2y$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", 0, `cost "03" is not 04 to 31`},
		{"$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe", 0, "59 characters, not 60"},
		{"$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!", 0, "outside ./0-9A-Za-z"},
		{"$apr1$Wt2XYkmR25uITsssciv7R1ItHxYZN1", 0, `no "$" after the salt`},
		{"$apr1$123456789$25uITsssciv7R1ItHxYZN1", 0, "salt is not 1 to 8"},
		{"$apr1$Wt2XYkmR$25uITsssciv7R1ItHxYZN", 0, "hash is not 22"},
		{"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ", 0, "base64 of 20 bytes"},
		{"{SHA}AAAA", 0, "base64 of 20 bytes"},
		{"rl5FWAm.cFmXo", 0, "crypt(3) DES hashes are refused"},
		{"$6$salt$abc", 0, "SHA-crypt"},
		{"$5$salt$abc", 0, "SHA-crypt"},
		{"secret", 0, "plain-text passwords are refused"},
		{"", 0, "empty password hash"},
	}
	for _, tc := range tests {
		got, err := ParsePasswordHash(tc.hash)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParsePasswordHash(%q) = %v, %v; want %v", tc.hash, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParsePasswordHash(%q) = %v, %v; want an error containing %q", tc.hash, got, err, tc.err)
		}
	}
}

func TestParseHtpasswd(t *testing.T) {
	t.Parallel()
	good := "# users\r\nalice:" + apr1Secret + "\r\n\nbob:" + bcryptUStarUy + "\n  \ncarol:" + sha1Secret
	users, err := ParseHtpasswd([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []BasicAuthUser{{"alice", apr1Secret}, {"bob", bcryptUStarUy}, {"carol", sha1Secret}}
	if len(users) != len(want) {
		t.Fatalf("got %v, want %v", users, want)
	}
	for i := range want {
		if users[i] != want[i] {
			t.Errorf("user %d = %v, want %v", i, users[i], want[i])
		}
	}
	if users, err := ParseHtpasswd(nil); err != nil || len(users) != 0 {
		t.Errorf("empty file: %v, %v", users, err)
	}
	bad := []struct{ name, in, err string }{
		{"no colon", "alice", `line 1: no ":"`},
		{"empty user", "\n:" + sha1Secret, "line 2: empty user name"},
		{"duplicate", "a:" + sha1Secret + "\na:" + apr1Secret, `line 2: user "a" is already on line 1`},
		{"control in name", "a\x00b:" + sha1Secret, "control character"},
		{"trailing space in hash", "a:" + sha1Secret + " ", `line 1, user "a": {SHA} hash`},
		{"DES", "a:rl5FWAm.cFmXo", "crypt(3) DES"},
		{"plain", "a:secret", "plain-text"},
		{"too big", strings.Repeat("#", maxHtpasswdBytes+1), "more than"},
	}
	for _, tc := range bad {
		if users, err := ParseHtpasswd([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: ParseHtpasswd = %v, %v; want an error containing %q", tc.name, users, err, tc.err)
		}
	}
}

// FuzzParseHtpasswd checks that any bytes give users Validate accepts, or
// an error, never a panic.
func FuzzParseHtpasswd(f *testing.F) {
	f.Add([]byte("alice:" + apr1Secret + "\nbob:" + bcryptUStarU))
	f.Add([]byte("# c\r\n\r\ncarol:" + sha1Secret + "\r\n"))
	f.Add([]byte("a:$apr1$$"))
	f.Add([]byte("a:$2y$05$"))
	f.Fuzz(func(t *testing.T, data []byte) {
		users, err := ParseHtpasswd(data)
		if err != nil {
			return
		}
		spec := TableSpec{Backends: []Backend{{Name: "b"}}, Routes: []Route{{Path: "/", Backend: "b", BasicAuth: &BasicAuth{Users: users}}}}
		if err := spec.Validate(); err != nil {
			t.Fatalf("ParseHtpasswd accepted %q, Validate refuses it: %v", data, err)
		}
	})
}
