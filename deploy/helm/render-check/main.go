// A minimal `helm template` for checking the chart where helm is not installed (Debian 12 has no helm package): Go's
// text/template with sprig, the engine helm uses, plus helm's include, tpl, required, toYaml and .Files. It is not
// helm (no schema, hooks or lookup), only enough to show that every template parses and renders to YAML. Usage:
//
//	apt-get install golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/render-chart .
//	/tmp/render-chart ../coco-admit [VALUES_YAML...] | python3 check.py
//
// Each VALUES_YAML argument is a YAML document merged over values.yaml, like helm's -f.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

type files map[string]string

func (f files) Glob(p string) files {
	out := files{}
	for k, v := range f {
		if ok, _ := path.Match(p, k); ok {
			out[k] = v
		}
	}
	return out
}
func (f files) Get(p string) string { return f[p] }
func (f files) AsConfig() string {
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = v
	}
	b, _ := yaml.Marshal(m)
	return strings.TrimSuffix(string(b), "\n")
}

func norm(v interface{}) interface{} {
	switch x := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, e := range x {
			m[fmt.Sprint(k)] = norm(e)
		}
		return m
	case []interface{}:
		for i := range x {
			x[i] = norm(x[i])
		}
	}
	return v
}

func merge(dst, src map[string]interface{}) {
	for k, v := range src {
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func main() {
	chart := os.Args[1]
	var values map[string]interface{}
	b, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		panic(err)
	}
	var raw interface{}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		panic(err)
	}
	values = norm(raw).(map[string]interface{})
	for _, set := range os.Args[2:] { // overrides as YAML documents
		var o interface{}
		if err := yaml.Unmarshal([]byte(set), &o); err != nil {
			panic(err)
		}
		merge(values, norm(o).(map[string]interface{}))
	}
	var meta map[string]interface{}
	b, _ = os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	yaml.Unmarshal(b, &raw)
	meta = norm(raw).(map[string]interface{})
	fs := files{}
	filepath.Walk(chart, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(chart, p)
			c, _ := os.ReadFile(p)
			fs[rel] = string(c)
		}
		return nil
	})
	t := template.New("chart")
	funcs := sprig.TxtFuncMap()
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["toYaml"] = func(v interface{}) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return v, nil
	}
	funcs["tpl"] = func(s string, data interface{}) (string, error) {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		c, err = c.New("tpl").Parse(s)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = c.Execute(&buf, data)
		return buf.String(), err
	}
	t.Funcs(funcs).Option("missingkey=zero")
	var names []string
	for k := range fs {
		if strings.HasPrefix(k, "templates/") && (strings.HasSuffix(k, ".yaml") || strings.HasSuffix(k, ".tpl")) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := t.New(n).Parse(fs[n]); err != nil {
			fmt.Fprintln(os.Stderr, "parse:", err)
			os.Exit(1)
		}
	}
	data := map[string]interface{}{
		"Values":       values,
		"Release":      map[string]interface{}{"Name": "coco-admit", "Namespace": "coco-admit-system", "Service": "Helm"},
		"Chart":        map[string]interface{}{"Name": meta["name"], "Version": meta["version"], "AppVersion": meta["appVersion"]},
		"Files":        fs,
		"Capabilities": map[string]interface{}{"APIVersions": []string{}},
	}
	for _, n := range names {
		if strings.HasSuffix(n, ".tpl") {
			continue
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, n, data); err != nil {
			fmt.Fprintln(os.Stderr, "render:", err)
			os.Exit(1)
		}
		fmt.Printf("---\n# Source: %s\n%s\n", n, buf.String())
	}
}
