package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// MinKeyLen is the shortest contact key accepted, in bytes. Phone numbers
// are few enough to enumerate, so the secrecy of the key is what protects
// them: use a random key of 32 bytes.
const MinKeyLen = 16

// Pseudonym returns the pseudonym of a contact identifier under key: the
// first 16 bytes of HMAC-SHA256(key, id), as 32 lower-case hexadecimal
// digits. The parser applies it to phone numbers in the form it stores them
// (digits without "+", e.g. "15550002222") and to business-scoped user ids as
// sent. A host that records its own events (message.sent from its send log)
// calls Pseudonym with the same key so that both sides name the contact
// alike. Anyone can check a value with standard tools:
//
//	printf %s 15550002222 | openssl dgst -sha256 -hmac "$KEY" | awk '{print substr($NF, 1, 32)}'
func Pseudonym(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	return encodePseudonym(m.Sum(sum[:0]))
}

func encodePseudonym(sum []byte) string {
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}

// keyedHasher computes pseudonyms under one key, reusing HMAC states.
type keyedHasher struct {
	pool sync.Pool
}

func newKeyedHasher(key []byte) *keyedHasher {
	k := append([]byte(nil), key...)
	h := &keyedHasher{}
	h.pool.New = func() any { return hmac.New(sha256.New, k) }
	return h
}

func (h *keyedHasher) sum(id string) string {
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	s := encodePseudonym(m.Sum(sum[:0]))
	h.pool.Put(m)
	return s
}
