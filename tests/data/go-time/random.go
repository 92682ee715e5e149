// Writes a large random differential set in the format of cases.tsv, for a local run against Go (too large, and
// needing Go, for CI): random Go layouts and values through time_parse (most of them errors, whose texts must match
// Go's), then random times, offsets and durations through time_add, time_truncate, time_diff, time_utc,
// time_to_cron and time_before.
//
//	cd tests/data/go-time && TZ=UTC go run random.go > /tmp/go-time-random.tsv
//	COCO_ADMIT_GO_TIME_CASES=/tmp/go-time-random.tsv build/tests/jmespath_time_test
//
// 2026-11-28: 626,052 rows, all agreeing with Go 1.19.
//go:build ignore

package main

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"time"
)

func q(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }

func main() {
	parseCases()
	arithmeticCases()
}

func parseCases() {
	r := rand.New(rand.NewSource(42))
	pieces := []string{"2006", "06", "01", "1", "Jan", "January", "02", "2", "_2", "__2", "002", "15", "3", "03", "04", "4", "05", "5",
		"PM", "pm", "Mon", "Monday", "MST", "Z0700", "Z07:00", "Z07", "Z070000", "Z07:00:00", "-0700", "-07:00", "-07", "-070000",
		"-07:00:00", ".000", ".999", ",000", ",999", ".0", ".9", " ", "-", ":", "T", "/", ",", "_", "x"}
	vpieces := []string{"0", "1", "2", "9", "12", "24", "29", "30", "31", "59", "60", "69", "99", "2024", "1999", "0000", "366", "060",
		"Jan", "jan", "FEB", "February", "Mon", "monday", "Sun", "PM", "am", "AM", "pm", "UTC", "PST", "GMT+3", "GMT-12", "ChST",
		"CEST", "WITA", "+03", "-05", "Z", "+05:30", "-0800", "+01:00:01", "-00:00:01", ".5", ",123", ".123456789123", " ", "  ",
		"-", ":", "T", "/", ",", "_", "x", "+", "é"}
	seen := map[string]bool{}
	for n := 0; n < 300000; n++ {
		var lb, vb strings.Builder
		if r.Intn(3) == 0 {
			// a real layout and a real value, then maybe a mutation of the value
			l := []string{time.ANSIC, time.UnixDate, time.RubyDate, time.RFC822, time.RFC850, time.RFC1123Z, time.RFC3339,
				time.RFC3339Nano, time.Kitchen, time.StampMicro, "2006-01-02 15:04:05.999 MST", "2006.002 3PM -07"}[r.Intn(12)]
			t := time.Unix(r.Int63n(253402300799+62135596800)-62135596800, r.Int63n(1e9)).In(time.FixedZone("", (r.Intn(97)-48)*900))
			v := t.Format(l)
			if r.Intn(2) == 0 && len(v) > 0 {
				i := r.Intn(len(v))
				v = v[:i] + vpieces[r.Intn(len(vpieces))] + v[i+1:]
			}
			lb.WriteString(l)
			vb.WriteString(v)
		} else {
			k := 1 + r.Intn(6)
			for i := 0; i < k; i++ {
				lb.WriteString(pieces[r.Intn(len(pieces))])
				vb.WriteString(vpieces[r.Intn(len(vpieces))])
			}
		}
		l, v := lb.String(), vb.String()
		if strings.ContainsAny(l+v, "'\\\t\n") {
			continue
		}
		e := "time_parse(" + q(l) + ", " + q(v) + ")"
		if seen[e] {
			continue
		}
		seen[e] = true
		p, err := time.Parse(l, v)
		if err != nil {
			fmt.Printf("%s\t!%s\n", e, err.Error())
		} else {
			fmt.Printf("%s\t%s\n", e, strconv.Quote(p.Format(time.RFC3339)))
		}
	}
}

func arithmeticCases() {
	r := rand.New(rand.NewSource(9))
	for n := 0; n < 60000; n++ {
		sec := r.Int63n(253402300799+62135596800) - 62135596800
		t := time.Unix(sec, r.Int63n(1e9)).In(time.FixedZone("", (r.Intn(97)-48)*900+[]int{0, 0, 0, 7}[r.Intn(4)]))
		u := time.Unix(r.Int63n(253402300799+62135596800)-62135596800, r.Int63n(1e9)).In(time.FixedZone("", (r.Intn(97)-48)*900))
		a, b := t.Format(time.RFC3339Nano), u.Format(time.RFC3339Nano)
		d := time.Duration(r.Int63n(1<<62) >> uint(r.Intn(62)))
		if r.Intn(2) == 0 {
			d = -d
		}
		ta, _ := time.Parse(time.RFC3339, a)
		tb, _ := time.Parse(time.RFC3339, b)
		ds := d.String()
		fmt.Printf("time_add('%s', '%s')\t%s\n", a, ds, strconv.Quote(ta.Add(d).Format(time.RFC3339)))
		fmt.Printf("time_truncate('%s', '%s')\t%s\n", a, ds, strconv.Quote(ta.Truncate(d).Format(time.RFC3339)))
		fmt.Printf("time_diff('%s', '%s')\t%s\n", a, b, strconv.Quote(tb.Sub(ta).String()))
		fmt.Printf("time_utc('%s')\t%s\n", a, strconv.Quote(ta.UTC().Format(time.RFC3339)))
		x := ta.UTC()
		fmt.Printf("time_to_cron('%s')\t%s\n", a, strconv.Quote(fmt.Sprintf("%d %d %d %d %d", x.Minute(), x.Hour(), x.Day(), int(x.Month()), int(x.Weekday()))))
		fmt.Printf("time_before('%s', '%s')\t%v\n", a, b, ta.Before(tb))
	}
}
