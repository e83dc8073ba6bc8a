package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/itsm-graph/itsm/apperr"
)

// Persisted queries follow Apollo's protocol: a request names its document
// by extensions.persistedQuery.sha256Hash (version 1) instead of, or
// besides, sending its text. Without trusted documents any client may
// register a document by sending hash and text once (automatic persisted
// queries, gqlgen's extension over apqCache); with them only the
// registered documents run.

// apqCache keeps automatically persisted documents of up to
// cacheableQueryBytes, 1000 of them, per instance.
type apqCache struct{ lru *lru.LRU[string] }

func newAPQCache() apqCache { return apqCache{lru: lru.New[string](1000)} }

func (c apqCache) Get(ctx context.Context, hash string) (string, bool) { return c.lru.Get(ctx, hash) }

func (c apqCache) Add(ctx context.Context, hash, query string) {
	if len(query) <= cacheableQueryBytes {
		c.lru.Add(ctx, hash, query)
	}
}

// TrustedDocuments are the only documents a server in trusted-documents
// mode runs, by the SHA-256 (hex) of their text.
type TrustedDocuments map[string]string

// ParseTrustedDocuments reads a manifest of trusted documents, in the
// format of GraphQL Code Generator's persisted documents (an object of hash
// to document) or of Apollo's persisted query manifest ({"format":
// "apollo-persisted-query-manifest", "operations": [{"id", "body"}]}). Each
// id must be the SHA-256 of its document, and each document valid against
// the schema, so a stale manifest fails at start rather than at the first
// request.
func ParseTrustedDocuments(data []byte, schema *ast.Schema) (TrustedDocuments, error) {
	var apollo struct {
		Format     string `json:"format"`
		Operations []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	docs := TrustedDocuments{}
	if json.Unmarshal(data, &apollo) == nil && apollo.Format == "apollo-persisted-query-manifest" {
		for _, op := range apollo.Operations {
			docs[op.ID] = op.Body
		}
	} else {
		var plain map[string]string
		if err := json.Unmarshal(data, &plain); err != nil {
			return nil, fmt.Errorf("the manifest is neither an object of hash to document nor an Apollo persisted query manifest: %v", err)
		}
		docs = plain
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("the manifest holds no document")
	}
	ids := make([]string, 0, len(docs))
	for id := range docs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if hashOf(docs[id]) != id {
			return nil, fmt.Errorf("document %q: its id is not the SHA-256 of its text (%s); regenerate the manifest with SHA-256 hashes", id, hashOf(docs[id]))
		}
		if _, errs := gqlparser.LoadQueryWithRules(schema, docs[id], rules.NewDefaultRules()); len(errs) > 0 {
			return nil, fmt.Errorf("document %q does not fit the schema: %v", id, errs[0].Message)
		}
	}
	return docs, nil
}

func hashOf(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// trustedOnly runs registered documents only: named by hash, or sent as
// text identical to a registered one. Everything else is refused before it
// is parsed, so a server in this mode runs no document an attacker wrote.
type trustedOnly struct {
	byHash TrustedDocuments
	byText map[string]bool
}

func newTrustedOnly(docs TrustedDocuments) trustedOnly {
	t := trustedOnly{byHash: docs, byText: map[string]bool{}}
	for _, d := range docs {
		t.byText[d] = true
	}
	return t
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = trustedOnly{}

func (trustedOnly) ExtensionName() string { return "TrustedDocuments" }

func (trustedOnly) Validate(graphql.ExecutableSchema) error { return nil }

func (t trustedOnly) MutateOperationParameters(_ context.Context, params *graphql.RawParams) *gqlerror.Error {
	if pq, ok := params.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ := pq["sha256Hash"].(string)
		doc, found := t.byHash[hash]
		switch {
		case !found && params.Query == "":
			err := gqlerror.Errorf("PersistedQueryNotFound")
			err.Extensions = map[string]any{"code": string(apperr.BadUserInput), "reason": "PERSISTED_QUERY_NOT_FOUND"}
			return err
		case found && (params.Query == "" || params.Query == doc):
			params.Query = doc
			return nil
		}
	} else if t.byText[params.Query] {
		return nil
	}
	err := gqlerror.Errorf("this server runs registered operations only (trusted documents): send the sha256Hash of a document of its manifest in extensions.persistedQuery")
	err.Extensions = map[string]any{"code": string(apperr.Forbidden)}
	return err
}
