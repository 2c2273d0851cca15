// Package whatsapp turns WhatsApp Business Cloud API webhooks into
// convometrics events: a [Parser] for raw bodies, [VerifySignature] for the
// X-Hub-Signature-256 header, and a [Handler] a host mounts at its callback
// URL, which verifies, parses and appends to any [convometrics.Appender].
//
//	store := memstore.New()
//	h, err := whatsapp.NewHandler(store, whatsapp.HandlerOptions{
//		AppSecret:   []byte(os.Getenv("WHATSAPP_APP_SECRET")),
//		VerifyToken: os.Getenv("WHATSAPP_VERIFY_TOKEN"),
//		Options:     whatsapp.Options{Tenants: map[string]string{"<phone number id>": "acme"}},
//	})
//	http.Handle("/webhooks/whatsapp", h)
//
// # What a body gives
//
// A body is a WhatsApp Business Account notification
// ({"object":"whatsapp_business_account","entry":[…]}). Every level may hold
// several items (entries, changes, messages, statuses, errors) and all are
// read. Changes whose field is not "messages" (account_update,
// message_template_status_update, …) give no event and are listed in
// [Result.Ignored]. For each change with field "messages":
//
//	messages[] of type              event(s)
//	text, interactive, button,      message.received (message_type = the type)
//	image, video, audio, document,
//	sticker, location, contacts,
//	reaction, unsupported, and any
//	type not known today
//	order                           message.received, then one cart.added per currency
//	system, request_welcome         none (listed in Result.Ignored): not written by the user
//	statuses[]                      message.status (status = the status, as sent)
//	errors[]                        none; returned in [Result.Errors] as [PlatformError]
//
// Every event has channel "whatsapp", inbox = metadata.phone_number_id and
// time = the item's timestamp (unix seconds, sent as a string or a number; a
// fraction, sign or exponent is malformed). Message contents (text bodies,
// captions, locations, shared contacts, profile names) are never stored.
//
// message.received: message = the wamid; contact (see Contacts); reply_to =
// context.id (for a reaction, the message reacted to); referral =
// referral.source_id (source_url when there is no id); country. Attrs, when
// present in the body:
//
//	ctwa_clid, referral_source_type, referral_source_url,
//	referral_headline, referral_media_type      from referral
//	forwarded, frequently_forwarded ("true"),
//	referred_catalog_id, referred_product       from context
//	interactive_type                            button_reply, list_reply, nfm_reply, …
//	reply_id, reply_title                       button_reply/list_reply id and title; for a
//	                                            template quick-reply button, payload and text
//	flow_reply                                  nfm_reply.name (a Flow's response)
//	emoji, reaction_removed ("true")            reaction (an empty emoji removes a reaction)
//	mime_type, voice, animated                  media
//	catalog_id                                  order
//	error_code, error_codes, error_details      messages[].errors (e.g. 131051 on unsupported)
//	user_id                                     the business-scoped user id, when the contact is a phone
//
// cart.added (for an order): amount = Σ quantity × item_price over the
// order's items in one currency, computed exactly in decimal (item_price may
// be fractional, and is read as written, never through float64); currency
// from the items, so an order in two currencies gives two events and
// currencies are never summed; message = the order's wamid; attrs items
// (product lines), quantity (units) and catalog_id. An item without a
// currency, quantity or price is malformed.
//
// message.status: message = statuses[].id (the wamid of the outbound
// message); status as sent — sent, delivered, read, played and failed are
// the states engines understand; any other value (deleted, or one Meta adds
// later) is kept as is; contact = recipient_id (see Contacts); error_code =
// errors[0].code of a failed status; pricing_model, pricing_type,
// pricing_category and billable from pricing (billable is left unset when
// pricing is absent, as on most read statuses); billing_conversation =
// conversation.id; country. Attrs: conversation_origin (origin.type),
// conversation_expires (expiration_timestamp, RFC 3339 UTC),
// biz_opaque_callback_data, error_details, error_codes (every code, when a
// status has several errors), recipient_type, recipient_participant_id and
// user_id.
//
// Enum values (message types, statuses, pricing models, types, categories,
// origins) are open strings: unknown values are kept, never an error. The one
// rewrite is the category alias authentication-international, stored as
// authentication_international as the webhooks spell it.
//
// The parser never infers facts: a read without a delivered gives one
// message.status with status read. Engines count delivered as delivered ∪
// read ∪ played per message, take pricing from whichever status carries it,
// and treat failed as terminal (see WHATSAPP.md in the project docs).
//
// # Event ids, re-deliveries and ordering
//
// Ids are derived from the body, so a re-delivered webhook gives the same
// events and the store ignores them (idempotent append):
//
//	message.received   wa:<wamid>
//	cart.added         wa:<wamid>:cart:<currency>
//	message.status     wa:<wamid>:<status>:<unix seconds>[:<participant>]
//
// The status id holds the timestamp, so two different deliveries of the same
// fact (a second delivered for one message, at another second) are two
// events: engines deduplicate statuses per (message, status), as they must
// for any source. Statuses may arrive before the message they describe or
// out of order; stores order events by time, and the parser neither needs
// nor keeps state between bodies.
//
// # Tenants
//
// [Options.Tenants] routes a value to a tenant by metadata.phone_number_id,
// then by the WABA id (entry[].id); unrouted webhooks go to
// [Options.Tenant], or when that is empty to a tenant named by the WABA id,
// so the zero Options keep every WABA apart and nothing is dropped.
//
// # Contacts
//
// The contact is the user's phone number as WhatsApp sends it in from, wa_id
// or recipient_id (digits; a leading "+" is dropped), so that it matches the
// number a host sends to. Users who adopted a username may come with an
// empty phone: the contact is then the business-scoped user id (from_user_id,
// recipient_user_id, or the matching contacts[].user_id), and when both are
// known the user id is kept in attrs user_id. (One user can therefore appear
// under two contacts if WhatsApp sends the phone in some webhooks and only
// the user id in others; attrs user_id lets a host join them.) Group sends
// (recipient_type "group") have the group id as contact and the participant
// in attrs recipient_participant_id.
//
// Event.Country is the ISO 3166-1 code of the user's phone number by its
// calling code, else contacts[].profile.country_code; for a group send, the
// participant's. It is taken before pseudonymisation, so cost by market
// works on pseudonymised data.
//
// With [Options.ContactKeys], every contact, user id and participant id is
// replaced by [Pseudonym] (HMAC-SHA256 under the tenant's key, 32 hex digits)
// before the event leaves the parser; hosts pseudonymise their own events'
// contacts with the same function and key. Message ids (wamids) are kept
// unless [Options.HashMessageIDs] is set.
//
// # Malformed bodies
//
// A body that is not JSON, not a WhatsApp Business Account notification,
// has a field the parser reads with the wrong JSON type, lacks a required
// value (a message's or status's id and timestamp, a status's status, a
// message's sender) or has a value out of range gives a [*ParseError]
// naming the JSON path, matching [ErrMalformed], and no events. Fields the
// parser does not read are never checked, so new fields never break it.
package whatsapp
