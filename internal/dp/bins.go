package dp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Magnitude bins, shared by the SQL side (which counts users per bin) and
// the mechanism (which picks a bin from the noisy counts). Bin b holds the
// magnitudes m with 2^(b-1+MinBinExp) < m <= 2^(b+MinBinExp); bin 0 also
// holds everything down to 0, and bin NumBins-1 everything above its lower
// edge. With MinBinExp = -10 and NumBins = 64 the edges run from 2^-10
// (bin 0) to 2^53 (bin 63); a row count r >= 1 has bin ⌈log2 r⌉ + 10.
const (
	NumBins   = 64
	MinBinExp = -10
)

// Bin is the bin of a magnitude m >= 0: the smallest b with
// m <= BinUpper(b), clamped to [0, NumBins). Negative and NaN magnitudes
// are in bin 0. It is exact (no logarithm): it reads m's binary exponent.
func Bin(m float64) int {
	if !(m > BinUpper(0)) { // also NaN
		return 0
	}
	if m > BinUpper(NumBins-1) {
		return NumBins - 1
	}
	frac, exp := math.Frexp(m) // m = frac·2^exp, frac ∈ [0.5, 1)
	e := exp                   // ⌈log2 m⌉
	if frac == 0.5 {
		e--
	}
	return e - MinBinExp
}

// BinUpper is the upper edge of bin b, 2^(b+MinBinExp), with b clamped to
// [0, NumBins). A clamping bound chosen from bin b is BinUpper(b).
func BinUpper(b int) float64 {
	b = max(0, min(b, NumBins-1))
	return math.Ldexp(1, b+MinBinExp)
}

// BinSQL is a DuckDB SQL expression computing Bin(expr) exactly for a
// non-negative DOUBLE expression expr: a binary search over the bin edges
// written as nested CASEs (six comparisons per row, no logarithm, so no
// libm rounding at the edges). expr appears once per edge (63 times), so it
// should be a column or a cheap expression.
func BinSQL(expr string) string {
	var b strings.Builder
	binSQL(&b, "CAST(("+expr+") AS DOUBLE)", 0, NumBins-1)
	return b.String()
}

// binSQL writes the search of bins lo..hi.
func binSQL(b *strings.Builder, x string, lo, hi int) {
	if lo == hi {
		b.WriteString(strconv.Itoa(lo))
		return
	}
	mid := (lo + hi) / 2
	fmt.Fprintf(b, "(CASE WHEN %s <= CAST(%s AS DOUBLE) THEN ", x, strconv.FormatFloat(BinUpper(mid), 'g', -1, 64))
	binSQL(b, x, lo, mid)
	b.WriteString(" ELSE ")
	binSQL(b, x, mid+1, hi)
	b.WriteString(" END)")
}
