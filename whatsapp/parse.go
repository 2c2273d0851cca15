package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/e164"
	"github.com/shopspring/decimal"
)

// Object is the value of the "object" key of every WhatsApp Business
// Account notification.
const Object = "whatsapp_business_account"

// Options says how webhooks become events. The zero value works: each
// WhatsApp Business Account (WABA) is its own tenant, named by its WABA id,
// and contacts are stored as sent (phone numbers without "+").
type Options struct {
	// Tenants routes webhooks to tenants: a key is a business phone number
	// id (metadata.phone_number_id) or a WABA id (entry[].id), the value the
	// tenant. The phone number id is looked up first.
	Tenants map[string]string `json:"tenants,omitempty"`
	// Tenant is the tenant of webhooks Tenants does not route. Empty means
	// the WABA id (entry[].id) is the tenant; a webhook without one is then
	// rejected with [ErrUnknownTenant].
	Tenant string `json:"tenant,omitempty"`

	// ContactKeys turns pseudonymisation on when it is not nil: contacts
	// (phone numbers, business-scoped user ids, group participants) are
	// replaced by [Pseudonym] under the key of their tenant before any event
	// leaves the parser, so stored analytics never hold them. The key of
	// tenant "" is the default for tenants without their own. Every tenant a
	// webhook can be routed to must have a key, and keys are at least
	// [MinKeyLen] bytes. The country is taken from the number first (see
	// [cm.Event.Country]). It is not serialised: keys are secrets.
	ContactKeys map[string][]byte `json:"-"`
	// HashMessageIDs, with ContactKeys, also replaces WhatsApp message ids
	// (wamids, which embed the user's number in base64) by their pseudonyms,
	// in message, reply_to and event ids. The host must then pseudonymise
	// the message ids of its own message.sent events alike for statuses and
	// replies to join them. It is an error without ContactKeys.
	HashMessageIDs bool `json:"hash_message_ids,omitempty"`
}

// Validate reports options a [Parser] cannot work with: empty or overlong
// route keys and tenants, short contact keys, a routable tenant without a
// contact key, HashMessageIDs without ContactKeys.
func (o *Options) Validate() error {
	var errs []error
	if o.Tenant != "" {
		if err := checkTenant(o.Tenant); err != nil {
			errs = append(errs, fmt.Errorf("whatsapp: options: tenant: %w", err))
		}
	}
	for k, t := range o.Tenants {
		switch {
		case k == "":
			errs = append(errs, fmt.Errorf("whatsapp: options: tenants: empty phone number or WABA id: %w", cm.ErrInvalidValue))
		case t == "":
			errs = append(errs, fmt.Errorf("whatsapp: options: tenants[%q]: %w", k, cm.ErrRequired))
		default:
			if err := checkTenant(t); err != nil {
				errs = append(errs, fmt.Errorf("whatsapp: options: tenants[%q]: %w", k, err))
			}
		}
	}
	if o.ContactKeys != nil {
		for t, k := range o.ContactKeys {
			if len(k) < MinKeyLen {
				errs = append(errs, fmt.Errorf("whatsapp: options: contact key of tenant %q: %w: %d bytes, want at least %d", t, cm.ErrInvalidValue, len(k), MinKeyLen))
			}
		}
		_, haveDefault := o.ContactKeys[""]
		need := func(t, why string) {
			if _, ok := o.ContactKeys[t]; !ok && !haveDefault {
				errs = append(errs, fmt.Errorf("whatsapp: options: contact keys: no key for tenant %q (%s) and no default key (tenant \"\"): %w", t, why, cm.ErrRequired))
			}
		}
		if o.Tenant == "" {
			need("", "tenants named by WABA id")
		} else {
			need(o.Tenant, "the default tenant")
		}
		for k, t := range o.Tenants {
			if t != "" {
				need(t, "routed from "+k)
			}
		}
	} else if o.HashMessageIDs {
		errs = append(errs, fmt.Errorf("whatsapp: options: hash_message_ids needs contact keys: %w", cm.ErrInvalidValue))
	}
	return errors.Join(errs...)
}

func checkTenant(t string) error {
	if len(t) > cm.MaxIDLen || !utf8.ValidString(t) {
		return fmt.Errorf("%w: not valid UTF-8 of at most %d bytes", cm.ErrInvalidValue, cm.MaxIDLen)
	}
	return nil
}

// Parser turns webhook bodies into events. It holds no state between
// bodies, and is safe for concurrent use.
type Parser struct {
	tenants map[string]string
	tenant  string
	keys    map[string]*keyedHasher // nil: no pseudonymisation
	hashIDs bool
}

// NewParser returns a parser with the given options, or the error of
// [Options.Validate].
func NewParser(opts Options) (*Parser, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	p := &Parser{tenant: opts.Tenant, hashIDs: opts.HashMessageIDs}
	if len(opts.Tenants) > 0 {
		p.tenants = make(map[string]string, len(opts.Tenants))
		for k, v := range opts.Tenants {
			p.tenants[k] = v
		}
	}
	if opts.ContactKeys != nil {
		p.keys = make(map[string]*keyedHasher, len(opts.ContactKeys))
		for t, k := range opts.ContactKeys {
			p.keys[t] = newKeyedHasher(k)
		}
	}
	return p, nil
}

// Result is what one webhook body holds.
type Result struct {
	// Events are the events of the body, in the order of the body (entries,
	// then changes, then each value's messages and then its statuses). Each
	// passes [cm.Event.Validate].
	Events []cm.Event `json:"events,omitempty"`
	// Errors are the errors WhatsApp reported at value level
	// (entry[].changes[].value.errors[]), which belong to no message.
	Errors []PlatformError `json:"errors,omitempty"`
	// Ignored lists the parts of the body that give no event, with why.
	Ignored []Ignored `json:"ignored,omitempty"`
}

// PlatformError is an error WhatsApp reported in a webhook value without a
// message it belongs to, such as 130429 (rate limit hit). Errors tied to a
// message arrive as a failed status instead. It implements error so that a
// host can return or wrap it; it is data the parser reports, never a parse
// failure.
type PlatformError struct {
	Tenant        string `json:"tenant"`
	WABA          string `json:"waba,omitempty"`            // entry[].id
	PhoneNumberID string `json:"phone_number_id,omitempty"` // metadata.phone_number_id
	Code          int64  `json:"code"`
	Title         string `json:"title,omitempty"`
	Message       string `json:"message,omitempty"`
	Details       string `json:"details,omitempty"` // error_data.details, or error_data itself when it is a string
	Href          string `json:"href,omitempty"`
}

func (e *PlatformError) Error() string {
	s := "whatsapp: error " + strconv.FormatInt(e.Code, 10)
	if e.Message != "" {
		s += ": " + e.Message
	} else if e.Title != "" {
		s += ": " + e.Title
	}
	if e.Details != "" {
		s += " (" + e.Details + ")"
	}
	return s
}

// Ignored is a part of a body that gives no event.
type Ignored struct {
	Path   string `json:"path"`   // JSON path, e.g. entry[0].changes[1]
	Reason string `json:"reason"` // e.g. field "account_update"; system message "user_changed_number"
}

// Parse reads one webhook body. On error the result is empty: a body gives
// all its events or none. The error is a [*ParseError] (matching
// [ErrMalformed]) for a body that is not a well-formed WhatsApp Business
// Account notification, or wraps [ErrUnknownTenant].
func (p *Parser) Parse(body []byte) (Result, error) {
	var res Result
	if err := p.parse(&res, body); err != nil {
		return Result{}, err
	}
	if len(res.Events) == 0 {
		res.Events = nil
	}
	return res, nil
}

func (p *Parser) parse(res *Result, body []byte) error {
	var w wBody
	if err := json.Unmarshal(body, &w); err != nil {
		return jsonErr("", err)
	}
	if w.Object != Object {
		if w.Object == "" {
			return &ParseError{Path: "object", Err: cm.ErrRequired}
		}
		return &ParseError{Path: "object", Err: fmt.Errorf("%w: %s, want %q", cm.ErrInvalidValue, clip(w.Object), Object)}
	}
	n := 0
	for i := range w.Entry {
		for j := range w.Entry[i].Changes {
			if len(w.Entry[i].Changes[j].Value) > 0 {
				n++
			}
		}
	}
	for i := range w.Entry {
		en := &w.Entry[i]
		for j := range en.Changes {
			ch := &en.Changes[j]
			l := loc{entry: i, change: j}
			if ch.Field != "messages" {
				res.Ignored = append(res.Ignored, Ignored{Path: changePath(i, j), Reason: "field " + strconv.Quote(ch.Field)})
				continue
			}
			if len(ch.Value) == 0 || string(ch.Value) == "null" {
				return &ParseError{Path: l.path(""), Err: cm.ErrRequired}
			}
			var v wValue
			if err := json.Unmarshal(ch.Value, &v); err != nil {
				return jsonErr(l.path(""), err)
			}
			if res.Events == nil && len(v.Messages)+len(v.Statuses) > 0 {
				// Most values carry one message or status; a message may add a cart.
				res.Events = make([]cm.Event, 0, n*(len(v.Messages)+len(v.Statuses)+1))
			}
			if err := p.value(res, l, en.ID, &v); err != nil {
				return err
			}
		}
	}
	return nil
}

func changePath(i, j int) string {
	return "entry[" + strconv.Itoa(i) + "].changes[" + strconv.Itoa(j) + "]"
}

// jsonErr turns an encoding/json error into a *ParseError under prefix (the
// path of the value decoded).
func jsonErr(prefix string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &ParseError{Path: prefix, Err: fmt.Errorf("%w: %s (at byte %d)", cm.ErrSyntax, strings.TrimPrefix(se.Error(), "json: "), se.Offset)}
	case errors.As(err, &te):
		path := te.Field
		if prefix != "" && path != "" {
			path = prefix + "." + path
		} else if path == "" {
			path = prefix
		}
		return &ParseError{Path: path, Err: fmt.Errorf("%w: want %s, got %s", cm.ErrSyntax, jsonKind(te.Type), te.Value)}
	default:
		return &ParseError{Path: prefix, Err: fmt.Errorf("%w: %s", cm.ErrSyntax, strings.TrimPrefix(err.Error(), "json: "))}
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	}
	return t.String()
}

// clip quotes s, shortened to 64 bytes, for an error message.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:61] + "..."
	}
	return strconv.Quote(s)
}

// route returns the tenant of a value.
func (p *Parser) route(phoneNumberID, waba string) (string, bool) {
	if t, ok := p.tenants[phoneNumberID]; ok && phoneNumberID != "" {
		return t, true
	}
	if t, ok := p.tenants[waba]; ok && waba != "" {
		return t, true
	}
	if p.tenant != "" {
		return p.tenant, true
	}
	return waba, waba != ""
}

// builder turns the items of one value into events.
type builder struct {
	p      *Parser
	res    *Result
	l      loc
	tenant string
	inbox  string
	waba   string
	v      *wValue
	key    *keyedHasher // nil: contacts kept as sent
}

func (p *Parser) value(res *Result, l loc, waba string, v *wValue) error {
	inbox := v.Metadata.PhoneNumberID
	tenant, ok := p.route(inbox, waba)
	if !ok {
		return fmt.Errorf("whatsapp: %s: no route for phone number id %q, no default tenant and no WABA id: %w", l.path(""), inbox, ErrUnknownTenant)
	}
	if err := checkTenant(tenant); err != nil {
		return &ParseError{Path: "entry[" + strconv.Itoa(l.entry) + "].id", Err: err}
	}
	b := builder{p: p, res: res, l: l, tenant: tenant, inbox: inbox, waba: waba, v: v}
	if p.keys != nil {
		if b.key = p.keys[tenant]; b.key == nil {
			b.key = p.keys[""] // present: Validate checked it
		}
	}
	for i := range v.Messages {
		b.l.list, b.l.item = "messages", i
		if err := b.message(&v.Messages[i]); err != nil {
			return err
		}
	}
	for i := range v.Statuses {
		b.l.list, b.l.item = "statuses", i
		if err := b.status(&v.Statuses[i]); err != nil {
			return err
		}
	}
	for i := range v.Errors {
		b.l.list, b.l.item = "errors", i
		if err := b.platformError(&v.Errors[i]); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) fail(field string, err error) error {
	return &ParseError{Path: b.l.path(field), Err: err}
}

// pseudo returns id, or its pseudonym when pseudonymisation is on.
func (b *builder) pseudo(id string) string {
	if b.key == nil || id == "" {
		return id
	}
	return b.key.sum(id)
}

// msgID returns a message id as stored.
func (b *builder) msgID(id string) string {
	if b.p.hashIDs {
		return b.pseudo(id)
	}
	return id
}

// phone normalises a phone number as WhatsApp sends it: digits, and a "+"
// Meta's docs sometimes show, which is dropped.
func phone(s string) string {
	return strings.TrimPrefix(strings.TrimSpace(s), "+")
}

// who resolves a user from a phone number and a business-scoped user id,
// completing either from the value's contacts. It returns the contact key
// (the phone number, else the user id), the other id when both are known,
// and the user's country.
func (b *builder) who(ph, uid string, items int) (contact, otherUID, country string) {
	ph = phone(ph)
	c := b.findContact(ph, uid, items)
	if c != nil {
		if ph == "" {
			ph = phone(c.WaID)
		}
		if uid == "" {
			uid = c.UserID
		}
	}
	country = e164.Country(ph)
	if country == "" && c != nil {
		country = isoCountry(c.Profile.CountryCode)
	}
	if ph != "" {
		return ph, uid, country
	}
	return uid, "", country
}

// findContact returns the value's contact with wa_id ph or user_id uid, or
// its only contact when the value holds one item of the list asked about.
func (b *builder) findContact(ph, uid string, items int) *wContact {
	cs := b.v.Contacts
	for i := range cs {
		if (ph != "" && phone(cs[i].WaID) == ph) || (uid != "" && cs[i].UserID == uid) {
			return &cs[i]
		}
	}
	if len(cs) == 1 && items == 1 {
		return &cs[0]
	}
	return nil
}

// isoCountry returns an ISO 3166-1 alpha-2 code in upper case, or "".
func isoCountry(s string) string {
	if len(s) != 2 {
		return ""
	}
	u := strings.ToUpper(s)
	if u[0] < 'A' || u[0] > 'Z' || u[1] < 'A' || u[1] > 'Z' {
		return ""
	}
	return u
}

// unixTime checks a required timestamp.
func (b *builder) unixTime(f flexInt, field string) (time.Time, error) {
	switch f.state {
	case absent:
		return time.Time{}, b.fail(field, cm.ErrRequired)
	case invalid:
		return time.Time{}, b.fail(field, fmt.Errorf("%w: not unix seconds: %s", cm.ErrInvalidValue, f.raw))
	}
	if f.v >= maxUnix {
		return time.Time{}, b.fail(field, fmt.Errorf("%w: %d is after 2262", cm.ErrInvalidValue, f.v))
	}
	return time.Unix(f.v, 0).UTC(), nil
}

// maxUnix is 2262-01-01T00:00:00Z, the end of the times events can hold.
const maxUnix = 9214646400

// isCurrency reports whether s is three upper-case ASCII letters.
func isCurrency(s string) bool {
	return len(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z'
}

func (b *builder) setAttr(ev *cm.Event, k, v string) {
	if v == "" {
		return
	}
	if ev.Attrs == nil {
		ev.Attrs = make(map[string]string, 4)
	}
	ev.Attrs[k] = v
}

// emit validates ev and appends it to the result.
func (b *builder) emit(ev cm.Event, field string) error {
	if err := ev.Validate(); err != nil {
		return b.fail(field, err)
	}
	b.res.Events = append(b.res.Events, ev)
	return nil
}

// message turns an inbound message into message.received (and cart.added
// for an order).
func (b *builder) message(m *wMessage) error {
	if m.ID == "" {
		return b.fail("id", cm.ErrRequired)
	}
	t, err := b.unixTime(m.Timestamp, "timestamp")
	if err != nil {
		return err
	}
	switch m.Type {
	case "system":
		reason := "system message"
		if m.System != nil && m.System.Type != "" {
			reason += " " + strconv.Quote(m.System.Type)
		}
		b.res.Ignored = append(b.res.Ignored, Ignored{Path: b.l.path(""), Reason: reason})
		return nil
	case "request_welcome":
		b.res.Ignored = append(b.res.Ignored, Ignored{Path: b.l.path(""), Reason: "request_welcome message"})
		return nil
	}
	contact, uid, country := b.who(m.From, m.FromUserID, len(b.v.Messages))
	if contact == "" {
		return b.fail("from", fmt.Errorf("%w: no from, from_user_id or matching contact", cm.ErrRequired))
	}
	mid := b.msgID(m.ID)
	ev := cm.Event{
		ID:          "wa:" + mid,
		Tenant:      b.tenant,
		Type:        cm.MessageReceived,
		Time:        t,
		Channel:     cm.ChannelWhatsApp,
		Inbox:       b.inbox,
		Contact:     b.pseudo(contact),
		Message:     mid,
		MessageType: m.Type,
		Country:     country,
	}
	b.setAttr(&ev, "user_id", b.pseudo(uid))
	if c := m.Context; c != nil {
		ev.ReplyTo = b.msgID(c.ID)
		if c.Forwarded {
			b.setAttr(&ev, "forwarded", "true")
		}
		if c.FrequentlyForwarded {
			b.setAttr(&ev, "frequently_forwarded", "true")
		}
		if rp := c.ReferredProduct; rp != nil {
			b.setAttr(&ev, "referred_catalog_id", rp.CatalogID)
			b.setAttr(&ev, "referred_product", rp.ProductRetailerID)
		}
	}
	if r := m.Referral; r != nil {
		ev.Referral = r.SourceID
		if ev.Referral == "" {
			ev.Referral = r.SourceURL
		}
		b.setAttr(&ev, "referral_source_type", r.SourceType)
		b.setAttr(&ev, "referral_source_url", r.SourceURL)
		b.setAttr(&ev, "referral_headline", r.Headline)
		b.setAttr(&ev, "referral_media_type", r.MediaType)
		b.setAttr(&ev, "ctwa_clid", r.CtwaClid)
	}
	switch m.Type {
	case "interactive":
		if in := m.Interactive; in != nil {
			b.setAttr(&ev, "interactive_type", in.Type)
			var r *wReply
			switch {
			case in.ButtonReply != nil:
				r = in.ButtonReply
			case in.ListReply != nil:
				r = in.ListReply
			}
			if r != nil {
				b.setAttr(&ev, "reply_id", r.ID)
				b.setAttr(&ev, "reply_title", r.Title)
			}
			if in.NfmReply != nil {
				b.setAttr(&ev, "flow_reply", in.NfmReply.Name)
			}
		}
	case "button":
		if bt := m.Button; bt != nil {
			b.setAttr(&ev, "reply_id", bt.Payload)
			b.setAttr(&ev, "reply_title", bt.Text)
		}
	case "reaction":
		if r := m.Reaction; r != nil {
			ev.ReplyTo = b.msgID(r.MessageID)
			if r.Emoji == "" {
				b.setAttr(&ev, "reaction_removed", "true")
			}
			b.setAttr(&ev, "emoji", r.Emoji)
		}
	case "image", "video", "audio", "document", "sticker":
		md := m.media()
		if md != nil {
			b.setAttr(&ev, "mime_type", md.MimeType)
			if md.Voice {
				b.setAttr(&ev, "voice", "true")
			}
			if md.Animated {
				b.setAttr(&ev, "animated", "true")
			}
		}
	case "order":
		if o := m.Order; o != nil {
			b.setAttr(&ev, "catalog_id", o.CatalogID)
		}
	}
	if len(m.Errors) > 0 {
		code, details, codes, err := b.errorsOf(m.Errors, "errors")
		if err != nil {
			return err
		}
		b.setAttr(&ev, "error_code", code)
		b.setAttr(&ev, "error_codes", codes)
		b.setAttr(&ev, "error_details", details)
	}
	if err := b.emit(ev, ""); err != nil {
		return err
	}
	if m.Type == "order" && m.Order != nil {
		return b.carts(&ev, m.Order)
	}
	return nil
}

func (m *wMessage) media() *wMedia {
	switch m.Type {
	case "image":
		return m.Image
	case "video":
		return m.Video
	case "audio":
		return m.Audio
	case "document":
		return m.Document
	case "sticker":
		return m.Sticker
	}
	return nil
}

// carts emits one cart.added per currency of an order: the sum of quantity
// × item_price of its items in that currency.
func (b *builder) carts(msg *cm.Event, o *wOrder) error {
	type cart struct {
		currency        string
		amount          decimal.Decimal
		items, quantity int64
	}
	var carts []cart
	for i := range o.ProductItems {
		it := &o.ProductItems[i]
		field := "order.product_items[" + strconv.Itoa(i) + "]"
		if it.Currency == "" {
			return b.fail(field+".currency", cm.ErrRequired)
		}
		if !isCurrency(it.Currency) {
			return b.fail(field+".currency", fmt.Errorf("%w: not an ISO 4217 code: %s", cm.ErrInvalidValue, clip(it.Currency)))
		}
		switch it.Quantity.state {
		case absent:
			return b.fail(field+".quantity", cm.ErrRequired)
		case invalid:
			return b.fail(field+".quantity", fmt.Errorf("%w: not a whole number: %s", cm.ErrInvalidValue, it.Quantity.raw))
		}
		switch it.ItemPrice.state {
		case absent:
			return b.fail(field+".item_price", cm.ErrRequired)
		case invalid:
			return b.fail(field+".item_price", fmt.Errorf("%w: not a plain decimal: %s", cm.ErrInvalidValue, it.ItemPrice.raw))
		}
		line := it.ItemPrice.d.Mul(decimal.NewFromInt(it.Quantity.v))
		k := 0
		for k < len(carts) && carts[k].currency != it.Currency {
			k++
		}
		if k == len(carts) {
			carts = append(carts, cart{currency: it.Currency})
		}
		carts[k].amount = carts[k].amount.Add(line)
		carts[k].items++
		carts[k].quantity += it.Quantity.v
	}
	for _, c := range carts {
		ev := cm.Event{
			ID:       msg.Message + ":cart:" + c.currency,
			Tenant:   msg.Tenant,
			Type:     cm.CartAdded,
			Time:     msg.Time,
			Channel:  cm.ChannelWhatsApp,
			Inbox:    msg.Inbox,
			Contact:  msg.Contact,
			Message:  msg.Message,
			Country:  msg.Country,
			Amount:   c.amount,
			Currency: c.currency,
			Attrs: map[string]string{
				"items":    strconv.FormatInt(c.items, 10),
				"quantity": strconv.FormatInt(c.quantity, 10),
			},
		}
		ev.ID = "wa:" + ev.ID
		if o.CatalogID != "" {
			ev.Attrs["catalog_id"] = o.CatalogID
		}
		if err := b.emit(ev, "order"); err != nil {
			return err
		}
	}
	return nil
}

// errorsOf returns the first error's code and details, and every code
// (comma-separated) when there are several.
func (b *builder) errorsOf(errs []wError, field string) (code, details, codes string, err error) {
	for i := range errs {
		e := &errs[i]
		f := field + "[" + strconv.Itoa(i) + "]"
		if e.Code.state == invalid {
			return "", "", "", b.fail(f+".code", fmt.Errorf("%w: not a whole number: %s", cm.ErrInvalidValue, e.Code.raw))
		}
		if e.ErrorData.state == invalid {
			return "", "", "", b.fail(f+".error_data", fmt.Errorf("%w: want an object with details, or a string", cm.ErrSyntax))
		}
		c := ""
		if e.Code.state == present {
			c = strconv.FormatInt(e.Code.v, 10)
		}
		if i == 0 {
			code, details = c, e.ErrorData.details
			if details == "" {
				details = e.Message
			}
		}
		if len(errs) > 1 {
			if i > 0 {
				codes += ","
			}
			codes += c
		}
	}
	return code, details, codes, nil
}

// status turns a status into message.status.
func (b *builder) status(s *wStatus) error {
	if s.ID == "" {
		return b.fail("id", cm.ErrRequired)
	}
	if s.Status == "" {
		return b.fail("status", cm.ErrRequired)
	}
	t, err := b.unixTime(s.Timestamp, "timestamp")
	if err != nil {
		return err
	}
	var contact, uid, country, participant string
	if s.RecipientType == "group" {
		// A group send: the contact is the group; the country (which prices
		// the delivery) is the participant's.
		contact = phone(s.RecipientID)
		participant = phone(s.RecipientParticipantID)
		country = e164.Country(participant)
	} else {
		contact, uid, country = b.who(s.RecipientID, s.RecipientUserID, len(b.v.Statuses))
	}
	mid := b.msgID(s.ID)
	var id strings.Builder
	id.Grow(3 + len(mid) + 1 + len(s.Status) + 1 + 20 + 33)
	id.WriteString("wa:")
	id.WriteString(mid)
	id.WriteByte(':')
	id.WriteString(s.Status)
	id.WriteByte(':')
	var num [20]byte
	id.Write(strconv.AppendInt(num[:0], t.Unix(), 10))
	participant = b.pseudo(participant)
	if participant != "" {
		id.WriteByte(':')
		id.WriteString(participant)
	}
	ev := cm.Event{
		ID:      id.String(),
		Tenant:  b.tenant,
		Type:    cm.MessageStatus,
		Time:    t,
		Channel: cm.ChannelWhatsApp,
		Inbox:   b.inbox,
		Contact: b.pseudo(contact),
		Message: mid,
		Status:  cm.Status(s.Status),
		Country: country,
	}
	b.setAttr(&ev, "user_id", b.pseudo(uid))
	if s.RecipientType != "" {
		b.setAttr(&ev, "recipient_type", s.RecipientType)
	}
	b.setAttr(&ev, "recipient_participant_id", participant)
	b.setAttr(&ev, "biz_opaque_callback_data", s.BizOpaqueCallbackData)
	if pr := s.Pricing; pr != nil {
		ev.PricingModel = pr.PricingModel
		ev.PricingType = pr.Type
		ev.PricingCategory = category(pr.Category)
		if pr.Billable != nil {
			ev.Billable = cm.OptBoolOf(*pr.Billable)
		}
	}
	if c := s.Conversation; c != nil {
		ev.BillingConversation = c.ID
		b.setAttr(&ev, "conversation_origin", category(c.Origin.Type))
		switch c.ExpirationTimestamp.state {
		case invalid:
			return b.fail("conversation.expiration_timestamp", fmt.Errorf("%w: not unix seconds: %s", cm.ErrInvalidValue, c.ExpirationTimestamp.raw))
		case present:
			exp, err := b.unixTime(c.ExpirationTimestamp, "conversation.expiration_timestamp")
			if err != nil {
				return err
			}
			b.setAttr(&ev, "conversation_expires", exp.Format(time.RFC3339))
		}
	}
	if len(s.Errors) > 0 {
		code, details, codes, err := b.errorsOf(s.Errors, "errors")
		if err != nil {
			return err
		}
		ev.ErrorCode = code
		b.setAttr(&ev, "error_codes", codes)
		b.setAttr(&ev, "error_details", details)
	}
	return b.emit(ev, "")
}

// category normalises a pricing category or conversation origin: the one
// alias WhatsApp's own docs use (authentication-international) is spelled
// as the webhooks do (authentication_international); every other value,
// known or not, is kept as sent.
func category(c string) string {
	if c == "authentication-international" {
		return "authentication_international"
	}
	return c
}

// platformError records a value-level error.
func (b *builder) platformError(e *wError) error {
	if e.Code.state == invalid {
		return b.fail("code", fmt.Errorf("%w: not a whole number: %s", cm.ErrInvalidValue, e.Code.raw))
	}
	if e.ErrorData.state == invalid {
		return b.fail("error_data", fmt.Errorf("%w: want an object with details, or a string", cm.ErrSyntax))
	}
	b.res.Errors = append(b.res.Errors, PlatformError{
		Tenant:        b.tenant,
		WABA:          b.waba,
		PhoneNumberID: b.inbox,
		Code:          e.Code.v,
		Title:         e.Title,
		Message:       e.Message,
		Details:       e.ErrorData.details,
		Href:          e.Href,
	})
	return nil
}
