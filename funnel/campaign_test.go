package funnel_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// day returns t0's date plus d days at h:m UTC.
func day(d, h, m int) time.Time { return time.Date(2026, 11, 2+d, h, m, 0, 0, time.UTC) }

// campaignFixture deploys campaign bf (versions 1 and 2), a broadcast
// and a second campaign; the comments give each deployment's outcome.
func campaignFixture() []cm.Event {
	var x fixture
	send := func(c, msg, camp, ver string, when time.Time, opts ...opt) {
		x.add(c, when, cm.MessageSent, append([]opt{sender(cm.SenderCampaign), campaign(camp), version(ver), message(msg), template("offer")}, opts...)...)
	}
	st := func(c, msg string, s cm.Status, when time.Time, opts ...opt) {
		x.add(c, when, cm.MessageStatus, append([]opt{message(msg), status(s)}, opts...)...)
	}
	target := func(c, ver string, when time.Time, kv ...string) {
		x.add(c, when, cm.CampaignTargeted, campaign("bf"), version(ver), attrs(kv...))
	}
	// c1: read, answered with a button (reply_to), its flow completed:
	// read, responded, finished, variables from targeting and the flow.
	target("c1", "1", day(0, 10, 0), "first_name", "Ann", "coupon", "C1")
	send("c1", "m1", "bf", "1", day(0, 10, 1), flow("shop"))
	st("c1", "m1", cm.StatusSent, day(0, 10, 2))
	st("c1", "m1", cm.StatusDelivered, day(0, 10, 3))
	st("c1", "m1", cm.StatusRead, day(0, 10, 5))
	x.add("c1", day(0, 10, 10), cm.MessageReceived, replyTo("m1"), message("in1"))
	x.add("c1", t0.Add(10*time.Minute+30*time.Second), cm.MessageSent, message("bot1"))
	x.add("c1", day(0, 10, 11), cm.FlowNode, node("shop", "size"), attrs("size", "M"))
	x.add("c1", day(0, 10, 12), cm.FlowCompleted, flow("shop"))
	// c2: read without delivered: read. No response.
	target("c2", "1", day(0, 10, 0), "first_name", "Bo")
	send("c2", "m2", "bf", "1", day(0, 10, 1))
	st("c2", "m2", cm.StatusRead, day(0, 10, 3))
	// c3: sent twice (a re-delivered webhook), then failed with 131049:
	// failed, recipient.
	target("c3", "1", day(0, 10, 0))
	send("c3", "m3", "bf", "1", day(0, 10, 1))
	st("c3", "m3", cm.StatusSent, day(0, 10, 2))
	st("c3", "m3", cm.StatusSent, day(0, 10, 2))
	st("c3", "m3", cm.StatusFailed, day(0, 10, 4), errorCode("131049"))
	// c4: read then delivered (out of order): read. An unquoted inbound
	// message 2 hours later answers it; the flow does not complete:
	// in flow.
	target("c4", "1", day(0, 10, 0))
	send("c4", "m4", "bf", "1", day(0, 10, 1), flow("shop"))
	st("c4", "m4", cm.StatusRead, day(0, 10, 6))
	st("c4", "m4", cm.StatusDelivered, day(0, 10, 3))
	x.add("c4", day(0, 12, 0), cm.MessageReceived)
	// c5: targeted, never sent: in process.
	target("c5", "1", day(0, 10, 0))
	// Broadcast "notice" to c9, no targeting and no version: failed with
	// 130429 (rate limit).
	x.add("c9", day(0, 13, 0), cm.MessageSent, sender(cm.SenderBroadcast), campaign("notice"), message("m9"), template("notice"))
	st("c9", "m9", cm.StatusFailed, day(0, 13, 1), errorCode("130429"))
	// Version 2.
	// c6: sent, no status, but answered (reply_to): delivered, responded;
	// no flow, so finished when the conversation is resolved.
	target("c6", "2", day(1, 11, 0))
	send("c6", "m6", "bf", "2", day(1, 11, 1))
	x.add("c6", day(1, 12, 0), cm.MessageReceived, replyTo("m6"))
	x.add("c6", day(1, 12, 30), cm.ConversationResolved)
	// c7: sent; an unquoted message 25 hours later is no response: sent.
	target("c7", "2", day(1, 11, 0))
	send("c7", "m7", "bf", "2", day(1, 11, 1))
	st("c7", "m7", cm.StatusSent, day(1, 11, 2))
	x.add("c7", day(2, 12, 5), cm.MessageReceived)
	// c8: its delivered status arrived without a contact: delivered.
	target("c8", "2", day(1, 11, 0))
	send("c8", "m8", "bf", "2", day(1, 11, 1))
	st("", "m8", cm.StatusDelivered, day(1, 11, 3))
	// c10: deployed in both versions of bf, each sent, neither answered:
	// one user of bf, one of each version, two deployments.
	target("c10", "1", day(0, 10, 0))
	send("c10", "m10a", "bf", "1", day(0, 10, 1))
	st("c10", "m10a", cm.StatusSent, day(0, 10, 2))
	target("c10", "2", day(1, 11, 0))
	send("c10", "m10b", "bf", "2", day(1, 11, 1))
	st("c10", "m10b", cm.StatusSent, day(1, 11, 2))
	// c1 again on day 2, campaign winback: answered within 24 hours
	// (unquoted), so delivered and responded; it ends c1's bf window.
	x.add("c1", day(2, 9, 0), cm.MessageSent, sender(cm.SenderCampaign), campaign("winback"), version("1"), message("w1"))
	x.add("c1", day(2, 9, 30), cm.MessageReceived)
	// Test traffic and another tenant stay out.
	x.add("c1", day(0, 10, 0), cm.CampaignTargeted, campaign("bf"), version("1"), channel(cm.ChannelTest))
	x.add("c1", day(0, 10, 0), cm.CampaignTargeted, campaign("bf"), version("1"), tenant("other"))
	return x.evs
}

var campaignRange = cm.Range{From: day(0, 0, 0), To: day(3, 0, 0)}

func failedBy(kv ...any) map[funnel.FailureGroup]int {
	m := map[funnel.FailureGroup]int{}
	for _, g := range funnel.FailureGroups() {
		m[g] = 0
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(funnel.FailureGroup)] = kv[i+1].(int)
	}
	return m
}

func TestCampaignSummary(t *testing.T) {
	evs := campaignFixture()
	for name, r := range readers(t, evs) {
		res, err := funnel.Campaigns(context.Background(), r, funnel.CampaignQuery{Tenant: "t", Range: campaignRange})
		if err != nil {
			t.Fatal(err)
		}
		dc := func(users, deployments, sent, inProcess, failed, delivered, read, responses int, fb map[funnel.FailureGroup]int) funnel.DeploymentCounts {
			return funnel.DeploymentCounts{Users: users, Deployments: deployments, Sent: sent, InProcess: inProcess, Failed: failed, FailedBy: fb,
				Delivered: delivered, Read: read, Responses: responses, ResponseRate: cm.RateOf(responses, sent)}
		}
		want := []funnel.CampaignSummary{
			{
				Campaign: "bf",
				// All versions: users c1..c8 and c10 = 9 (c10 once,
				// though deployed in v1 and v2); deployments 5 in v1 + 5
				// in v2 = 10; sent c1 c2 c4 c10 (v1) + c6 c7 c8 c10 (v2)
				// = 8; in process c5; failed c3 (8 + 1 + 1 = 10
				// deployments); delivered c1 c2 c4 c6 c8 = 5; read c1 c2
				// c4 = 3; responses c1 c4 c6 = 3; rate 3/8.
				DeploymentCounts: dc(9, 10, 8, 1, 1, 5, 3, 3, failedBy(funnel.FailRecipient, 1)),
				Versions: []funnel.VersionCounts{
					// v1: c1..c5 and c10 = 6 users, 6 deployments: sent c1
					// c2 c4 c10 = 4; responses c1 c4: 2/4.
					{Version: "1", DeploymentCounts: dc(6, 6, 4, 1, 1, 3, 3, 2, failedBy(funnel.FailRecipient, 1))},
					// v2: c6 c7 c8 c10 = 4 users, 4 deployments, all sent;
					// delivered c6 c8; response c6: 1/4.
					{Version: "2", DeploymentCounts: dc(4, 4, 4, 0, 0, 2, 0, 1, failedBy())},
				},
			},
			{Campaign: "notice", DeploymentCounts: dc(1, 1, 0, 0, 1, 0, 0, 0, failedBy(funnel.FailRateLimit, 1)),
				Versions: []funnel.VersionCounts{{Version: "", DeploymentCounts: dc(1, 1, 0, 0, 1, 0, 0, 0, failedBy(funnel.FailRateLimit, 1))}}},
			{Campaign: "winback", DeploymentCounts: dc(1, 1, 1, 0, 0, 1, 0, 1, failedBy()),
				Versions: []funnel.VersionCounts{{Version: "1", DeploymentCounts: dc(1, 1, 1, 0, 0, 1, 0, 1, failedBy())}}},
		}
		if d := cmp.Diff(want, res.Campaigns); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	// Only one campaign and version.
	res, err := funnel.Campaigns(context.Background(), store(t, evs), funnel.CampaignQuery{Tenant: "t", Range: campaignRange, Campaign: "bf", Version: "2"})
	if err != nil {
		t.Fatal(err)
	}
	// v2: c6 c7 c8 c10.
	if len(res.Campaigns) != 1 || res.Campaigns[0].Users != 4 {
		t.Errorf("bf v2 only: %+v", res.Campaigns)
	}
	// A range starting on day 1 leaves out the day-0 deployments (bf's
	// users are then v2's c6 c7 c8 c10 = 4); c1's day-0 deployment still
	// ends where winback begins.
	res, _ = funnel.Campaigns(context.Background(), store(t, evs), funnel.CampaignQuery{Tenant: "t", Range: cm.Range{From: day(1, 0, 0), To: day(3, 0, 0)}})
	if len(res.Campaigns) != 2 || res.Campaigns[0].Users != 4 || res.Campaigns[1].Campaign != "winback" {
		t.Errorf("from day 1: %+v", res.Campaigns)
	}
	// Users are distinct per campaign in the merged partitions too: c10
	// falls in one partition, its two deployments with it.
	q := funnel.CampaignQuery{Tenant: "t", Range: campaignRange}
	var accs []*funnel.CampaignAccumulator
	for i := 0; i < 3; i++ {
		pq := q
		pq.Partition = cm.Partition{Index: i, Count: 3}
		a, err := funnel.FoldCampaigns(context.Background(), store(t, evs), pq)
		if err != nil {
			t.Fatal(err)
		}
		accs = append(accs, a)
	}
	for i := 1; i < 3; i++ {
		if err := accs[0].Merge(accs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if got := accs[0].Result().Campaigns[0]; got.Users != 9 || got.Deployments != 10 {
		t.Errorf("partitions merged: bf %d users, %d deployments; want 9, 10", got.Users, got.Deployments)
	}
	other, _ := funnel.FoldCampaigns(context.Background(), store(t, evs), funnel.CampaignQuery{Tenant: "t", Range: campaignRange, Campaign: "bf"})
	if err := accs[0].Merge(other); !errors.Is(err, cm.ErrMismatch) {
		t.Errorf("merged accumulators of different campaign filters: %v", err)
	}
}

func TestCampaignUsers(t *testing.T) {
	evs := campaignFixture()
	q := funnel.CampaignQuery{Tenant: "t", Range: campaignRange, Now: day(2, 20, 0)}
	res, err := funnel.CampaignUsers(context.Background(), store(t, evs), q)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		contact, campaign string
		status            funnel.DeploymentStatus
		stage             funnel.Stage
		session           funnel.SessionStatus
		last              time.Time
		code              string
	}
	var got []row
	for _, u := range res.Users {
		got = append(got, row{u.Contact, u.Campaign, u.Status, u.Stage, u.Session, u.LastActivity, u.ErrorCode})
	}
	// Sessions at day 2 20:00: open for c1 (inbound at day 2 09:30) and c7
	// (day 2 12:05), closed for the others. Last activity: the last
	// inbound message in the deployment's window (c1's bf window ends at
	// the winback send).
	want := []row{
		{"c1", "bf", funnel.Read, funnel.StageFinished, funnel.SessionOpen, day(0, 10, 10), ""},
		{"c10", "bf", funnel.Sent, funnel.StageNone, funnel.SessionClosed, time.Time{}, ""},
		{"c2", "bf", funnel.Read, funnel.StageNone, funnel.SessionClosed, time.Time{}, ""},
		{"c3", "bf", funnel.Failed, funnel.StageNone, funnel.SessionClosed, time.Time{}, "131049"},
		{"c4", "bf", funnel.Read, funnel.StageInFlow, funnel.SessionClosed, day(0, 12, 0), ""},
		{"c5", "bf", funnel.InProcess, funnel.StageNone, funnel.SessionClosed, time.Time{}, ""},
		{"c9", "notice", funnel.Failed, funnel.StageNone, funnel.SessionClosed, time.Time{}, "130429"},
		{"c10", "bf", funnel.Sent, funnel.StageNone, funnel.SessionClosed, time.Time{}, ""},
		{"c6", "bf", funnel.Delivered, funnel.StageFinished, funnel.SessionClosed, day(1, 12, 0), ""},
		{"c7", "bf", funnel.Sent, funnel.StageNone, funnel.SessionOpen, day(2, 12, 5), ""},
		{"c8", "bf", funnel.Delivered, funnel.StageNone, funnel.SessionClosed, time.Time{}, ""},
		{"c1", "winback", funnel.Delivered, funnel.StageInFlow, funnel.SessionOpen, day(2, 9, 30), ""},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(row{}), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
		t.Errorf("users (-want +got):\n%s", d)
	}
	c1 := res.Users[0]
	if !maps.Equal(c1.Variables, map[string]string{"first_name": "Ann", "coupon": "C1", "size": "M"}) || !c1.Responded.Equal(day(0, 10, 10)) {
		t.Errorf("c1: variables %v, responded %s", c1.Variables, c1.Responded)
	}
	if !res.Now.Equal(day(2, 20, 0)) {
		t.Errorf("now %s", res.Now)
	}
	if c3 := res.Users[3]; c3.FailureGroup != funnel.FailRecipient {
		t.Errorf("c3 failure group %q", c3.FailureGroup)
	}
	// Filters.
	for _, c := range []struct {
		edit func(*funnel.CampaignQuery)
		want []string
	}{
		{func(q *funnel.CampaignQuery) { q.Status = funnel.Read }, []string{"c1", "c2", "c4"}},
		{func(q *funnel.CampaignQuery) { q.Stage = funnel.StageFinished }, []string{"c1", "c6"}},
		{func(q *funnel.CampaignQuery) { q.Session = funnel.SessionOpen }, []string{"c1", "c7", "c1"}},
		{func(q *funnel.CampaignQuery) { q.Status, q.Campaign = funnel.Delivered, "bf" }, []string{"c6", "c8"}},
	} {
		fq := q
		c.edit(&fq)
		res, err := funnel.CampaignUsers(context.Background(), store(t, evs), fq)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range res.Users {
			names = append(names, u.Contact)
		}
		if !slices.Equal(names, c.want) {
			t.Errorf("filter %+v: %v, want %v", fq, names, c.want)
		}
	}
	r := campaignRange
	long := cm.Range{From: day(0, 0, 0), To: day(91, 0, 0)}
	for _, c := range []struct {
		q    funnel.CampaignQuery
		want string
		is   error
	}{
		{funnel.CampaignQuery{Tenant: "t", Range: r, Status: "lost"}, `funnel: status: unknown value "lost"`, cm.ErrUnknownValue},
		{funnel.CampaignQuery{Tenant: "t", Range: r, Stage: "middle"}, `funnel: stage: unknown value "middle"`, cm.ErrUnknownValue},
		{funnel.CampaignQuery{Tenant: "t", Range: r, Session: "ajar"}, `funnel: session: unknown value "ajar"`, cm.ErrUnknownValue},
		{funnel.CampaignQuery{Tenant: "t", Range: r, Version: "2"}, "funnel: version: invalid value", cm.ErrInvalidValue},
		{funnel.CampaignQuery{Range: r}, "funnel: tenant: tenant required", cm.ErrNoTenant},
		// An open range is refused, and so is one of 91 days (day 0 to
		// day 90 inclusive) unless AllowLongRange.
		{funnel.CampaignQuery{Tenant: "t"}, "funnel: range: empty range", cm.ErrEmptyRange},
		{funnel.CampaignQuery{Tenant: "t", Range: long}, "funnel: range: range too long: [2026-11-02T00:00:00Z, 2027-02-01T00:00:00Z) spans 91 days", cm.ErrRangeTooLong},
		{funnel.CampaignQuery{Tenant: "t", Range: r, Partition: cm.Partition{Index: 3, Count: 2}}, "funnel: partition:", cm.ErrInvalidValue},
	} {
		_, err := funnel.CampaignUsers(context.Background(), store(t, nil), c.q)
		if !errors.Is(err, c.is) || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("query %+v: %v, want %q", c.q, err, c.want)
		}
	}
	ok := funnel.CampaignQuery{Tenant: "t", Range: long, AllowLongRange: true}
	if _, err := funnel.CampaignUsers(context.Background(), store(t, nil), ok); err != nil {
		t.Errorf("a long range with allow_long_range: %v", err)
	}
}

func TestMessageHistory(t *testing.T) {
	evs := campaignFixture()
	h, err := funnel.MessageHistory(context.Background(), store(t, evs), funnel.HistoryQuery{Tenant: "t", Range: campaignRange, Contact: "c1", Campaign: "bf"})
	if err != nil {
		t.Fatal(err)
	}
	// c1's bf window runs from its targeting (day 0 10:00) to the winback
	// send (day 2 09:00): the template (read), the reply, the bot's answer.
	type msg struct {
		id     string
		dir    string
		status cm.Status
	}
	var got []msg
	for _, m := range h.Messages {
		got = append(got, msg{m.Message, m.Direction, m.Status})
	}
	want := []msg{{"m1", "outbound", cm.StatusRead}, {"in1", "inbound", ""}, {"bot1", "outbound", ""}}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(msg{})); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	if !h.Deployed.Equal(day(0, 10, 0)) || h.Version != "1" {
		t.Errorf("deployment %s version %q", h.Deployed, h.Version)
	}
	_, err = funnel.MessageHistory(context.Background(), store(t, evs), funnel.HistoryQuery{Tenant: "t", Range: campaignRange, Contact: "c2", Campaign: "winback"})
	if !errors.Is(err, funnel.ErrNoDeployment) {
		t.Errorf("no deployment: %v", err)
	}
}

func TestFailureGroups(t *testing.T) {
	for code, want := range map[string]funnel.FailureGroup{
		"131049": funnel.FailRecipient, "131050": funnel.FailRecipient, "131026": funnel.FailRecipient,
		"130429": funnel.FailRateLimit, "131056": funnel.FailRateLimit, "131048": funnel.FailRateLimit,
		"132001": funnel.FailTemplate, "132015": funnel.FailTemplate,
		"131042": funnel.FailAccount, "133010": funnel.FailAccount, "190": funnel.FailAccount, "250": funnel.FailAccount,
		"131047": funnel.FailWindowPolicy, "470": funnel.FailWindowPolicy, "131009": funnel.FailWindowPolicy,
		"131000": funnel.FailTransient, "133004": funnel.FailTransient, "2494100": funnel.FailTransient,
		"": funnel.FailUnknown, "999999": funnel.FailUnknown, "card_declined": funnel.FailUnknown,
	} {
		if got := funnel.FailureGroupOf(code); got != want {
			t.Errorf("%q: %s, want %s", code, got, want)
		}
	}
}
