// Writes numbers.tsv: float64 values and the text Go's encoding/json writes for each (the API server's and Kyverno's
// number format). tests/core/json_test.cc holds json::append_number to every row. Go is no build dependency:
// regenerate by hand (Debian 12: apt-get install golang-go, Go 1.19):
//
//	cd tests/data/go-json && go run generate.go > numbers.tsv
//
// A row is `the float64's bits in hex<TAB>json.Marshal's text`. The values: every power of ten and its neighbours,
// integers around 2^53, 2^63 and 2^64 and up to 1e21 (where Go switches to an exponent), the 1e-6 boundary below,
// and random bit patterns, random integers and random decimals of up to 17 digits.
//go:build ignore

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
)

func row(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return
	}
	b, err := json.Marshal(f)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%016x\t%s\n", math.Float64bits(f), b)
}

func main() {
	r := rand.New(rand.NewSource(1))
	for e := -30; e <= 30; e++ {
		p := math.Pow10(e)
		for _, f := range []float64{p, math.Nextafter(p, 0), math.Nextafter(p, math.Inf(1)), -p, 1.5 * p, 123456789 * p} {
			row(f)
		}
	}
	for _, base := range []float64{1 << 53, 1 << 63, 1 << 64, 1e20, 1e21} {
		f := base
		for i := 0; i < 20; i++ {
			row(f)
			row(-f)
			f = math.Nextafter(f, math.Inf(1))
		}
		f = base
		for i := 0; i < 20; i++ {
			f = math.Nextafter(f, 0)
			row(f)
		}
	}
	for i := 0; i < 1000; i++ {
		row(math.Float64frombits(r.Uint64()))
		row(float64(r.Int63()) * math.Pow10(r.Intn(8)))
		row(float64(r.Int63n(100000000000000000)) / math.Pow10(r.Intn(25)))
	}
	row(0)
	row(math.Copysign(0, -1))
	row(math.MaxFloat64)
	row(math.SmallestNonzeroFloat64)
}
