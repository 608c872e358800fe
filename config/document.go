package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// document parses data as exactly one YAML document and returns its root
// node, which is never an alias. On failure it records the problem and
// returns nil: data that is not UTF-8 or holds a character YAML forbids, a
// YAML syntax error, an empty file, or more than one document.
func (d *decoder) document(data []byte) *yaml.Node {
	if line, col, msg, ok := checkText(data); !ok {
		d.errs = append(d.errs, Diagnostic{File: d.file, Line: line, Column: col, Message: msg})
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errs = append(d.errs, Diagnostic{File: d.file, Message: "the file is empty"})
		} else {
			d.syntaxError(data, err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		d.errorf(&next, "a second YAML document: a configuration file holds exactly one (remove the \"---\" separator)")
		return nil
	case !errors.Is(err, io.EOF):
		d.syntaxError(data, err)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		d.errs = append(d.errs, Diagnostic{File: d.file, Message: "the file is empty"})
		return nil
	}
	root := doc.Content[0]
	if isNull(root) {
		d.errorf(&doc, "the file holds no settings (only null)")
		return nil
	}
	return root
}

// yamlLine matches the position prefix of a gopkg.in/yaml.v3 syntax error.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlAnchor matches the unknown anchor error, which carries no line.
var yamlAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// syntaxError records err, an error from the YAML parser, with the best
// position it can recover: the parser's own line is often that of an
// enclosing block (see [locateSyntaxError]), and it has no column.
func (d *decoder) syntaxError(data []byte, err error) {
	line, msg := splitYAMLError(err)
	diag := Diagnostic{File: d.file, Line: max(line, 1)}
	if m := yamlAnchor.FindStringSubmatch(err.Error()); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			diag.Line, diag.Column = position(data, i)
		}
	} else if l, c, ok := locateSyntaxError(data, line, msg); ok {
		diag.Line, diag.Column = l, c
	}
	diag.Message = "YAML syntax error: " + msg
	d.errs = append(d.errs, diag)
}

// checkText reports whether data is UTF-8 holding only characters YAML
// allows (tab, line breaks and printable characters), with LF or CRLF line
// breaks only. A lone CR, NEL, LS and PS are refused: YAML parsers disagree
// on whether they break lines, and a lone CR can hide text in a terminal.
// When data is refused, checkText returns the 1-based position of the first
// bad byte and a message.
func checkText(data []byte) (line, col int, msg string, ok bool) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			line, col = position(data, i)
			return line, col, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): a configuration file must be UTF-8", data[i]), false
		case r == '\r' && (i+1 == len(data) || data[i+1] != '\n'):
			line, col = position(data, i)
			return line, col, "a carriage return not followed by a line feed is not allowed (use LF or CRLF line endings)", false
		case r == 0x85 || r == 0x2028 || r == 0x2029:
			line, col = position(data, i)
			return line, col, fmt.Sprintf("line separator %U is not allowed (use LF or CRLF line endings)", r), false
		case !yamlPrintable(r):
			line, col = position(data, i)
			return line, col, fmt.Sprintf("control character %U is not allowed in YAML", r), false
		}
		i += size
	}
	return 0, 0, "", true
}

// yamlPrintable reports whether YAML 1.2 allows r in a stream (c-printable).
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// position returns the 1-based line and column (in characters) of byte
// offset off in data.
func position(data []byte, off int) (line, col int) {
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCount(before) + 1
}
