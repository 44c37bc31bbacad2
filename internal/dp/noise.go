package dp

import (
	"crypto/rand"
	"encoding/binary"
	"math"
	"math/bits"
	randv2 "math/rand/v2"
	"sync"
)

// Source is a source of uniformly random 64-bit words.
type Source interface{ Uint64() uint64 }

// SecureSource is the source production uses: words from crypto/rand,
// read 4 KiB at a time. It is safe for concurrent use.
func SecureSource() Source { return &secureSource{} }

type secureSource struct {
	mu  sync.Mutex
	buf [4096]byte
	off int // next unread byte; len(buf) when empty
	ok  bool
}

func (s *secureSource) Uint64() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ok || s.off+8 > len(s.buf) {
		// crypto/rand.Read never returns an error (Go 1.24+: it aborts
		// the program rather than return predictable bytes).
		_, _ = rand.Read(s.buf[:])
		s.off, s.ok = 0, true
	}
	w := binary.LittleEndian.Uint64(s.buf[s.off:])
	// Wipe what was handed out so the buffer never holds used noise.
	clear(s.buf[s.off : s.off+8])
	s.off += 8
	return w
}

// SeededSource is a deterministic source (ChaCha8 keyed by seed) for tests
// only: noise drawn from it is predictable and protects nothing.
func SeededSource(seed uint64) Source {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return randv2.NewChaCha8(key)
}

// uniform returns an integer uniform in [0, m), m > 0, exactly (Lemire's
// multiply-and-reject).
func uniform(src Source, m uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), m)
	if lo < m {
		thresh := -m % m
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), m)
		}
	}
	return hi
}

// bernoulli returns true with probability n/d exactly (0 <= n <= d, d > 0).
func bernoulli(src Source, n, d uint64) bool { return uniform(src, d) < n }

// bernoulliExp01 returns true with probability exp(-n/d) exactly, for
// 0 <= n <= d: Canonne, Kamath and Steinke (2020), Algorithm 1, case γ ∈ [0, 1]: draw
// A_k ~ Bernoulli(γ/k) for k = 1, 2, … until one is 0; exp(-γ) is the
// probability that this first happens at an odd k. Bernoulli(γ/k) is
// drawn as Bernoulli(n/d) ∧ Bernoulli(1/k), which never overflows.
func bernoulliExp01(src Source, n, d uint64) bool {
	k := uint64(1)
	for bernoulli(src, n, d) && bernoulli(src, 1, k) {
		k++
	}
	return k%2 == 1
}

// DiscreteLaplace samples x in Z with P(x) ∝ exp(-|x|·den/num) (scale
// num/den), exactly, with integer arithmetic only: Canonne, Kamath and
// Steinke (2020), Algorithm 2, with t = num and s = den. Its variance is
// 2e^{-1/b}/(1-e^{-1/b})² for b = num/den, and E|x| ≈ b for large b.
// Outputs are exact up to |x| < 2^62 (beyond that they saturate; the
// probability of reaching it is below exp(-2^40) for every scale this
// package uses). num and den must be > 0.
func DiscreteLaplace(src Source, num, den uint64) int64 {
	if num == 0 || den == 0 {
		panic("dp: DiscreteLaplace with a zero scale parameter")
	}
	t, s := num, den
	for {
		u := uniform(src, t)
		if !bernoulliExp01(src, u, t) {
			continue
		}
		var v uint64
		for bernoulliExp01(src, 1, 1) {
			v++
		}
		hi, x := bits.Mul64(t, v)
		x, carry := bits.Add64(x, u, 0)
		y := x / s
		if hi != 0 || carry != 0 || y > math.MaxInt64>>1 {
			y = math.MaxInt64 >> 1
		}
		if bernoulli(src, 1, 2) {
			if y == 0 {
				continue
			}
			return -int64(y)
		}
		return int64(y)
	}
}
