package session

import (
	"math"
	"testing"

	cm "github.com/convometrics/convometrics"
)

func TestAccuracyOnCodePoints(t *testing.T) {
	for _, c := range []struct {
		suggested, final string
		want             float64
	}{
		{"Merhaba!", "Merhaba!", 1},
		// "Merhaba!" (8 code points) → "Merhaba! 🙂" (10): two insertions,
		// 1 − 2/10
		{"Merhaba!", "Merhaba! 🙂", 0.8},
		// one substitution in four code points
		{"café", "cafe", 0.75},
		// precomposed é (1 code point) against e + combining acute (2):
		// substitute and insert, 1 − 2/5; no normalisation
		{"café", "cafe\u0301", 0.6},
		// ✔️ is a check mark and a variation selector: 1 − 1/2
		{"✔️", "✔", 0.5},
		// Ş and ş differ (no case folding): 1 − 1/6
		{"Şimdi!", "şimdi!", 1 - 1.0/6},
		// nothing sent: 1 − 5/5
		{"hello", "", 0},
		{"", "", 1},
		// kitten → sitting: the classic distance 3, max length 7
		{"kitten", "sitting", 1 - 3.0/7},
	} {
		if got := Accuracy(c.suggested, c.final); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Accuracy(%q, %q) = %v, want %v", c.suggested, c.final, got, c.want)
		}
	}
}

// Usage counts every suggestion; accuracy leaves translated ones out.
func TestAssistUsageAndAccuracy(t *testing.T) {
	f := &fx{tenant: "t"}
	sug := func(contact, agent, tm, s, final string, translated bool) {
		f.add(cm.AssistSuggestion, contact, ts(2, 9, len(f.evs)), byAgent(agent), team(tm), func(e *cm.Event) {
			e.Suggested, e.Final, e.Translated = s, final, translated
			e.Inbox = ""
		})
	}
	sug("c1", "ann", "sales", "Merhaba!", "Merhaba!", false)                // 1
	sug("c1", "ann", "sales", "Merhaba!", "Merhaba! 🙂", false)              // 0.8
	sug("c2", "ann", "sales", "Vielen Dank!", "Thank you very much!", true) // translated
	sug("c3", "bob", "care", "café", "cafe", false)                         // 0.75
	sug("t1", "bob", "care", "x", "y", false)                               // test traffic
	f.evs[len(f.evs)-1].Channel = cm.ChannelTest
	_, _, as := results(t, f.evs, week("t"))
	if len(as.Agents) != 2 {
		t.Fatalf("agents %+v", as.Agents)
	}
	ann, bob := as.Agents[0], as.Agents[1]
	eqInts(t, "ann usage", ann.Usage, 3)
	if ann.Translated != 1 {
		t.Errorf("ann translated %d", ann.Translated)
	}
	// (1 + 0.8) / 2
	eqRate(t, "ann accuracy", ann.Accuracy, 1.8, 2)
	eqInts(t, "bob usage", bob.Usage, 1)
	eqRate(t, "bob accuracy", bob.Accuracy, 0.75, 1)
	// everyone: (1 + 0.8 + 0.75) / 3 = 0.85
	eqInts(t, "all usage", as.All.Usage, 4)
	if v, _ := as.All.Accuracy.Value(); math.Abs(v-0.85) > 1e-12 || as.All.Accuracy.Denominator != 3 {
		t.Errorf("all accuracy %v", as.All.Accuracy)
	}
	if len(as.Teams) != 2 || as.Teams[1].Name != "sales" || as.Teams[1].Usage.Total != 3 {
		t.Errorf("teams %+v", as.Teams)
	}
}
