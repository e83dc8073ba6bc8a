// The side panel: what the selected item is, what happened to it, and what
// is open on it.

import { fill, h, when, words } from "./dom";

interface Conn<T> {
  totalCount?: number;
  edges: { node: T }[];
}

interface HistoryEntry {
  at: string;
  actor: string;
  action: string;
  changes: { field: string; before: string | null; after: string | null }[];
}

export interface Item {
  id: string;
  name: string;
  kind: string;
  type?: string;
  serviceKind?: string;
  status?: string;
  serviceStatus?: string;
  environment?: string;
  criticality?: string;
  description?: string | null;
  location?: string | null;
  ownerGroup?: { name: string } | null;
  attributes?: { key: string; value: string }[];
  redundancy?: { minimumUp: number; members: { id: string }[]; serving: { id: string }[]; belowMinimum: boolean } | null;
  usedByServices?: { id: string; name: string; kind: string }[];
  history?: Conn<HistoryEntry>;
}

export interface Incident {
  id: string;
  number: string;
  shortDescription: string;
  priority: string;
  state: string;
}

export interface PanelData {
  node: Item | null;
  ciIncidents?: Conn<Incident>;
  serviceIncidents?: Conn<Incident>;
  changes?: Conn<{ id: string; number: string; title: string; type: string; state: string; plannedStart: string | null; updatedAt: string }>;
  ciProblems?: Conn<{ id: string; number: string; title: string; priority: string; state: string }>;
  serviceProblems?: Conn<{ id: string; number: string; title: string; priority: string; state: string }>;
  ciArticles?: Conn<{ id: string; number: string; current: { title: string; state: string } }>;
  serviceArticles?: Conn<{ id: string; number: string; current: { title: string; state: string } }>;
}

export interface PanelActions {
  focus(id: string, kind: string): void;
  fail(id: string, alsoKeep: boolean): void;
  pathFrom(id: string): void;
  pathTo(id: string): void;
  pathFromId: string | null;
}

/** A titled list, or a word saying it is empty. */
export function section(title: string, testId: string, items: Node[], empty: string): HTMLElement {
  return h("section", { "data-section": testId }, h("h3", {}, title), items.length ? h("ul", {}, ...items.map((i) => h("li", {}, i))) : h("p", { class: "muted" }, empty));
}

function fields(item: Item): HTMLElement {
  const rows: [string, string | null | undefined][] = [
    ["Kind", words(item.kind)],
    ["Type", item.type ?? (item.serviceKind ? words(item.serviceKind) : undefined)],
    ["Status", words(item.status ?? item.serviceStatus)],
    ["Environment", words(item.environment)],
    ["Criticality", words(item.criticality)],
    ["Location", item.location],
    ["Owner group", item.ownerGroup?.name],
  ];
  for (const a of item.attributes ?? []) rows.push([a.key, a.value]);
  if (item.redundancy) {
    const r = item.redundancy;
    rows.push(["Redundancy", `${r.serving.length} of ${r.members.length} members serving, ${r.minimumUp} needed${r.belowMinimum ? " (below minimum)" : ""}`]);
  }
  return h("dl", {}, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v as string)]));
}

/** A history value as people read it: JSON text, and relationships by their ends' names. */
function value(v: string | null): string {
  if (v === null) return "∅";
  let x: unknown;
  try {
    x = JSON.parse(v);
  } catch {
    return v;
  }
  if (x && typeof x === "object" && !Array.isArray(x)) {
    const o = x as Record<string, unknown>;
    if (typeof o.type === "string" && (o.sourceName || o.targetName)) return `${o.sourceName ?? o.source} —${o.type}→ ${o.targetName ?? o.target}`;
    return Object.entries(o)
      .map(([k, val]) => `${k}=${typeof val === "string" ? val : JSON.stringify(val)}`)
      .join(", ");
  }
  return typeof x === "string" ? x : JSON.stringify(x);
}

function historyLine(e: HistoryEntry): Node {
  const what = e.changes.map((c) => (c.field === "relationship" ? (c.after ? "+ " + value(c.after) : "− " + value(c.before)) : `${c.field}: ${value(c.before)} → ${value(c.after)}`)).join("; ");
  return h("span", {}, h("time", {}, when(e.at)), ` ${words(e.action)} by ${e.actor}`, what ? h("div", { class: "muted small" }, what) : null);
}

/** Fills el with the panel of one item; live incidents heard since go first. */
export function renderPanel(el: HTMLElement, d: PanelData, live: Incident[], act: PanelActions): void {
  el.replaceChildren();
  const item = d.node;
  if (!item) {
    el.append(h("p", { class: "muted" }, "This item no longer exists, or you may not read it."));
    return;
  }
  const incidents = [...live, ...(d.ciIncidents?.edges ?? d.serviceIncidents?.edges ?? []).map((e) => e.node).filter((i) => !live.some((l) => l.id === i.id))];
  const problems = (d.ciProblems ?? d.serviceProblems)?.edges.map((e) => e.node) ?? [];
  const articles = (d.ciArticles ?? d.serviceArticles)?.edges.map((e) => e.node) ?? [];
  const canFail = item.kind !== "BUSINESS_UNIT" && item.kind !== "BUSINESS_PROCESS";
  fill(
    el,
    h("h2", { id: "panel-title" }, item.name),
    item.description ? h("p", {}, item.description) : null,
    h(
      "div",
      { class: "actions" },
      h("button", { id: "act-focus", click: () => act.focus(item.id, item.kind) }, "Focus"),
      canFail ? h("button", { id: "act-fail", click: () => act.fail(item.id, false) }, "What breaks if this fails") : null,
      canFail ? h("button", { id: "act-fail-too", click: () => act.fail(item.id, true) }, "Fail this too") : null,
      h("button", { id: "act-path-from", click: () => act.pathFrom(item.id) }, "Path from here"),
      act.pathFromId && act.pathFromId !== item.id ? h("button", { id: "act-path-to", click: () => act.pathTo(item.id) }, "Path to here") : null,
    ),
    fields(item),
    item.usedByServices?.length ? section("Used by services", "services", item.usedByServices.map((s) => h("a", { href: "#", click: (e) => (e.preventDefault(), act.focus(s.id, s.kind)) }, s.name)), "") : null,
    section(
      `Open incidents${incidents.length ? ` (${Math.max(incidents.length, (d.ciIncidents ?? d.serviceIncidents)?.totalCount ?? 0)})` : ""}`,
      "incidents",
      incidents.map((i) => h("span", { class: live.includes(i) ? "live" : "" }, h("b", {}, i.number), ` ${words(i.priority)} · ${words(i.state)} · ${i.shortDescription}`)),
      d.ciIncidents || d.serviceIncidents ? "None open." : "Incidents are logged against CIs and services.",
    ),
    d.changes ? section("Recent changes", "changes", d.changes.edges.map(({ node: c }) => h("span", {}, h("b", {}, c.number), ` ${words(c.state)} · ${c.title} · ${when(c.plannedStart ?? c.updatedAt)}`)), "None.") : null,
    d.ciProblems || d.serviceProblems ? section("Problems", "problems", problems.map((p) => h("span", {}, h("b", {}, p.number), ` ${words(p.state)} · ${p.title}`)), "None.") : null,
    d.ciArticles || d.serviceArticles ? section("Knowledge", "knowledge", articles.map((a) => h("span", {}, h("b", {}, a.number), ` ${a.current.title} (${words(a.current.state)})`)), "None.") : null,
    section(`History${item.history?.totalCount ? ` (${item.history.totalCount})` : ""}`, "history", (item.history?.edges ?? []).map((e) => historyLine(e.node)), "No entries."),
  );
}
