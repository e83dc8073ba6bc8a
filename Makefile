# The two commands a newcomer needs: `make run` and `make test`.
.PHONY: run test bench web generate check-generated vet neo4j-fetch

run: ## Start a local Neo4j (unless NEO4J_URI is set) and serve the API with demo data.
	@scripts/run

test: ## Start a throwaway Neo4j, run every check and test against it, stop it.
	@scripts/test

bench: ## Generate synthetic CMDBs in a throwaway Neo4j and print latency, round-trip and import-rate tables.
	@scripts/bench

web: ## Build the explorer and GraphiQL pages into web/dist (needs Node.js 18+; done by run and test when stale).
	@scripts/web

generate: ## Regenerate graph/ and resolver stubs from schema.graphqls and schema/*.graphqls.
	go tool gqlgen generate

check-generated: ## Fail when generated code is not what the schema files and gqlgen.yml produce.
	@scripts/check-generated

vet:
	go vet ./...

neo4j-fetch: ## Download the Neo4j jars into .cache/neo4j (done on first start anyway).
	@scripts/neo4j fetch
