package credentials

import (
	"errors"

	"golang.org/x/crypto/bcrypt"
)

// passwordCost is bcrypt's work factor: slow enough to resist offline
// guessing, fast enough for an interactive login on a small server.
const passwordCost = 11

// HashPassword returns a bcrypt hash of password.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	return string(h), err
}

// dummyHash is compared against when the account does not exist, so that a
// login for an unknown user costs as much as one with a wrong password.
const dummyHash = "$2a$11$FMsXAi4ImW8zHjZx6TEfbuqOeABn2Gi9UxQ2nbpHwiQwGU9fbFPBi"

// CheckPassword reports whether password matches hash. An empty hash (no
// account, or an account without a password) never matches but costs the same.
func CheckPassword(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(password))
		return false
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	return err == nil && !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword)
}

// Bcrypt hashes and checks local passwords with HashPassword and
// CheckPassword; it is the hasher the people directory is given.
type Bcrypt struct{}

// Hash is HashPassword.
func (Bcrypt) Hash(password string) (string, error) { return HashPassword(password) }

// Check is CheckPassword.
func (Bcrypt) Check(hash, password string) bool { return CheckPassword(hash, password) }
