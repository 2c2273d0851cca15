package session

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// distanceDP is the plain dynamic programme over code points, one row of
// the matrix at a time: the oracle of the bit-parallel distance.
func distanceDP(a, b []rune) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			up := row[j]
			row[j] = min(row[j]+1, row[j-1]+1, diag+cost)
			diag = up
		}
	}
	return row[len(b)]
}

// accuracyDP is levenshtein.accuracy with the oracle's distance; a string
// is decoded as a conversion to []rune does (each byte of invalid UTF-8 is
// one U+FFFD), as ranging over it does.
func accuracyDP(s, f string) int64 {
	a, b := []rune(s), []rune(f)
	m := max(len(a), len(b))
	if m == 0 {
		return accuracyScale
	}
	d := distanceDP(a, b)
	return (int64(m-d)*accuracyScale*2 + int64(m)) / (2 * int64(m))
}

// checkDistance compares the distance and the accuracy of (s, f), both
// ways round, on lv (reused) and on a fresh levenshtein with the oracle's.
func checkDistance(t *testing.T, lv *levenshtein, s, f string) {
	t.Helper()
	want := distanceDP([]rune(s), []rune(f))
	wantAcc := accuracyDP(s, f)
	for _, p := range [][2]string{{s, f}, {f, s}} {
		for _, l := range []*levenshtein{lv, {}} {
			l.a = appendRunes(l.a[:0], p[0])
			l.b = appendRunes(l.b[:0], p[1])
			if got := l.distance(); got != want {
				t.Fatalf("distance(%q, %q) = %d, want %d", p[0], p[1], got, want)
			}
			if got := l.accuracy(p[0], p[1]); got != wantAcc {
				t.Fatalf("accuracy(%q, %q) = %d, want %d", p[0], p[1], got, wantAcc)
			}
		}
	}
}

// alphabets of the random texts: few letters (many matches), ASCII,
// Turkish and other multi-byte letters, astral emoji, combining marks,
// U+FFFD and bytes of invalid UTF-8.
var alphabets = []struct {
	name  string
	runes []string
}{
	{"ab", []string{"a", "b"}},
	{"ascii", strings.Split(" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\x00\t\n\x7f", "")},
	{"turkish", strings.Split("aeiıoöuüİIçÇğĞşŞ ", "")},
	{"mixed", []string{"a", "b", " ", "é", "e\u0301", "\u0301", "ş", "İ", "ж", "中", "文", "🙂", "👍🏽", "✔️", "\U0010FFFF", "\uFFFD", "\xff", "\xe2\x82", "\xf0\x9f", "\x80", "\U00010000"}},
}

// randText is a random text of n elements of alpha (n code points but for
// the elements of two, such as "e\u0301").
func randText(r *rand.Rand, alpha []string, n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteString(alpha[r.IntN(len(alpha))])
	}
	return sb.String()
}

// randWide is a random text of n code points anywhere in Unicode (U+FFFD
// for a surrogate), so that the pattern's hash table fills and collides.
func randWide(r *rand.Rand, n int) string {
	rs := make([]rune, n)
	for i := range rs {
		switch r.IntN(3) {
		case 0:
			rs[i] = rune(r.IntN(utf8.MaxRune + 1))
		case 1:
			rs[i] = rune(0x80 + r.IntN(0x800))
		default:
			rs[i] = rune(0x4e00 + r.IntN(64))
		}
	}
	return string(rs)
}

// mutate applies about n·rate random edits (insertions, deletions and
// substitutions of code points from alpha) to s.
func mutate(r *rand.Rand, s string, alpha []string, rate float64) string {
	rs := []rune(s)
	edits := int(float64(len(rs))*rate) + r.IntN(3)
	for range edits {
		c := []rune(alpha[r.IntN(len(alpha))])[0]
		i := r.IntN(len(rs) + 1)
		switch op := r.IntN(3); {
		case op == 0 || len(rs) == 0 || i == len(rs):
			rs = append(rs[:i], append([]rune{c}, rs[i:]...)...)
		case op == 1:
			rs = append(rs[:i], rs[i+1:]...)
		default:
			rs[i] = c
		}
	}
	return string(rs)
}

func TestLevenshteinSpecialCases(t *testing.T) {
	var lv levenshtein
	for _, c := range [][2]string{
		{"", ""},
		{"", "a"},
		{"", "İade talebiniz 🙂"},
		{"a", "a"},
		{"a", "b"},
		{"a", "bab"},
		{"a", "bbb"},
		{"ş", "aşa"},
		{"kitten", "sitting"},
		{"same text", "same text"},
		{strings.Repeat("x", 200), strings.Repeat("x", 200)},
		{strings.Repeat("x", 200), strings.Repeat("x", 201)},
		{strings.Repeat("x", 200), strings.Repeat("y", 200)},
		{strings.Repeat("ab", 100), strings.Repeat("ba", 100)},
		{"prefix-A-suffix", "prefix-B-suffix"},
		{"aaaa", "aa"},
		// invalid UTF-8: each bad byte is one U+FFFD, as in the
		// original, and so equals a real U+FFFD
		{"\xff", "\uFFFD"},
		{"\xff\xfe", "\uFFFD"},
		{"\xe2\x82", "\xe2\x82\xac"},
		{"a\x80b", "a\uFFFDb"},
		{"✔️", "✔"},
		{"café", "cafe\u0301"},
		{"🙂🙃", "🙃🙂"},
	} {
		checkDistance(t, &lv, c[0], c[1])
	}
	if got := Accuracy("\xff", "\uFFFD"); got != 1 {
		t.Errorf("Accuracy(\\xff, U+FFFD) = %v, want 1", got)
	}
}

// The kernels, without the trimming of the common prefix and suffix, at
// lengths around the word's and the blocks' boundaries.
func TestLevenshteinKernelsAtBoundaries(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// up to 4 blocks: one at a time; 5 to 9: a quad, then one at a time
	lengths := []int{1, 2, 3, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 191, 192, 193, 256, 257, 320, 321, 385, 512, 576, 577}
	var lv levenshtein
	for _, al := range alphabets {
		for _, m := range lengths {
			for _, n := range []int{0, 1, 2, 63, 64, 65, 128, 129, m, m + 1, 2 * m} {
				p := []rune(randText(r, al.runes, 3*m))[:m]
				for _, tx := range []string{randText(r, al.runes, n), mutate(r, string(p), al.runes, 0.1)} {
					txt := []rune(tx)
					want := distanceDP(p, txt)
					if m <= 64 {
						if got := lv.word(p, txt); got != want {
							t.Fatalf("%s: word(%q, %q) = %d, want %d", al.name, string(p), tx, got, want)
						}
					}
					if got := lv.blocks(p, txt); got != want {
						t.Fatalf("%s: blocks(%q, %q) = %d, want %d", al.name, string(p), tx, got, want)
					}
				}
			}
		}
	}
}

func TestLevenshteinRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var lv levenshtein
	lengths := []int{0, 1, 2, 5, 20, 63, 64, 65, 127, 128, 129, 322, 580}
	for _, al := range alphabets {
		for _, m := range lengths {
			for _, n := range lengths {
				s := randText(r, al.runes, m)
				checkDistance(t, &lv, s, randText(r, al.runes, n))
				if n == m {
					checkDistance(t, &lv, s, mutate(r, s, al.runes, 0.05))
					checkDistance(t, &lv, s, mutate(r, s, al.runes, 0.3))
				}
			}
		}
	}
	for range 200 {
		m, n := r.IntN(700), r.IntN(700)
		checkDistance(t, &lv, randWide(r, m), randWide(r, n))
		s := randWide(r, m)
		checkDistance(t, &lv, s, mutate(r, s, []string{"a", "ж", "🙂", "中"}, 0.1))
	}
}

func TestLevenshteinLong(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var lv levenshtein
	n := 2500
	if testing.Short() {
		n = 1000
	}
	for _, al := range alphabets {
		s := randText(r, al.runes, n)
		checkDistance(t, &lv, s, mutate(r, s, al.runes, 0.02))
		checkDistance(t, &lv, s, mutate(r, s, al.runes, 0.4))
		checkDistance(t, &lv, s, randText(r, al.runes, n/2))
	}
	s := randWide(r, n)
	checkDistance(t, &lv, s, mutate(r, s, alphabets[3].runes, 0.1))
}

// Texts of MaxTextLen bytes, with distances known without the oracle: k
// insertions or substitutions of a code point the other text lacks are k
// edits; texts of disjoint alphabets are max(m, n) apart.
func TestLevenshteinMaxTextLen(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var lv levenshtein
	dist := func(a, b string) int {
		lv.a = appendRunes(lv.a[:0], a)
		lv.b = appendRunes(lv.b[:0], b)
		return lv.distance()
	}
	for _, c := range []struct {
		alpha []string
		n     int
	}{{alphabets[1].runes, 64 << 10}, {alphabets[2].runes, 32 << 10}, {[]string{"中", "文", "字"}, 21 << 10}} {
		s := []rune(randText(r, c.alpha, c.n))
		const k = 500
		ins := append([]rune(nil), s...)
		sub := append([]rune(nil), s...)
		for i := range k {
			at := (i*len(s))/k + 1
			ins = append(ins[:at+i], append([]rune{'🙂'}, ins[at+i:]...)...)
			sub[at-1] = '🙂'
		}
		if got := dist(string(s), string(ins)); got != k {
			t.Errorf("%d code points, %d insertions: distance %d", len(s), k, got)
		}
		if got := dist(string(sub), string(s)); got != k {
			t.Errorf("%d code points, %d substitutions: distance %d", len(s), k, got)
		}
		other := []rune(strings.Repeat("🙂", len(s)/3))
		if got := dist(string(s), string(other)); got != len(s) {
			t.Errorf("disjoint texts of %d and %d code points: distance %d", len(s), len(other), got)
		}
	}
}

// A reused levenshtein allocates nothing once its buffers have grown.
func TestLevenshteinAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	long := randText(r, alphabets[3].runes, 1000)
	for _, c := range [][2]string{
		{"İade talebinizi aldık, 3 iş günü içinde dönüş yapacağız.", "İade talebinizi aldık; en geç 3 iş günü içinde döneceğiz."},
		{long, mutate(r, long, alphabets[3].runes, 0.1)},
	} {
		var lv levenshtein
		lv.accuracy(c[0], c[1])
		if n := testing.AllocsPerRun(20, func() { lv.accuracy(c[0], c[1]) }); n != 0 {
			t.Errorf("%d code points: %v allocations per call", utf8.RuneCountInString(c[0]), n)
		}
	}
}

func FuzzLevenshtein(f *testing.F) {
	f.Add("kitten", "sitting")
	f.Add("", "")
	f.Add("café", "cafe\u0301")
	f.Add("\xff\xe2\x82", "\uFFFD\uFFFD")
	f.Add(strings.Repeat("ab", 40), strings.Repeat("ba", 33))
	f.Fuzz(func(t *testing.T, s, f string) {
		if len(s)+len(f) > 8<<10 {
			t.Skip("the oracle is quadratic")
		}
		var lv levenshtein
		checkDistance(t, &lv, s, f)
		checkDistance(t, &lv, s+s, f+s)
	})
}

// benchTexts is a suggestion of about n bytes, Turkish words with an
// emoji now and then, and the reply sent: about one word in ten edited,
// the first and the last among them.
func benchTexts(n int) (suggested, final string) {
	r := rand.New(rand.NewPCG(11, uint64(n)))
	words := strings.Fields("merhaba talebinizi aldık iade iş günü içinde dönüş yapacağız siparişiniz kargoya verildi teşekkür ederiz 🙂 👍 lütfen numaranızı paylaşır mısınız en geç yarın çözüm")
	var sb, fb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		w := words[r.IntN(len(words))]
		if sb.Len() > 0 {
			sb.WriteByte(' ')
			fb.WriteByte(' ')
		}
		sb.WriteString(w)
		if i == 0 || r.IntN(10) == 0 {
			w = mutate(r, w, []string{"a", "ı", "ş", "ğ", "e"}, 0.3)
		}
		fb.WriteString(w)
	}
	fb.WriteString("!")
	s := sb.String()
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s, fb.String()
}

func TestBenchTexts(t *testing.T) {
	for _, n := range []int{1 << 10, 16 << 10, 64 << 10} {
		s, f := benchTexts(n)
		if len(s) > n || len(s) < n-4 || !utf8.ValidString(s) || !utf8.ValidString(f) {
			t.Errorf("benchTexts(%d): %d and %d bytes", n, len(s), len(f))
		}
		if n == 1<<10 {
			checkDistance(t, &levenshtein{}, s, f)
		}
	}
}
