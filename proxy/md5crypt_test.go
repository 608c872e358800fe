package proxy

import "testing"

// TestMD5Crypt checks md5Crypt against hashes written by openssl passwd
// -apr1 and -1 (the algorithm of htpasswd -m and crypt(3)).
func TestMD5Crypt(t *testing.T) {
	t.Parallel()
	tests := []struct{ password, salt, magic, want string }{
		{"secret", "Wt2XYkmR", "$apr1$", "$apr1$Wt2XYkmR$25uITsssciv7R1ItHxYZN1"},
		{"secret", "abcdefgh", "$1$", "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"},
		{"pässwörd:with colon", "x", "$apr1$", "$apr1$x$SmQ1I2FZFJ/9obp7V/SeU0"},
		{"", "12345678", "$apr1$", "$apr1$12345678$sHuPAw7VA9xjRbJz7zKV7/"},
	}
	for _, tc := range tests {
		if got := string(md5Crypt([]byte(tc.password), []byte(tc.salt), tc.magic)); got != tc.want {
			t.Errorf("md5Crypt(%q, %q, %q) = %q, want %q", tc.password, tc.salt, tc.magic, got, tc.want)
		}
	}
}
