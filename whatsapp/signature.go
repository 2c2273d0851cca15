package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader is the header in which Meta signs every webhook POST.
const SignatureHeader = "X-Hub-Signature-256"

// VerifySignature checks the value of the X-Hub-Signature-256 header,
// "sha256=" followed by the hex HMAC-SHA256 of the raw body under the app
// secret, in constant time. It returns nil, [ErrNoSignature] for an empty
// header, or an error wrapping [ErrBadSignature]. Verify the bytes as
// received, before any parsing or re-encoding.
func VerifySignature(body []byte, header string, appSecret []byte) error {
	if header == "" {
		return ErrNoSignature
	}
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSum) != 2*sha256.Size {
		return &signatureError{"not sha256=<64 hex digits>"}
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], []byte(hexSum)); err != nil {
		return &signatureError{"not sha256=<64 hex digits>"}
	}
	m := hmac.New(sha256.New, appSecret)
	m.Write(body)
	var want [sha256.Size]byte
	if !hmac.Equal(m.Sum(want[:0]), got[:]) {
		return ErrBadSignature
	}
	return nil
}

// Sign returns the X-Hub-Signature-256 header value Meta would send for
// body: for tests, and for hosts that forward webhooks between services.
func Sign(body []byte, appSecret []byte) string {
	m := hmac.New(sha256.New, appSecret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

type signatureError struct{ detail string }

func (e *signatureError) Error() string { return ErrBadSignature.Error() + ": " + e.detail }
func (e *signatureError) Unwrap() error { return ErrBadSignature }
