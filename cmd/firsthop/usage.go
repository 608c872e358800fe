package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns the flag set of the command name. Parse it with
// parseArgs, which prints the usage: flag's own printer is silenced
// because it spells flags with one dash and sends help to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses args into fs. When ok is false the command must return
// code at once: 0 after -h, -help or --help (the usage went to stdout), 2
// after a bad flag (flag's message and the usage went to fs.Output()).
// synopsis is the command line shown first, such as
// "firsthop serve --config FILE [flags]".
func parseArgs(fs *flag.FlagSet, synopsis string, args []string, stdout io.Writer) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, fs, synopsis)
		return 0, false
	default:
		fmt.Fprintln(fs.Output())
		printUsage(fs.Output(), fs, synopsis)
		return 2, false
	}
}

// printUsage writes the synopsis and every flag of fs as the commands are
// documented: "--name VALUE", VALUE being the back-quoted word of the
// flag's usage or else its type, then the usage and any non-zero default.
func printUsage(w io.Writer, fs *flag.FlagSet, synopsis string) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s\n\nFlags:\n", synopsis)
	fs.VisitAll(func(f *flag.Flag) {
		value, usage := flag.UnquoteUsage(f)
		b.WriteString("  --" + f.Name)
		if value != "" {
			b.WriteString(" " + value)
		}
		b.WriteString("\n        " + strings.ReplaceAll(usage, "\n", "\n        "))
		switch f.DefValue {
		case "", "0", "0s", "false":
		default:
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	_, _ = io.WriteString(w, b.String())
}
