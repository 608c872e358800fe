package proxy

import "crypto/md5"

// md5Crypt returns the MD5-crypt hash of password with salt (at most 8
// bytes) and magic ("$apr1$" for Apache's htpasswd -m, "$1$" for crypt(3)),
// written as magic, salt, "$" and 22 characters: Poul-Henning Kamp's
// algorithm, as Apache's apr_md5_encode and glibc write it. It is here to
// check htpasswd files, not to make new hashes: use bcrypt for those.
func md5Crypt(password, salt []byte, magic string) []byte {
	d := md5.New()
	d.Write(password)
	d.Write([]byte(magic))
	d.Write(salt)

	alt := md5.New()
	alt.Write(password)
	alt.Write(salt)
	alt.Write(password)
	mix := alt.Sum(nil)
	for n := len(password); n > 0; n -= 16 {
		d.Write(mix[:min(n, 16)])
	}
	for n := len(password); n > 0; n >>= 1 {
		if n&1 != 0 {
			d.Write([]byte{0})
		} else {
			d.Write(password[:1])
		}
	}
	sum := d.Sum(nil)

	for i := range 1000 {
		r := md5.New()
		if i&1 != 0 {
			r.Write(password)
		} else {
			r.Write(sum)
		}
		if i%3 != 0 {
			r.Write(salt)
		}
		if i%7 != 0 {
			r.Write(password)
		}
		if i&1 != 0 {
			r.Write(sum)
		} else {
			r.Write(password)
		}
		sum = r.Sum(sum[:0])
	}

	out := make([]byte, 0, len(magic)+len(salt)+1+22)
	out = append(out, magic...)
	out = append(out, salt...)
	out = append(out, '$')
	for _, g := range [...][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		out = appendCrypt64(out, uint(sum[g[0]])<<16|uint(sum[g[1]])<<8|uint(sum[g[2]]), 4)
	}
	return appendCrypt64(out, uint(sum[11]), 2)
}

// appendCrypt64 appends the n low 6-bit groups of v, least significant
// first, in crypt(3)'s alphabet.
func appendCrypt64(dst []byte, v uint, n int) []byte {
	const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for ; n > 0; n-- {
		dst = append(dst, alphabet[v&0x3f])
		v >>= 6
	}
	return dst
}
