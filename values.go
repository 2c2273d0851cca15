package convometrics

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/shopspring/decimal"
)

// Rate is a ratio reported with its parts, so that 0/0 stays visible as "no
// data" instead of passing for 0%. Parts are float64 because some numerators
// are fractional (attributed conversions); counts are exact integers in them.
type Rate struct {
	Numerator   float64 `json:"numerator"`
	Denominator float64 `json:"denominator"`
}

// RateOf returns num/den as a Rate.
func RateOf[N int | int64 | float64](num, den N) Rate {
	return Rate{Numerator: float64(num), Denominator: float64(den)}
}

// Value returns Numerator/Denominator and true, or 0 and false when the
// denominator is 0.
func (r Rate) Value() (float64, bool) {
	if r.Denominator == 0 {
		return 0, false
	}
	return r.Numerator / r.Denominator, true
}

// Percent formats the rate as a percentage with two decimals ("12.50%"), or
// "n/a" for 0/0.
func (r Rate) Percent() string {
	v, ok := r.Value()
	if !ok {
		return "n/a"
	}
	return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
}

// MarshalJSON adds the value (null for 0/0) next to the parts.
func (r Rate) MarshalJSON() ([]byte, error) {
	v, ok := r.Value()
	out := struct {
		Numerator   float64  `json:"numerator"`
		Denominator float64  `json:"denominator"`
		Value       *float64 `json:"value"`
	}{r.Numerator, r.Denominator, nil}
	if ok {
		out.Value = &v
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the parts and ignores the value.
func (r *Rate) UnmarshalJSON(b []byte) error {
	var in struct {
		Numerator   float64 `json:"numerator"`
		Denominator float64 `json:"denominator"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	r.Numerator, r.Denominator = in.Numerator, in.Denominator
	return nil
}

// Money is an exact amount in one currency.
type Money struct {
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency"`
}

// String formats m as "129.90 TRY", with the currency's minor units.
func (m Money) String() string {
	return m.Amount.StringFixed(int32(MinorUnits(m.Currency))) + " " + m.Currency
}

// Amounts holds money per currency. Amounts in different currencies are never
// added together. The zero value (nil) is empty and ready to read; use
// [Amounts.Add] on a map made with make or returned by a previous Add.
// JSON is an object keyed by currency with decimal strings as values.
type Amounts map[string]decimal.Decimal

// Add adds amount in currency to a and returns a (allocating it when nil).
// Like append, it changes a in place: copy with [Amounts.Clone] first to
// keep the original.
func (a Amounts) Add(currency string, amount decimal.Decimal) Amounts {
	if a == nil {
		a = make(Amounts)
	}
	if cur, ok := a[currency]; ok {
		a[currency] = cur.Add(amount)
	} else {
		a[currency] = amount // no rescaling against a zero
	}
	return a
}

// Clone returns a copy of a that shares nothing with it (nil for nil).
func (a Amounts) Clone() Amounts {
	if a == nil {
		return nil
	}
	return maps.Clone(a)
}

// Merge adds every amount of b to a and returns a. It changes a in place,
// as Add does.
func (a Amounts) Merge(b Amounts) Amounts {
	for c, v := range b {
		a = a.Add(c, v)
	}
	return a
}

// Currencies returns the currencies held, sorted.
func (a Amounts) Currencies() []string { return slices.Sorted(maps.Keys(a)) }

// Equal reports whether a and b hold the same amounts (by value; a currency
// absent equals zero).
func (a Amounts) Equal(b Amounts) bool {
	for c, v := range a {
		if !v.Equal(b[c]) {
			return false
		}
	}
	for c, v := range b {
		if !v.Equal(a[c]) {
			return false
		}
	}
	return true
}

// String formats the amounts as "12.50 EUR, 129.90 TRY" (sorted by currency),
// or "0" when empty.
func (a Amounts) String() string {
	if len(a) == 0 {
		return "0"
	}
	s := ""
	for i, c := range a.Currencies() {
		if i > 0 {
			s += ", "
		}
		s += Money{a[c], c}.String()
	}
	return s
}

// MinorUnits returns the number of decimals of currency's minor unit per ISO
// 4217 (2 for most, 0 for JPY or KRW, 3 for KWD or TND). Unknown codes get 2.
func MinorUnits(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
		"UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	case "CLF", "UYW":
		return 4
	}
	return 2
}
