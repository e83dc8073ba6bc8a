// Package knowledge holds the knowledge management rules of SPEC §2.5: what
// an article is, its versions and their lifecycle (DRAFT → IN_REVIEW →
// PUBLISHED → RETIRED, OUTDATED for a version a newer one replaced), who
// may write, review and read articles, full-text search with snippets,
// feedback and the review report. It declares the Store it needs
// (package neo4j implements it).
package knowledge

import (
	"slices"
	"time"
)

// State is where one version of an article stands.
type State string

// The states.
const (
	Draft     State = "DRAFT"
	InReview  State = "IN_REVIEW"
	Published State = "PUBLISHED"
	Retired   State = "RETIRED"
	// Outdated is a version that a newer published version replaced; only
	// publishing sets it.
	Outdated State = "OUTDATED"
)

// States lists the states in lifecycle order.
func States() []State { return []State{Draft, InReview, Published, Retired, Outdated} }

// Type is what kind of knowledge an article holds.
type Type string

// The types.
const (
	HowTo      Type = "HOW_TO"
	KnownError Type = "KNOWN_ERROR"
	FAQ        Type = "FAQ"
	Reference  Type = "REFERENCE"
)

// Types lists the types.
func Types() []Type { return []Type{HowTo, KnownError, FAQ, Reference} }

// Audience is who may read an article once published.
type Audience string

// The audiences.
const (
	// Internal articles are for staff only.
	Internal Audience = "INTERNAL"
	// Public articles are for requesters too (self-service).
	Public Audience = "PUBLIC"
)

// Audiences lists the audiences.
func Audiences() []Audience { return []Audience{Internal, Public} }

// Content is what an author writes; each version holds its own.
type Content struct {
	Title   string
	Summary string
	// Body is Markdown, stored and returned as text; nothing renders it.
	Body         string
	Keywords     []string
	Category     string
	Type         Type
	Audience     Audience
	Language     string
	OwnerGroupID string
	ReviewBy     *time.Time
	CIIDs        []string
	ServiceIDs   []string
	ProblemIDs   []string
	IncidentIDs  []string
	ChangeIDs    []string
}

// Version is one version of an article: version 1 is created with the
// article, and editing a published version starts the next one.
type Version struct {
	// ID identifies the version itself (ratings hang off it).
	ID        string
	ArticleID string
	// Number is the article's, KB0000001…, repeated on each version.
	Number string
	// N is the version's number within the article, from 1.
	N int
	Content
	State State
	// Authors are the subjects who created or edited this version: none
	// of them may publish it.
	Authors     []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedBy string
	SubmittedAt *time.Time
	// ApprovedBy published the version, at ApprovedAt.
	ApprovedBy string
	ApprovedAt *time.Time
	RetiredAt  *time.Time
	OutdatedAt *time.Time
	// Helpful and Unhelpful count the ratings of this version.
	Helpful   int
	Unhelpful int
}

// Article is a knowledge article: its identity, and its versions as far
// as reads need them.
type Article struct {
	ID     string
	Number string
	// Version is the optimistic concurrency counter (expectedVersion); it
	// counts the writes, not the content versions.
	Version        int
	Views          int
	CreatedBy      string
	IdempotencyKey string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Latest is the newest version: the one edits and moves apply to.
	Latest Version
	// Live is the published version, when there is one; it may be Latest,
	// or an older one while a newer draft is written.
	Live *Version
}

// HistoryField is what a history entry records a change of.
type HistoryField string

// The fields with a history.
const (
	FieldState      HistoryField = "STATE"
	FieldVersion    HistoryField = "VERSION"
	FieldTitle      HistoryField = "TITLE"
	FieldSummary    HistoryField = "SUMMARY"
	FieldBody       HistoryField = "BODY"
	FieldKeywords   HistoryField = "KEYWORDS"
	FieldCategory   HistoryField = "CATEGORY"
	FieldType       HistoryField = "TYPE"
	FieldAudience   HistoryField = "AUDIENCE"
	FieldLanguage   HistoryField = "LANGUAGE"
	FieldOwnerGroup HistoryField = "OWNER_GROUP"
	FieldReviewBy   HistoryField = "REVIEW_BY"
	FieldLinks      HistoryField = "LINKS"
)

// HistoryEntry is an immutable record of a change, naming the content
// version it concerns.
type HistoryEntry struct {
	ID      string
	At      time.Time
	Actor   string
	N       int
	Field   HistoryField
	From    string
	To      string
	Comment string
}

// Rating is one reader's feedback on one version; a second rating by the
// same reader replaces the first.
type Rating struct {
	VersionID string
	Subject   string
	Helpful   bool
	Comment   string
	At        time.Time
}

func sortedSet(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return slices.Compact(slices.Sorted(slices.Values(ids)))
}
