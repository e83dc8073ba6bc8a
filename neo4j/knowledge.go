package neo4j

import (
	"context"
	"slices"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/knowledge"
)

// Knowledge implements knowledge.Store. An article is an (:Article) node
// holding its identity and counters, with each of its versions an
// (:ArticleVersion) node hanging off (:Article)-[:HAS_VERSION]->; the
// article names its latest and live (published) versions by number, and
// the latest carries head = true so that staff lists read one version per
// article. History entries are (:ArticleHistory) nodes off HAS_RECORD;
// ratings are (:ArticleRating) nodes off their version.
type Knowledge struct{ s *Store }

// Knowledge returns the knowledge part of the store.
func (s *Store) Knowledge() *Knowledge { return &Knowledge{s: s} }

var _ knowledge.Store = (*Knowledge)(nil)

// ArticleSearchIndex is the full-text index of article versions: their
// text (articleTextFields) and the states and audiences a search is bounded
// by, so that the index itself applies the bound and can stop at the page's
// last hit. Its analyzer is cjk: it indexes Chinese, Japanese and Korean
// text as overlapping pairs of characters (变更管理 as 变更, 更管, 管理), so
// that a word found inside a longer one matches, and other text as
// lower-cased words without English stop words (an enum value such as
// IN_REVIEW is one word). Neither it nor the query stems English words.
const ArticleSearchIndex = "article_text"

// articleTextFields are the indexed properties a search's words are
// looked for in.
var articleTextFields = []string{"title", "summary", "body", "keywordsText"}

// knowledgeMigrations are the constraints and indexes of articles, their
// versions, trails, ratings and number counter, and the full-text index.
func knowledgeMigrations() []string {
	return []string{
		"CREATE CONSTRAINT article_id IF NOT EXISTS FOR (a:Article) REQUIRE a.id IS UNIQUE",
		"CREATE CONSTRAINT article_version_id IF NOT EXISTS FOR (v:ArticleVersion) REQUIRE v.id IS UNIQUE",
		"CREATE INDEX article_version_head IF NOT EXISTS FOR (v:ArticleVersion) ON (v.head, v.updatedAt)",
		"CREATE INDEX article_version_state IF NOT EXISTS FOR (v:ArticleVersion) ON (v.state, v.audience, v.updatedAt)",
		"CREATE INDEX article_version_review IF NOT EXISTS FOR (v:ArticleVersion) ON (v.state, v.reviewBy)",
		"CREATE CONSTRAINT article_record_id IF NOT EXISTS FOR (r:ArticleHistory) REQUIRE r.id IS UNIQUE",
		"CREATE CONSTRAINT article_rating_key IF NOT EXISTS FOR (r:ArticleRating) REQUIRE r.key IS UNIQUE",
		// Versions written before links were mirrored as ABOUT
		// relationships get them (see putVersions).
		"MATCH (v:ArticleVersion) WHERE size(v.ciIds) + size(v.serviceIds) > 0 AND NOT EXISTS { (v)-[:ABOUT]->() } " +
			"MATCH (x:Item) WHERE x.id IN v.ciIds + v.serviceIds MERGE (v)-[:ABOUT]->(x)",
		// article_search indexed the text only.
		"DROP INDEX article_search IF EXISTS",
		"CREATE FULLTEXT INDEX " + ArticleSearchIndex + " IF NOT EXISTS FOR (v:ArticleVersion) ON EACH [v." + strings.Join(append(slices.Clip(articleTextFields), "state", "audience", "type"), ", v.") + "] " +
			"OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}",
	}
}

func articleToProps(a knowledge.Article) map[string]any {
	live := any(nil)
	if a.Live != nil {
		live = int64(a.Live.N)
	}
	return map[string]any{
		"id": a.ID, "number": a.Number, "version": int64(a.Version), "views": int64(a.Views),
		"createdBy": a.CreatedBy, "idempotencyKey": nullable(a.IdempotencyKey),
		"createdAt": a.CreatedAt, "updatedAt": a.UpdatedAt, "latestN": int64(a.Latest.N), "liveN": live,
	}
}

func versionToProps(v knowledge.Version, head bool) map[string]any {
	c := v.Content
	return map[string]any{
		"id": v.ID, "articleId": v.ArticleID, "number": v.Number, "n": int64(v.N), "head": head,
		"title": c.Title, "summary": nullable(c.Summary), "body": nullable(c.Body),
		"keywords": list(c.Keywords), "keywordsText": strings.Join(c.Keywords, " "),
		"category": nullable(c.Category), "type": string(c.Type), "audience": string(c.Audience),
		"language": nullable(c.Language), "ownerGroupId": nullable(c.OwnerGroupID), "reviewBy": optTime(c.ReviewBy),
		"ciIds": list(c.CIIDs), "serviceIds": list(c.ServiceIDs), "problemIds": list(c.ProblemIDs),
		"incidentIds": list(c.IncidentIDs), "changeIds": list(c.ChangeIDs),
		"state": string(v.State), "authors": list(v.Authors), "createdAt": v.CreatedAt, "updatedAt": v.UpdatedAt,
		"submittedBy": nullable(v.SubmittedBy), "submittedAt": optTime(v.SubmittedAt),
		"approvedBy": nullable(v.ApprovedBy), "approvedAt": optTime(v.ApprovedAt),
		"retiredAt": optTime(v.RetiredAt), "outdatedAt": optTime(v.OutdatedAt),
		"helpful": int64(v.Helpful), "unhelpful": int64(v.Unhelpful),
	}
}

func versionFromProps(p map[string]any) knowledge.Version {
	return knowledge.Version{
		ID: str(p, "id"), ArticleID: str(p, "articleId"), Number: str(p, "number"), N: num(p, "n"),
		Content: knowledge.Content{
			Title: str(p, "title"), Summary: str(p, "summary"), Body: str(p, "body"), Keywords: idList(p["keywords"]),
			Category: str(p, "category"), Type: knowledge.Type(str(p, "type")), Audience: knowledge.Audience(str(p, "audience")),
			Language: str(p, "language"), OwnerGroupID: str(p, "ownerGroupId"), ReviewBy: tmPtr(p, "reviewBy"),
			CIIDs: idList(p["ciIds"]), ServiceIDs: idList(p["serviceIds"]), ProblemIDs: idList(p["problemIds"]),
			IncidentIDs: idList(p["incidentIds"]), ChangeIDs: idList(p["changeIds"]),
		},
		State: knowledge.State(str(p, "state")), Authors: idList(p["authors"]),
		CreatedAt: tm(p, "createdAt"), UpdatedAt: tm(p, "updatedAt"),
		SubmittedBy: str(p, "submittedBy"), SubmittedAt: tmPtr(p, "submittedAt"),
		ApprovedBy: str(p, "approvedBy"), ApprovedAt: tmPtr(p, "approvedAt"),
		RetiredAt: tmPtr(p, "retiredAt"), OutdatedAt: tmPtr(p, "outdatedAt"),
		Helpful: num(p, "helpful"), Unhelpful: num(p, "unhelpful"),
	}
}

// articleFrom reads an article and its latest and live versions.
func articleFrom(a map[string]any, versions []map[string]any) knowledge.Article {
	out := knowledge.Article{
		ID: str(a, "id"), Number: str(a, "number"), Version: num(a, "version"), Views: num(a, "views"),
		CreatedBy: str(a, "createdBy"), IdempotencyKey: str(a, "idempotencyKey"),
		CreatedAt: tm(a, "createdAt"), UpdatedAt: tm(a, "updatedAt"),
	}
	latest, live := num(a, "latestN"), num(a, "liveN")
	for _, p := range versions {
		v := versionFromProps(p)
		if v.N == latest {
			out.Latest = v
		}
		if v.N == live {
			out.Live = &v
		}
	}
	return out
}

// missingArticleRefs lists the linked records that do not exist.
const missingArticleRefs = `
RETURN [id IN $ciIds WHERE NOT EXISTS { MATCH (:CI:Item {id: id}) }] AS cis,
       [id IN $serviceIds WHERE NOT EXISTS { MATCH (:Service:Item {id: id}) }] AS services,
       [id IN $problemIds WHERE NOT EXISTS { MATCH (:Problem {id: id}) }] AS problems,
       [id IN $incidentIds WHERE NOT EXISTS { MATCH (:Incident {id: id}) }] AS incidents,
       [id IN $changeIds WHERE NOT EXISTS { MATCH (:Change {id: id}) }] AS changes,
       [id IN $groupIds WHERE NOT EXISTS { MATCH (:Group {id: id}) }] AS groups`

// checkArticleRefs returns NOT_FOUND naming the first link of c that does
// not exist.
func checkArticleRefs(ctx context.Context, tx driver.ManagedTransaction, c knowledge.Content) error {
	recs, err := collect(ctx, tx, missingArticleRefs, map[string]any{
		"ciIds": list(c.CIIDs), "serviceIds": list(c.ServiceIDs), "problemIds": list(c.ProblemIDs),
		"incidentIds": list(c.IncidentIDs), "changeIds": list(c.ChangeIDs), "groupIds": list(nonEmpty(c.OwnerGroupID)),
	})
	if err != nil {
		return err
	}
	for _, k := range []struct{ key, field, what string }{
		{"cis", "ciIds", "configuration item"}, {"services", "serviceIds", "service"}, {"problems", "problemIds", "problem"},
		{"incidents", "incidentIds", "incident"}, {"changes", "changeIds", "change"}, {"groups", "ownerGroupId", "group"},
	} {
		v, _ := recs[0].Get(k.key)
		if missing := strs(v); len(missing) > 0 {
			return apperr.New(apperr.NotFound, "%s: no %s has id %q", k.field, k.what, missing[0])
		}
	}
	return nil
}

// createArticle numbers the article from the counter, whose lock
// serialises the numbering of concurrent creates.
const createArticle = `
MERGE (c:ArticleCounter {name: 'article'})
SET c.next = coalesce(c.next, 0) + 1
WITH 'KB' + right('000000' + toString(c.next), 7) AS number
CREATE (a:Article)
SET a = $props, a.number = number
RETURN number`

// CreateArticle implements knowledge.Store.
func (k *Knowledge) CreateArticle(ctx context.Context, a knowledge.Article, history []knowledge.HistoryEntry, key *ids.IdempotencyKey) (knowledge.Article, bool, error) {
	type result struct {
		a       knowledge.Article
		created bool
	}
	res, err := write(ctx, k.s, func(tx driver.ManagedTransaction) (result, error) {
		if key != nil {
			first, err := claimKey(ctx, tx, key, a.ID, a.CreatedAt)
			if err != nil {
				return result{}, err
			}
			if first != a.ID {
				got, err := getArticles(ctx, tx, []string{first})
				if err != nil {
					return result{}, err
				}
				if len(got) == 0 {
					return result{}, apperr.New(apperr.NotFound, "the article created under idempotencyKey %q no longer exists", key.Key)
				}
				return result{a: got[0]}, nil
			}
		}
		if err := checkArticleRefs(ctx, tx, a.Latest.Content); err != nil {
			return result{}, err
		}
		recs, err := collect(ctx, tx, createArticle, map[string]any{"props": articleToProps(a)})
		if err != nil {
			return result{}, err
		}
		n, _ := recs[0].Get("number")
		a.Number, _ = n.(string)
		a.Latest.Number = a.Number
		if err := writeVersions(ctx, tx, a, []knowledge.Version{a.Latest}); err != nil {
			return result{}, err
		}
		if err := appendArticleHistory(ctx, tx, a.ID, history); err != nil {
			return result{}, err
		}
		return result{a: a, created: true}, emitArticle(ctx, tx, a)
	})
	return res.a, res.created, err
}

// emitArticle appends the event of an article written (see emit).
func emitArticle(ctx context.Context, tx driver.ManagedTransaction, a knowledge.Article) error {
	evs, err := eventsFor(events.KindArticle, func(a knowledge.Article) string { return a.ID }, knowledge.EventKeys, a)
	if err != nil {
		return err
	}
	return emit(ctx, tx, evs...)
}

// articleColumns are the columns articleOf decodes: article a with its
// latest and live versions.
const articleColumns = `properties(a) AS a,
       COLLECT { MATCH (a)-[:HAS_VERSION]->(lv:ArticleVersion) WHERE lv.n IN [a.latestN, a.liveN] RETURN properties(lv) } AS vs`

const getArticlesByID = `
MATCH (a:Article) WHERE a.id IN $ids
RETURN ` + articleColumns

func articleOf(r *driver.Record) knowledge.Article {
	vs, _ := r.Get("vs")
	return articleFrom(props(r, "a"), maps(vs))
}

func getArticles(ctx context.Context, tx driver.ManagedTransaction, ids []string) ([]knowledge.Article, error) {
	recs, err := collect(ctx, tx, getArticlesByID, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make([]knowledge.Article, 0, len(recs))
	for _, r := range recs {
		out = append(out, articleOf(r))
	}
	return out, nil
}

// GetArticles implements knowledge.Store.
func (k *Knowledge) GetArticles(ctx context.Context, ids []string) ([]knowledge.Article, error) {
	return read(ctx, k.s, func(tx driver.ManagedTransaction) ([]knowledge.Article, error) {
		return getArticles(ctx, tx, ids)
	})
}

// lockArticle takes the article's write lock before reading it.
const lockArticle = `
MATCH (a:Article {id: $id})
SET a._lock = true
REMOVE a._lock
RETURN a.id AS id`

const replaceArticle = `
MATCH (a:Article {id: $id})
SET a = $props`

// UpdateArticle implements knowledge.Store.
func (k *Knowledge) UpdateArticle(ctx context.Context, id string, apply func(knowledge.Article) (knowledge.Write, error)) (knowledge.Article, error) {
	return write(ctx, k.s, func(tx driver.ManagedTransaction) (knowledge.Article, error) {
		recs, err := collect(ctx, tx, lockArticle, map[string]any{"id": id})
		if err != nil {
			return knowledge.Article{}, err
		}
		if len(recs) == 0 {
			return knowledge.Article{}, apperr.New(apperr.NotFound, "no knowledge article has id %q", id)
		}
		got, err := getArticles(ctx, tx, []string{id})
		if err != nil {
			return knowledge.Article{}, err
		}
		cur := got[0]
		w, err := apply(cur)
		if err != nil {
			return knowledge.Article{}, err
		}
		next := w.Article
		if next.Version == cur.Version {
			return cur, nil
		}
		if err := checkArticleRefs(ctx, tx, next.Latest.Content); err != nil {
			return knowledge.Article{}, err
		}
		if _, err := collect(ctx, tx, replaceArticle, map[string]any{"id": id, "props": articleToProps(next)}); err != nil {
			return knowledge.Article{}, err
		}
		if err := writeVersions(ctx, tx, next, w.Versions); err != nil {
			return knowledge.Article{}, err
		}
		if err := appendArticleHistory(ctx, tx, id, w.History); err != nil {
			return knowledge.Article{}, err
		}
		return next, emitArticle(ctx, tx, next)
	})
}

// putVersions writes versions of an article and moves the head flag to
// its latest version. Ratings live on their own nodes, so a version
// written keeps the counts it had.
//
// A version's CI and service links are its ciIds and serviceIds lists, and
// are mirrored as ABOUT relationships to those items, so that "articles
// about these items" (suggestions) starts from the items rather than
// scanning every version's lists.
const putVersions = `
MATCH (a:Article {id: $id})
UNWIND $rows AS row
MERGE (v:ArticleVersion {id: row.id})
SET v += row
MERGE (a)-[:HAS_VERSION]->(v)
WITH a, v
CALL (v) {
  OPTIONAL MATCH (v)-[old:ABOUT]->()
  DELETE old
}
CALL (v) {
  MATCH (x:Item) WHERE x.id IN v.ciIds + v.serviceIds
  MERGE (v)-[:ABOUT]->(x)
}
WITH DISTINCT a
MATCH (a)-[:HAS_VERSION]->(v:ArticleVersion)
SET v.head = (v.n = a.latestN)`

func writeVersions(ctx context.Context, tx driver.ManagedTransaction, a knowledge.Article, vs []knowledge.Version) error {
	if len(vs) == 0 {
		return nil
	}
	rows := make([]map[string]any, len(vs))
	for i, v := range vs {
		v.Number = a.Number
		rows[i] = versionToProps(v, v.N == a.Latest.N)
		delete(rows[i], "helpful")
		delete(rows[i], "unhelpful")
	}
	_, err := collect(ctx, tx, putVersions, map[string]any{"id": a.ID, "rows": rows})
	return err
}

const appendArticleHistoryRows = `
MATCH (a:Article {id: $id})
UNWIND $rows AS row
CREATE (r:ArticleHistory)
SET r = row
CREATE (a)-[:HAS_RECORD]->(r)`

func appendArticleHistory(ctx context.Context, tx driver.ManagedTransaction, id string, hs []knowledge.HistoryEntry) error {
	if len(hs) == 0 {
		return nil
	}
	rows := make([]map[string]any, len(hs))
	for i, h := range hs {
		rows[i] = map[string]any{"id": h.ID, "at": h.At, "seq": int64(i), "actor": h.Actor, "n": int64(h.N),
			"field": string(h.Field), "from": nullable(h.From), "to": nullable(h.To), "comment": nullable(h.Comment)}
	}
	_, err := collect(ctx, tx, appendArticleHistoryRows, map[string]any{"id": id, "rows": rows})
	return err
}

const readArticleHistory = `
MATCH (a:Article)-[:HAS_RECORD]->(r:ArticleHistory)
WHERE a.id IN $ids
RETURN a.id AS id, properties(r) AS r
ORDER BY r.at, r.seq`

// History implements knowledge.Store.
func (k *Knowledge) History(ctx context.Context, ids []string) (map[string][]knowledge.HistoryEntry, error) {
	return read(ctx, k.s, func(tx driver.ManagedTransaction) (map[string][]knowledge.HistoryEntry, error) {
		recs, err := collect(ctx, tx, readArticleHistory, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		return groupAll(recs, "r", infallible(func(p map[string]any) knowledge.HistoryEntry {
			return knowledge.HistoryEntry{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"), N: num(p, "n"),
				Field: knowledge.HistoryField(str(p, "field")), From: str(p, "from"), To: str(p, "to"), Comment: str(p, "comment")}
		}))
	})
}

const readArticleVersions = `
MATCH (a:Article)-[:HAS_VERSION]->(v:ArticleVersion)
WHERE a.id IN $ids
RETURN a.id AS id, properties(v) AS v
ORDER BY v.n`

// Versions implements knowledge.Store.
func (k *Knowledge) Versions(ctx context.Context, ids []string) (map[string][]knowledge.Version, error) {
	return read(ctx, k.s, func(tx driver.ManagedTransaction) (map[string][]knowledge.Version, error) {
		recs, err := collect(ctx, tx, readArticleVersions, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		return groupAll(recs, "v", infallible(versionFromProps))
	})
}

// rateVersion stores one rating per rater and version, then recounts the
// version's ratings onto it.
const rateVersion = `
MATCH (v:ArticleVersion {id: $versionId})
MERGE (r:ArticleRating {key: $key})
SET r.helpful = $helpful, r.comment = $comment, r.at = $at, r.subject = $subject, r.versionId = $versionId
MERGE (v)-[:HAS_RATING]->(r)
WITH v
SET v.helpful = COUNT { (v)-[:HAS_RATING]->(x:ArticleRating) WHERE x.helpful },
    v.unhelpful = COUNT { (v)-[:HAS_RATING]->(x:ArticleRating) WHERE NOT x.helpful }
RETURN properties(v) AS v`

// Rate implements knowledge.Store.
func (k *Knowledge) Rate(ctx context.Context, r knowledge.Rating) (knowledge.Version, error) {
	return write(ctx, k.s, func(tx driver.ManagedTransaction) (knowledge.Version, error) {
		recs, err := collect(ctx, tx, rateVersion, map[string]any{"versionId": r.VersionID, "key": r.VersionID + "\x1f" + r.Subject,
			"helpful": r.Helpful, "comment": nullable(r.Comment), "at": r.At, "subject": r.Subject})
		if err != nil {
			return knowledge.Version{}, err
		}
		if len(recs) == 0 {
			return knowledge.Version{}, apperr.New(apperr.NotFound, "the rated version no longer exists")
		}
		return versionFromProps(props(recs[0], "v")), nil
	})
}

const addView = `
MATCH (a:Article {id: $id})
SET a.views = coalesce(a.views, 0) + 1`

// AddView implements knowledge.Store.
func (k *Knowledge) AddView(ctx context.Context, id string) error {
	_, err := write(ctx, k.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, addView, map[string]any{"id": id})
		return struct{}{}, err
	})
	return err
}

// dueForReview reads the published versions from the (state, reviewBy)
// index: those with a passed date first, then, by their counts, those
// mostly unhelpful.
const dueForReview = `
MATCH (v:ArticleVersion)
WHERE v.state = 'PUBLISHED'
  AND (v.reviewBy < $now
       OR (v.helpful + v.unhelpful >= $minRatings AND 2 * v.unhelpful > v.helpful + v.unhelpful))
RETURN properties(v) AS v
ORDER BY v.reviewBy, v.id
LIMIT $limit`

// DueForReview implements knowledge.Store.
func (k *Knowledge) DueForReview(ctx context.Context, now time.Time, limit int) ([]knowledge.Version, error) {
	return k.versions(ctx, dueForReview, map[string]any{"now": now, "minRatings": int64(knowledge.MinRatings), "limit": int64(limit)})
}

func (k *Knowledge) versions(ctx context.Context, cypher string, params map[string]any) ([]knowledge.Version, error) {
	return read(ctx, k.s, func(tx driver.ManagedTransaction) ([]knowledge.Version, error) {
		recs, err := collect(ctx, tx, cypher, params)
		if err != nil {
			return nil, err
		}
		return decodeAll(recs, "v", infallible(versionFromProps))
	})
}
