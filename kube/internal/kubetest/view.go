package kubetest

import (
	"fmt"
	"reflect"
	"strings"
)

// View turns v into plain values a YAML encoder writes readably, for
// golden files: zero values are dropped (a non-nil pointer to a zero
// value is kept, as an empty map), integer kinds with a String method
// (durations, enums) are written as their String, structs become maps
// keyed by field name, other types with a String method (addresses) as
// their String. nil means nothing to write.
func View(v any) any { return view(reflect.ValueOf(v)) }

func view(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		return view(v.Elem())
	}
	if s, ok := v.Interface().(fmt.Stringer); ok && (v.Kind() >= reflect.Int && v.Kind() <= reflect.Uint64 || v.Kind() == reflect.Struct && v.NumField() > 0 && !v.Type().Field(0).IsExported()) {
		return s.String()
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			fv := v.Field(i)
			if !v.Type().Field(i).IsExported() || fv.IsZero() && !(fv.Kind() == reflect.Pointer && !fv.IsNil()) {
				continue
			}
			if x := view(fv); x != nil {
				m[v.Type().Field(i).Name] = x
			}
		}
		if len(m) == 0 {
			return nil
		}
		return m
	case reflect.Slice:
		if v.Len() == 0 {
			return nil
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = view(v.Index(i))
			if out[i] == nil {
				out[i] = map[string]any{}
			}
		}
		return out
	case reflect.Func:
		return nil
	}
	return v.Interface()
}

// LineDiff shows the lines of want and got that differ, numbered, for a
// golden file that no longer matches.
func LineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  file: %s\n  code: %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
