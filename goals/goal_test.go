package goals_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
)

func TestParseGoals(t *testing.T) {
	f, err := os.Open("testdata/demo_goals.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gs, err := goals.ParseGoals(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 5 || gs[0].Name != "appointment" || len(gs[0].When.Any) != 4 || gs[4].When.Seq[1].Never == nil {
		t.Errorf("parsed %+v", gs)
	}
	// The array form is accepted too.
	gs, err = goals.ParseGoals(strings.NewReader(`[{"name": "n", "when": {"goal": "newsletter_signup"}}]`))
	if err != nil || len(gs) != 1 || gs[0].When.Goal != "newsletter_signup" {
		t.Errorf("array form: %v %+v", err, gs)
	}
}

func TestParseGoalsErrors(t *testing.T) {
	cases := []struct {
		json string
		want string
		err  error
	}{
		{`{"goals": [{"name": "x", "when": {"node": {"flow": "f"}}}]}`, "goals: goals[0].when.node.node: required", cm.ErrRequired},
		{`{"goals": [{"when": {"goal": "g"}}]}`, "goals: goals[0].name: required", cm.ErrRequired},
		{`{"goals": [{"name": "x", "when": {}}]}`, "goals: goals[0].when: required: one of node, event, goal, all, any, seq or never", cm.ErrRequired},
		{`{"goals": [{"name": "x", "when": {"seq": [{"goal": "a"}, {"event": {"type": "cart"}}]}}]}`,
			`goals: goals[0].when.seq[1].event.type: unknown value: "cart"`, cm.ErrUnknownValue},
		{`{"goals": [{"name": "x", "when": {"goal": "a", "node": {"flow": "f", "node": "n"}}}]}`,
			"goals: goals[0].when: invalid value: more than one of node, goal set", cm.ErrInvalidValue},
		{`{"goals": [{"name": "x", "when": {"never": {"goal": "a"}}}]}`, "goals: goals[0].when.never: never must stand", goals.ErrNeverMisplaced},
		{`{"goals": [{"name": "x", "when": {"all": [{"never": {"goal": "a"}}]}}]}`, "goals[0].when.all: never must stand inside all (next to a positive condition) or seq: all lists only never conditions", goals.ErrNeverMisplaced},
		{`{"goals": [{"name": "x", "when": {"any": [{"never": {"goal": "a"}}, {"goal": "b"}]}}]}`, "goals[0].when.any[0].never:", goals.ErrNeverMisplaced},
		{`{"goals": [{"name": "x", "when": {"all": [{"goal": "b"}, {"never": {"never": {"goal": "a"}}}]}}]}`, "goals[0].when.all[1].never: never must stand inside all (next to a positive condition) or seq: never inside never", goals.ErrNeverMisplaced},
		{`{"goals": [{"name": "x", "when": {"seq": [{"all": [{"goal": "a"}]}]}}]}`, "goals[0].when.seq[0].all: seq steps must be", goals.ErrSeqStep},
		{`{"goals": [{"name": "x", "when": {"seq": [{"any": [{"seq": [{"goal": "a"}]}]}]}}]}`, "goals[0].when.seq[0].any[0].seq: seq steps must be", goals.ErrSeqStep},
		{`{"goals": [{"name": "x", "when": {"seq": [{"never": {"all": [{"goal": "a"}]}}, {"goal": "b"}]}}]}`, "goals[0].when.seq[0].never.all:", goals.ErrSeqStep},
		{`{"goals": [{"name": "x", "when": {"seq": [{"never": {"goal": "a"}}]}}]}`, "goals[0].when.seq: required: at least one step that is not never", cm.ErrRequired},
		{`{"goals": [{"name": "x", "when": {"any": []}}]}`, "goals[0].when.any: required", cm.ErrRequired},
		{`{"goals": [{"name": "x", "when": {"event": {"type": "payment.succeeded", "match": {"colour": "red"}}}}]}`,
			`goals[0].when.event.match: unknown value: field "colour"`, cm.ErrUnknownValue},
		{`{"goals": [{"name": "x", "when": {"event": {"type": "payment.succeeded", "match": {"id": "e1"}}}}]}`,
			`goals[0].when.event.match: unknown value: field "id"`, cm.ErrUnknownValue},
		{`{"goals": [{"name": "x", "when": {"event": {"type": "payment.succeeded", "match": {"attrs.": "v"}}}}]}`,
			`goals[0].when.event.match: invalid value: "attrs." names no key`, cm.ErrInvalidValue},
		{`{"goals": [{"name": "x", "when": {"event": {"match": {"flow": "f"}}}}]}`, "goals[0].when.event.type: required", cm.ErrRequired},
		{`{"goals": [{"name": "x", "when": {"goal": "a"}}, {"name": "x", "when": {"goal": "b"}}]}`,
			`goals: goals[1].name: duplicate goal name: "x" (also goals[0])`, goals.ErrDuplicateGoal},
		{`{"goals": [{"name": "x", "when": {"goal": "a"}, "colour": "red"}]}`, `unknown field "colour"`, cm.ErrSyntax},
		{`{"goals": []}`, "goals: goals: required: no goal defined", cm.ErrRequired},
		{`{"goals": [{"name": "x", "when": {"goal": "a"}}]} {}`, "more than one JSON value", cm.ErrSyntax},
		{`{"goals": [`, "malformed JSON", cm.ErrSyntax},
	}
	for _, tc := range cases {
		_, err := goals.ParseGoals(strings.NewReader(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
			t.Errorf("%s:\n error %v\n want %q wrapping %v", tc.json, err, tc.want, tc.err)
		}
	}
}
