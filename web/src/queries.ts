// The GraphQL documents of the explorer. Each user action sends one of
// them: the item's neighbourhood and its side panel travel together.

const view = `
fragment View on GraphView {
  nodes { id kind name type status distance severity }
  edges { id type sourceId targetId impactDirection }
}`;

const history = `history(first: 8) { totalCount edges { node { at actor action changes { field before after } } } }`;

const openStates = `[NEW, ASSIGNED, IN_PROGRESS, ON_HOLD]`;
const incidentFields = `totalCount edges { node { id number shortDescription priority state } }`;
const problemFields = `totalCount edges { node { id number title priority state } }`;
const changeFields = `totalCount edges { node { id number title type state plannedStart updatedAt } }`;
const articleFields = `edges { node { id number current { title state } } }`;

// The panel's fields, for one item whose kind the variables name.
const panelFields = `
  node(id: $id) {
    id
    ... on ConfigurationItem {
      name kind type status environment criticality description location
      ownerGroup { name } attributes { key value }
      redundancy { minimumUp members { id } serving { id } belowMinimum }
      usedByServices { id name kind }
      ${history}
    }
    ... on Service { name kind serviceKind serviceStatus: status criticality description ownerGroup { name } ${history} }
    ... on BusinessUnit { name kind description ${history} }
    ... on BusinessProcess { name kind description criticality ${history} }
  }
  ciIncidents: incidents(filter: {configurationItemId: $id, states: ${openStates}}, first: 10) @include(if: $ci) { ${incidentFields} }
  serviceIncidents: incidents(filter: {serviceId: $id, states: ${openStates}}, first: 10) @include(if: $service) { ${incidentFields} }
  changes(filter: {targetId: $id}, orderBy: {field: UPDATED_AT, direction: DESC}, first: 5) @include(if: $target) { ${changeFields} }
  ciProblems: problems(filter: {configurationItemId: $id}, first: 5) @include(if: $ci) { ${problemFields} }
  serviceProblems: problems(filter: {serviceId: $id}, first: 5) @include(if: $service) { ${problemFields} }
  ciArticles: knowledgeArticles(filter: {configurationItemId: $id}, first: 5) @include(if: $ci) { ${articleFields} }
  serviceArticles: knowledgeArticles(filter: {serviceId: $id}, first: 5) @include(if: $service) { ${articleFields} }
`;

const panelVars = `$id: ID!, $ci: Boolean!, $service: Boolean!, $target: Boolean!`;

/** The neighbourhood of the focused item and its panel. */
export const focusQuery = `
query Focus(${panelVars}, $depth: Int!, $types: [String!], $first: Int!) {
  neighbourhood(id: $id, depth: $depth, types: $types, first: $first) {
    root { id name kind }
    reachedCount
    graph { ...View }
  }
  ${panelFields}
}
${view}`;

/** One more ring around a clicked item, merged into the drawing, and its panel. */
export const expandQuery = `
query Expand(${panelVars}, $types: [String!], $first: Int!) {
  neighbourhood(id: $id, depth: 1, types: $types, first: $first) {
    reachedCount
    graph { ...View }
  }
  ${panelFields}
}
${view}`;

/** The kind of an item named by a hand-made link, which the panel's fields depend on. */
export const kindQuery = `
query Kind($id: ID!) {
  node(id: $id) { id ... on GraphItem { kind } }
}`;

/** What breaks when the failed items go down: counts, the business hit, and the nearest items with their explaining paths. */
export const impactQuery = `
query Impact($ids: [ID!]!, $first: Int!) {
  impactAnalysis(input: {ciIds: $ids}) {
    roots { id name kind }
    retiredRoots { id name }
    counts { total configurationItems technicalServices businessServices businessProcesses businessUnits down degraded }
    business: impactedItems(filter: {kinds: [BUSINESS_SERVICE, BUSINESS_PROCESS, BUSINESS_UNIT]}, first: 100) {
      totalCount
      edges { node { item { id name } kind severity distance } }
    }
    nearest: impactedItems(first: $first) {
      totalCount
      edges { node { item { id name } kind severity distance path { id type sourceId targetId impactDirection } } }
    }
    slasAtRisk { id name }
    openIncidents { id number shortDescription priority }
  }
}`;

/** The shortest paths between two items. */
export const pathsQuery = `
query Paths($from: ID!, $to: ID!, $types: [String!]) {
  paths(fromId: $from, toId: $to, types: $types, maxLength: 8, limit: 3) {
    paths { length items { id name } edges { id } }
    graph { ...View }
  }
}
${view}`;

export const searchQuery = `
query Search($text: String!) {
  search(text: $text, kinds: [CONFIGURATION_ITEM, SERVICE, BUSINESS_UNIT, BUSINESS_PROCESS], first: 12) {
    totalCount
    edges { node { kind item { id ... on ConfigurationItem { name type status } ... on Service { name serviceKind serviceStatus: status } ... on BusinessUnit { name } ... on BusinessProcess { name } } } }
  }
}`;

export const loginMutation = `
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) { token user { displayName } }
}`;

/** Who the token belongs to, and the relationship types to filter by. */
export const startQuery = `
query Start {
  me { subject roles user { displayName } }
  relationshipTypes { name description }
}`;

export const incidentsLive = `
subscription Incidents {
  incidentChanged { id number shortDescription priority state configurationItems { id } services { id } }
}`;

export const changesLive = `
subscription Changes {
  changeChanged { id number title state targets { id } }
}`;

export const itemsLive = `
subscription Items($ids: [ID!]) {
  configurationItemChanged(ids: $ids) { id name status }
}`;
