package neo4j

// incidentMigrations are the constraints and indexes of incidents and SLAs.
func incidentMigrations() []string {
	return []string{
		"CREATE CONSTRAINT incident_id IF NOT EXISTS FOR (i:Incident) REQUIRE i.id IS UNIQUE",
		"CREATE INDEX incident_state IF NOT EXISTS FOR (i:Incident) ON (i.state)",
		"CREATE INDEX incident_created_at IF NOT EXISTS FOR (i:Incident) ON (i.createdAt)",
		"CREATE INDEX incident_group IF NOT EXISTS FOR (i:Incident) ON (i.assignmentGroupId)",
		"CREATE INDEX incident_caller IF NOT EXISTS FOR (i:Incident) ON (i.callerId)",
		"CREATE CONSTRAINT incident_record_id IF NOT EXISTS FOR (r:IncidentRecord) REQUIRE r.id IS UNIQUE",
		"CREATE CONSTRAINT priority_matrix_name IF NOT EXISTS FOR (m:PriorityMatrix) REQUIRE m.name IS UNIQUE",
		"CREATE CONSTRAINT sla_id IF NOT EXISTS FOR (s:SLA) REQUIRE s.id IS UNIQUE",
		"CREATE INDEX sla_name IF NOT EXISTS FOR (s:SLA) ON (s.name)",
		// The key makes each warning and breach exist once, whichever
		// evaluator records it first.
		"CREATE CONSTRAINT sla_event_key IF NOT EXISTS FOR (e:SLAEvent) REQUIRE e.key IS UNIQUE",
		"CREATE INDEX sla_event_ticket IF NOT EXISTS FOR (e:SLAEvent) ON (e.ticketId)",
		"CREATE CONSTRAINT sla_review_id IF NOT EXISTS FOR (r:SLAReview) REQUIRE r.id IS UNIQUE",
	}
}
