package convometrics

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"
)

// Table is a flat view of a result for export: every engine offers its
// results as tables (for CSV and text) next to its typed result structs (for
// JSON). Cells are already formatted: counts as integers, durations in
// seconds, rates as decimals between 0 and 1, money as decimal strings with a
// separate currency column.
type Table struct {
	Name    string     `json:"name"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// WriteCSV writes the header and the rows as RFC 4180 CSV.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	return cw.Error()
}

// WriteText writes the table for people: its name, then aligned columns.
// Cells that look numeric are right-aligned.
func (t Table) WriteText(w io.Writer) error {
	width := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		width[i] = utf8.RuneCountInString(c)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			if i < len(width) {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	var b strings.Builder
	if t.Name != "" {
		b.WriteString(t.Name)
		b.WriteByte('\n')
	}
	line := func(cells []string) {
		for i := range width {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if numeric(c) {
				b.WriteString(pad)
				b.WriteString(c)
			} else {
				b.WriteString(c)
				if i < len(width)-1 {
					b.WriteString(pad)
				}
			}
		}
		b.WriteByte('\n')
	}
	line(t.Columns)
	for _, r := range t.Rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func numeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '%' && c != ',' {
			return false
		}
	}
	return true
}
