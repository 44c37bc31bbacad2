package dp

import (
	"fmt"
	"math"
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

// BinSQL is a DuckDB SQL expression computing Bin(expr) for a
// non-negative DOUBLE expression expr (which it repeats, so expr should be
// a column or a cheap expression). It uses ⌈log2 x⌉; libm's log2 is exact
// on powers of two, so it agrees with Bin except possibly within a few
// ulps of an edge, where the two may pick neighbouring bins. That only
// moves a user between neighbouring bins and never changes that each user
// is counted in exactly one bin, which is all the privacy argument needs.
func BinSQL(expr string) string {
	x := "CAST((" + expr + ") AS DOUBLE)"
	return fmt.Sprintf("(CASE WHEN %[1]s <= %[2]s THEN 0 WHEN %[1]s > %[3]s THEN %[4]d "+
		"ELSE least(%[4]d, greatest(0, CAST(ceil(log2(%[1]s)) AS INTEGER) - (%[5]d))) END)",
		x, sqlFloat(BinUpper(0)), sqlFloat(BinUpper(NumBins-1)), NumBins-1, MinBinExp)
}

func sqlFloat(f float64) string { return fmt.Sprintf("CAST(%g AS DOUBLE)", f) }
