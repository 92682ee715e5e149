// Writes cases.tsv: Kyverno time_* JMESPath calls and what Kyverno answers, computed by Go's own time package (the
// functions as Kyverno's pkg/engine/jmespath/time.go writes them). tests/core/jmespath_time_test.cc holds coco-admit's
// port to every row. Go is no build dependency: regenerate by hand after changing the cases, in a Kyverno pod's zone:
//
//	apt-get install golang-go   # Debian 12: Go 1.19
//	cd tests/data/go-time && TZ=UTC go run generate.go > cases.tsv
//
// A row is `expression<TAB>JSON result`, or `expression<TAB>!Go's error text`.
// random.go writes a much larger set of random rows for a local run.
//go:build ignore

package main

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"time"
)

// Kyverno pkg/engine/jmespath/time.go, as its functions compute.
func rfc(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }

type row struct{ expr, want string }

var rows []row

func q(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }
func ok(expr string, v interface{}) {
	switch x := v.(type) {
	case string:
		rows = append(rows, row{expr, strconv.Quote(x)})
	case bool:
		rows = append(rows, row{expr, strconv.FormatBool(x)})
	}
}
func bad(expr string, err error) { rows = append(rows, row{expr, "!" + err.Error()}) }

func main() {
	r := rand.New(rand.NewSource(7))
	layouts := []string{time.ANSIC, time.UnixDate, time.RubyDate, time.RFC822, time.RFC822Z, time.RFC850, time.RFC1123,
		time.RFC1123Z, time.RFC3339, time.RFC3339Nano, time.Kitchen, time.Stamp, time.StampMilli, time.StampMicro,
		time.StampNano, "2006-01-02 15:04:05", "2006-01-02", "15:04:05", "02/01/06 3:04pm", "January 2, 2006",
		"Monday 2 Jan 2006 15:04:05.999 -07", "2006.002", "__2 2006", "20060102150405", "06-1-2 3:4:5 PM Z07",
		"2006-01-02T15:04:05,000Z0700", "Jan _2 2006 15:04:05 -07:00:00", "2006-01-02T15:04:05 Z070000",
		"Mon, 02 Jan 2006 15:04:05 MST", "_2006 01", "2006-01-02 15:04:05.000000000 -0700"}
	zones := []*time.Location{time.UTC, time.FixedZone("", 3600*5+1800), time.FixedZone("", -3600*8),
		time.FixedZone("PST", -8*3600), time.FixedZone("", 45), time.FixedZone("GMT+3", 3*3600)}
	instants := []time.Time{}
	for i := 0; i < 40; i++ {
		sec := r.Int63n(253402300799+62135596800) - 62135596800
		if i%3 == 0 {
			sec = r.Int63n(4102444800)
		}
		instants = append(instants, time.Unix(sec, r.Int63n(1e9)).In(zones[i%len(zones)]))
	}
	instants = append(instants, time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(2023, 12, 31, 0, 0, 0, 0, time.FixedZone("", -1)), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, l := range layouts {
		for i, t := range instants {
			if i%4 != 0 && l != time.RFC3339 {
				continue
			}
			v := t.Format(l)
			p, err := time.Parse(l, v)
			e := "time_parse(" + q(l) + ", " + q(v) + ")"
			if err != nil {
				bad(e, err)
			} else {
				ok(e, p.Format(time.RFC3339))
			}
		}
	}
	// Values that are not what the layout says.
	broken := [][2]string{
		{time.RFC3339, "2023-13-01T00:00:00Z"}, {time.RFC3339, "2023-02-29T00:00:00Z"}, {time.RFC3339, "2023-02-28T24:00:00Z"},
		{time.RFC3339, "2023-02-28T23:60:00Z"}, {time.RFC3339, "2023-02-28T23:59:60Z"}, {time.RFC3339, "2023-02-28T23:59:59"},
		{time.RFC3339, "2023-02-28T23:59:59Zjunk"}, {time.RFC3339, "2023-02-28T23:59:59+0100"}, {time.RFC3339, "2023-02-28 23:59:59Z"},
		{time.RFC3339, "23-02-28T23:59:59Z"}, {time.RFC3339, ""}, {time.RFC3339, "2023-02-28T23:59:59.123456789123Z"},
		{time.RFC3339, "2023-02-28T23:59:59,5+01:00"}, {time.RFC3339, "2023-2-28T23:59:59Z"}, {time.RFC3339, "2023-02-28T23:59:59-00:00"},
		{time.RFC3339, "é2023-02-28T23:59:59Z"}, {time.RFC3339, "2023-02-28T23:59:59+24:00"}, {time.RFC3339, "+023-02-28T23:59:59Z"},
		{time.Kitchen, "13:04PM"}, {time.Kitchen, "3:04XM"}, {time.Kitchen, "12:00AM"}, {time.Kitchen, "12:30PM"},
		{"Jan 2", "jan 2"}, {"Jan 2", "JANUARY 2"}, {"Jan 2", "Foo 2"}, {"Monday", "sunday"}, {"Mon", "Xyz"},
		{"2006.002", "2024.060"}, {"2006.002", "2023.366"}, {"2006.002 Jan", "2024.060 Mar"}, {"2006.002", "2024.1"},
		{"__2 2006", "  7 2020"}, {"2006 MST", "2020 CEST"}, {"2006 MST", "2020 GMT-5"}, {"2006 MST", "2020 GMT+24"},
		{"2006 MST", "2020 ChST"}, {"2006 MST", "2020 AB"}, {"2006 MST", "2020 +03"}, {"2006 MST", "2020 UTC"},
		{"2006 -07", "2020 +5"}, {"05", ".5"}, {"15:04:05.000", "10:00:00.12"}, {"15:04:05.000", "10:00:00.1234"},
		{"15:04:05.999", "10:00:00"}, {"15:04:05.999", "10:00:00.123456789999"}, {"06", "69"}, {"06", "68"}, {"06", "-1"},
		{"2006-01-02 -07:00:00", "2020-01-01 -00:00:01"}, {"2006-01-02", "2020-01-02   "}, {"2006 01  02", "2020 01 02"},
		{"3 pm", "3 PM"}, {"3 PM", "11 pm"}, {"_2", "3"}, {"02", "3"}, {"002", "45"}, {"2006-01-02T15:04:05Z0700", "2020-01-02T03:04:05Z"},
		// A failed number reads as 0 in the range check after it (found by a random differential run).
		{"15203", "19991monday"}, {"1503,999", "224monday"}, {"15:04 3", "23:10 x"},
		// GMT-7 keeps the wall clock as UTC and moves year 0 to -0001, which RFC 3339 output prints (found by fuzzing).
		{"MSTMST", "GMTGMT-07"}, {"2006 MST", "0000 GMT-7"},
	}
	for _, b := range broken {
		e := "time_parse(" + q(b[0]) + ", " + q(b[1]) + ")"
		p, err := time.Parse(b[0], b[1])
		if err != nil {
			bad(e, err)
		} else {
			ok(e, p.Format(time.RFC3339))
		}
	}
	durations := []string{"1h", "-90m", "1.5s", "2h45m30.5s", "0", "24h", "168h", "-1ns", "1us", "15m", "bad", "1d", "", "292y"}
	ts := []string{}
	for i, t := range instants {
		if i%2 == 0 {
			ts = append(ts, t.Format(time.RFC3339))
		} else {
			ts = append(ts, t.Format(time.RFC3339Nano))
		}
	}
	ts = append(ts, "2024-01-01T00:00:00Z", "not a time", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0000-06-15T12:00:00-01:30")
	for i, a := range ts {
		b := ts[(i*7+3)%len(ts)]
		c := ts[(i*5+1)%len(ts)]
		d := durations[i%len(durations)]
		ta, ea := rfc(a)
		tb, eb := rfc(b)
		tc, ec := rfc(c)
		dd, ed := time.ParseDuration(d)
		pick := func(errs ...error) error {
			for _, e := range errs {
				if e != nil {
					return e
				}
			}
			return nil
		}
		emit := func(expr string, err error, v interface{}) {
			if err != nil {
				bad(expr, err)
			} else {
				ok(expr, v)
			}
		}
		emit("time_add("+q(a)+", "+q(d)+")", pick(ea, ed), ta.Add(dd).Format(time.RFC3339))
		emit("time_truncate("+q(a)+", "+q(d)+")", pick(ea, ed), ta.Truncate(dd).Format(time.RFC3339))
		emit("time_utc("+q(a)+")", ea, ta.UTC().Format(time.RFC3339))
		emit("time_diff("+q(a)+", "+q(b)+")", pick(ea, eb), tb.Sub(ta).String())
		emit("time_before("+q(a)+", "+q(b)+")", pick(ea, eb), ta.Before(tb))
		emit("time_after("+q(a)+", "+q(b)+")", pick(ea, eb), ta.After(tb))
		emit("time_between("+q(a)+", "+q(b)+", "+q(c)+")", pick(ea, eb, ec), ta.After(tb) && ta.Before(tc))
		u := ta.UTC()
		emit("time_to_cron("+q(a)+")", ea, strconv.Itoa(u.Minute())+" "+strconv.Itoa(u.Hour())+" "+strconv.Itoa(u.Day())+" "+strconv.Itoa(int(u.Month()))+" "+strconv.Itoa(int(u.Weekday())))
		emit("time_since('', "+q(a)+", "+q(b)+")", pick(ea, eb), tb.Sub(ta).String())
	}
	for _, tr := range []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 15 * time.Minute, 1500 * time.Millisecond} {
		for _, a := range []string{"0000-06-15T12:34:56.5-01:30", "1969-12-31T23:59:59.999999999Z", "2024-03-10T10:17:43+05:30"} {
			t, _ := rfc(a)
			ok("time_truncate("+q(a)+", "+q(tr.String())+")", t.Truncate(tr).Format(time.RFC3339))
		}
	}
	l := "Mon Jan _2 15:04:05 2006"
	t1, _ := time.Parse(l, "Tue Feb  6 10:00:00 2024")
	t2, _ := time.Parse(l, "Fri Mar 29 18:30:15 2024")
	ok("time_since("+q(l)+", 'Tue Feb  6 10:00:00 2024', 'Fri Mar 29 18:30:15 2024')", t2.Sub(t1).String())
	for _, rw := range rows {
		fmt.Printf("%s\t%s\n", rw.expr, rw.want)
	}
}
