// The analyst's explorer: search an item, draw its neighbourhood, expand
// it, overlay what breaks when items fail, find paths, and watch incidents
// and changes land on what is drawn. Every user action sends one GraphQL
// request; the view is named by the URL so that it can be pasted in a
// ticket.

import "./style.css";
import type { Core, NodeSingular } from "cytoscape";
import { APIError, gql, setToken, subscribe, token } from "./api";
import { byId, fill, h, words } from "./dom";
import { layout, merge, newCanvas, type View, type ViewEdge } from "./graph";
import { renderPanel, section, type Incident, type PanelData } from "./panel";
import * as q from "./queries";

/** What the URL names: the item, the view and the overlays. */
interface Route {
  item: string | null;
  kind: string | null;
  depth: number;
  types: string[] | null;
  fail: string[];
  path: [string, string] | null;
  limit: number;
}

const pageSize = 150;
const maxDrawn = 2000;
const impactDrawn = 300;

interface Impacted {
  id: string;
  name: string;
  kind: string;
  severity: string;
  distance: number;
  path: ViewEdge[];
}

interface ImpactResult {
  impactAnalysis: {
    roots: { id: string; name: string; kind: string }[];
    retiredRoots: { id: string; name: string }[];
    counts: Record<string, number>;
    business: { totalCount: number; edges: { node: { item: { id: string; name: string }; kind: string; severity: string; distance: number } }[] };
    nearest: { totalCount: number; edges: { node: { item: { id: string; name: string }; kind: string; severity: string; distance: number; path: ViewEdge[] } }[] };
    slasAtRisk: { id: string; name: string }[];
    openIncidents: { id: string; number: string; shortDescription: string; priority: string }[];
  };
}

interface Reach {
  reachedCount: number;
  graph: View;
}

/** What tests and the curious read from the console. */
interface Probe {
  cy: Core;
  route: Route;
  done: number;
  busy: number;
  lastRenderMs: number;
  live: string[];
}

let cy: Core;
let route: Route = parseRoute();
let panelData: PanelData | null = null;
let pathFromId: string | null = null;
let impacted = new Map<string, Impacted>();
const liveIncidents = new Map<string, Incident[]>();
let unsubscribe: (() => void)[] = [];
let probe: Probe;

function parseRoute(): Route {
  const p = new URLSearchParams(location.search);
  const list = (k: string) => (p.get(k) ?? "").split(",").filter(Boolean);
  const depth = Number(p.get("depth") ?? "1");
  const path = list("path");
  return {
    item: p.get("item"),
    kind: p.get("kind"),
    depth: depth >= 1 && depth <= 3 ? Math.floor(depth) : 1,
    types: p.has("types") ? list("types") : null,
    fail: list("fail"),
    path: path.length === 2 ? [path[0], path[1]] : null,
    limit: Math.min(Math.max(Number(p.get("limit") ?? pageSize) || pageSize, 1), maxDrawn),
  };
}

/** Writes the route to the URL: a new history entry when the focus moves, in place otherwise. */
function saveRoute(newEntry: boolean): void {
  const p = new URLSearchParams();
  if (route.item) p.set("item", route.item);
  if (route.kind) p.set("kind", route.kind);
  if (route.depth !== 1) p.set("depth", String(route.depth));
  if (route.types) p.set("types", route.types.join(","));
  if (route.fail.length) p.set("fail", route.fail.join(","));
  if (route.path) p.set("path", route.path.join(","));
  if (route.limit !== pageSize) p.set("limit", String(route.limit));
  const url = location.pathname + (p.size ? "?" + p.toString() : "");
  if (url === location.pathname + location.search) return;
  if (newEntry) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

function notice(text: string, kind: "info" | "error" = "info", code = ""): void {
  const el = byId("notice");
  el.textContent = text;
  el.className = kind;
  el.dataset.code = code;
}

/** Runs one user action: one request, errors shown, the probe told when it is over. */
async function action(f: () => Promise<void>): Promise<void> {
  probe.busy++;
  document.body.dataset.busy = String(probe.busy);
  try {
    await f();
  } catch (e) {
    if (e instanceof APIError && e.code === "UNAUTHENTICATED") {
      signOut(e.message);
      return;
    }
    const code = e instanceof APIError ? e.code : "";
    notice(e instanceof Error ? e.message : String(e), "error", code);
  } finally {
    probe.busy--;
    probe.done++;
    document.body.dataset.busy = String(probe.busy);
    document.body.dataset.done = String(probe.done);
  }
}

function kindFlags(kind: string) {
  const ci = kind === "CONFIGURATION_ITEM";
  const service = kind === "TECHNICAL_SERVICE" || kind === "BUSINESS_SERVICE";
  return { ci, service, target: ci || service };
}

function showPanel(d: PanelData): void {
  panelData = d;
  const id = d.node?.id ?? "";
  renderPanel(byId("panel"), d, liveIncidents.get(id) ?? [], {
    focus: (x, kind) => void focusOn(x, kind),
    fail: (x, keep) => void failItems(keep ? [...new Set([...route.fail, x])] : [x]),
    pathFrom: (x) => {
      pathFromId = x;
      notice("Now click the other end and press “Path to here”.");
      if (panelData) showPanel(panelData);
    },
    pathTo: (x) => pathFromId && void findPaths(pathFromId, x),
    pathFromId,
  });
}

/** Shows how much of the reach is drawn, and offers more when a bound cut it. */
function showBound(reached: number): void {
  const drawn = cy.nodes().length - 1;
  const el = byId("bound");
  el.replaceChildren();
  if (reached > drawn) {
    el.append(
      `Showing ${drawn} of ${reached.toLocaleString()} items within ${route.depth} ${route.depth === 1 ? "hop" : "hops"}. `,
      route.limit < maxDrawn ? h("button", { id: "show-more", click: () => void showMore() }, "Show more") : "Narrow by relationship type to see the rest.",
    );
  } else {
    el.append(`${reached} ${reached === 1 ? "item" : "items"} within ${route.depth} ${route.depth === 1 ? "hop" : "hops"}.`);
  }
}

async function focusOn(id: string, kind: string | null, newEntry = true): Promise<void> {
  await action(async () => {
    if (id !== route.item) {
      route.limit = pageSize;
      pathFromId = null;
    }
    if (!kind) {
      const k = await gql<{ node: { kind?: string } | null }>(q.kindQuery, { id });
      if (!k.node?.kind) throw new APIError("No item of the graph has this id, or you may not read it.", "NOT_FOUND");
      kind = k.node.kind;
    }
    const started = performance.now();
    const d = await gql<{ neighbourhood: Reach & { root: { id: string; kind: string } } } & PanelData>(q.focusQuery, {
      id,
      ...kindFlags(kind),
      depth: route.depth,
      types: route.types,
      first: route.limit,
    });
    route.item = id;
    route.kind = kind;
    saveRoute(newEntry);
    cy.elements().remove();
    byId("explain").textContent = "";
    merge(cy, d.neighbourhood.graph);
    cy.getElementById(id).addClass("focus").select();
    await layout(cy, false);
    probe.lastRenderMs = performance.now() - started;
    applyImpact();
    applyPath();
    showBound(d.neighbourhood.reachedCount);
    showPanel(d);
    notice(`${d.node?.name ?? "Item"}: ${cy.nodes().length} items drawn in ${Math.round(probe.lastRenderMs)} ms.`);
  });
}

async function expand(node: NodeSingular): Promise<void> {
  await action(async () => {
    const id = node.id();
    const kind = node.data("kind") as string;
    const d = await gql<{ neighbourhood: Reach } & PanelData>(q.expandQuery, { id, ...kindFlags(kind), types: route.types, first: pageSize });
    const added = merge(cy, d.neighbourhood.graph, node.data("distance") as number);
    byId("explain").textContent = "";
    cy.elements().unselect();
    node.select();
    if (added.length) await layout(cy, true);
    applyImpact();
    showPanel(d);
    const drawnAround = node.neighborhood("node").length;
    notice(
      `${node.data("name")}: ${added.length} new ${added.length === 1 ? "item" : "items"}` +
        (d.neighbourhood.reachedCount > drawnAround ? `, ${d.neighbourhood.reachedCount - drawnAround} more neighbours not drawn (focus it to page through them).` : "."),
    );
  });
}

async function showMore(): Promise<void> {
  route.limit = Math.min(route.limit + pageSize, maxDrawn);
  if (route.item) await focusOn(route.item, route.kind, false);
}

async function failItems(ids: string[]): Promise<void> {
  await action(async () => {
    const d = await gql<ImpactResult>(q.impactQuery, { ids, first: impactDrawn });
    route.fail = ids;
    saveRoute(false);
    const a = d.impactAnalysis;
    impacted = new Map(a.nearest.edges.map(({ node: n }) => [n.item.id, { id: n.item.id, name: n.item.name, kind: n.kind, severity: n.severity, distance: n.distance, path: n.path }]));
    // Impacted items beyond the drawing join it, with the relationships
    // that carry the failure to them.
    const nodes = [...a.roots.map((r) => ({ id: r.id, kind: r.kind, name: r.name, distance: 0 })), ...[...impacted.values()].map((i) => ({ id: i.id, kind: i.kind, name: i.name, distance: i.distance }))];
    const added = merge(cy, {
      nodes: nodes.map((n) => ({ ...n, type: null, status: null, severity: null })),
      edges: [...impacted.values()].flatMap((i) => i.path),
    });
    if (added.length) await layout(cy, true);
    applyImpact();
    renderImpact(d);
  });
}

function clearImpact(): void {
  route.fail = [];
  impacted = new Map();
  saveRoute(false);
  applyImpact();
  fill(byId("impact"),);
}

/** Colours what the current analysis hit; a new drawing keeps the overlay. */
function applyImpact(): void {
  cy.elements().removeClass("down degraded failed impact explain");
  for (const id of route.fail) cy.getElementById(id).addClass("failed");
  for (const i of impacted.values()) {
    cy.getElementById(i.id).addClass(i.severity === "DOWN" ? "down" : "degraded");
    for (const e of i.path) cy.getElementById(e.id).addClass("impact");
  }
}

function renderImpact(d: ImpactResult): void {
  const a = d.impactAnalysis;
  const c = a.counts;
  const list = (title: string, id: string, items: Node[]) => (items.length ? section(title, id, items, "") : null);
  const business = a.business.edges.map((e) => e.node);
  const hit = (kind: string) => business.filter((b) => b.kind === kind).map((b) => h("span", { class: b.severity.toLowerCase() }, `${b.item.name} (${words(b.severity)})`));
  fill(byId("impact"),
    h(
      "div",
      { class: "impact-head" },
      h("h3", {}, "What breaks if " + a.roots.map((r) => r.name).join(" and ") + (a.roots.length === 1 ? " fails" : " fail")),
      h("button", { id: "clear-impact", click: clearImpact }, "Clear"),
    ),
    h(
      "p",
      { id: "impact-counts", "data-total": String(c.total), "data-down": String(c.down), "data-degraded": String(c.degraded) },
      h("b", {}, `${c.total} impacted`),
      `: ${c.down} down, ${c.degraded} degraded — ${c.configurationItems} CIs, ${c.technicalServices} technical and ${c.businessServices} business services, ${c.businessProcesses} processes, ${c.businessUnits} business units.`,
      a.nearest.totalCount > a.nearest.edges.length ? ` The ${a.nearest.edges.length} nearest are drawn.` : "",
    ),
    a.retiredRoots.length ? h("p", { class: "muted" }, "Retired, so impacting nothing: " + a.retiredRoots.map((r) => r.name).join(", ")) : null,
    list("Business services hit", "business-services", hit("BUSINESS_SERVICE")),
    list("Business processes hit", "business-processes", hit("BUSINESS_PROCESS")),
    list("Business units hit", "business-units", hit("BUSINESS_UNIT")),
    list("SLAs at risk", "slas", a.slasAtRisk.map((s) => h("span", {}, s.name))),
    list("Open incidents on these items", "impact-incidents", a.openIncidents.map((i) => h("span", {}, `${i.number} ${words(i.priority)} · ${i.shortDescription}`))),
    h("p", { class: "muted small" }, "Hover an item to see the chain that carries the failure to it."),
  );
}

/** Explains a hovered item: the chain of relationships that carries the failure to it. */
function explain(node: NodeSingular): void {
  const i = impacted.get(node.id());
  if (!i) return;
  cy.edges().removeClass("explain");
  const name = (id: string) => (cy.getElementById(id).data("name") as string | undefined) ?? id;
  const chain = i.path.map((e) => {
    cy.getElementById(e.id).addClass("explain");
    return `${name(e.sourceId)} —${e.type}→ ${name(e.targetId)}`;
  });
  byId("explain").textContent = `${i.name} is ${words(i.severity)} at ${i.distance} ${i.distance === 1 ? "hop" : "hops"}: ${chain.join(", ")}`;
}

async function findPaths(from: string, to: string): Promise<void> {
  await action(async () => {
    const d = await gql<{ paths: { paths: { length: number; items: { id: string; name: string }[]; edges: { id: string }[] }[]; graph: View } }>(q.pathsQuery, { from, to, types: route.types });
    route.path = [from, to];
    pathFromId = null;
    saveRoute(false);
    const added = merge(cy, d.paths.graph);
    if (added.length) await layout(cy, true);
    pathResult = d.paths.paths;
    applyPath();
    const box = byId("paths");
    box.replaceChildren(
      h("div", { class: "impact-head" }, h("h3", {}, "Paths"), h("button", { id: "clear-paths", click: clearPaths }, "Clear")),
      pathResult.length
        ? h("ol", { id: "path-list" }, ...pathResult.map((p) => h("li", {}, `${p.length} ${p.length === 1 ? "step" : "steps"}: ${p.items.map((i) => i.name).join(" → ")}`)))
        : h("p", { id: "path-list" }, "No path of at most 8 relationships joins them."),
    );
    if (panelData) showPanel(panelData);
  });
}

let pathResult: { length: number; items: { id: string; name: string }[]; edges: { id: string }[] }[] = [];

function applyPath(): void {
  cy.elements().removeClass("path path-end");
  for (const p of pathResult) {
    for (const i of p.items) cy.getElementById(i.id).addClass("path");
    for (const e of p.edges) cy.getElementById(e.id).addClass("path");
  }
  if (route.path) for (const id of route.path) cy.getElementById(id).addClass("path-end");
}

function clearPaths(): void {
  route.path = null;
  pathResult = [];
  saveRoute(false);
  applyPath();
  byId("paths").replaceChildren();
}

// ---- search

let searchTimer = 0;

async function runSearch(text: string): Promise<void> {
  const box = byId("hits");
  if (text.trim().length < 2) {
    box.replaceChildren();
    return;
  }
  await action(async () => {
    const d = await gql<{ search: { totalCount: number; edges: { node: { kind: string; item: { id: string; name: string; type?: string; serviceKind?: string; status?: string; serviceStatus?: string } } }[] } }>(q.searchQuery, { text });
    const hits = d.search.edges.map((e) => e.node);
    fill(
      box,
      ...hits.map((hit) => {
        const i = hit.item;
        const kind = hit.kind === "SERVICE" ? (i.serviceKind === "TECHNICAL" ? "TECHNICAL_SERVICE" : "BUSINESS_SERVICE") : hit.kind;
        return h(
          "li",
          {
            class: "hit",
            "data-id": i.id,
            click: () => {
              box.replaceChildren();
              void focusOn(i.id, kind);
            },
          },
          h("b", {}, i.name),
          h("span", { class: "muted" }, ` ${words(kind)}${i.type ? " · " + i.type : ""}${i.status || i.serviceStatus ? " · " + words(i.status ?? i.serviceStatus) : ""}`),
        );
      }),
      hits.length ? null : h("li", { class: "muted" }, "Nothing found."),
    );
  });
}

// ---- live

function drawn(ids: string[]): string[] {
  return ids.filter((id) => cy.getElementById(id).nonempty());
}

function live(text: string): void {
  probe.live.push(text);
  const feed = byId("live");
  feed.prepend(h("li", {}, `${new Date().toLocaleTimeString()} ${text}`));
  while (feed.children.length > 20) feed.lastChild?.remove();
}

function listen(): void {
  for (const u of unsubscribe) u();
  const onError = (e: Error) => notice("Live updates stopped: " + e.message, "error");
  unsubscribe = [
    subscribe<{ incidentChanged: Incident & { configurationItems: { id: string }[]; services: { id: string }[] } }>(
      q.incidentsLive,
      {},
      ({ incidentChanged: inc }) => {
        const on = drawn([...inc.configurationItems, ...inc.services].map((x) => x.id));
        if (!on.length) return;
        const open = !["RESOLVED", "CLOSED", "CANCELLED"].includes(inc.state);
        for (const id of on) {
          const list = (liveIncidents.get(id) ?? []).filter((i) => i.id !== inc.id);
          if (open) list.unshift(inc);
          liveIncidents.set(id, list);
          cy.getElementById(id).toggleClass("alert", list.length > 0 || open);
        }
        live(`${inc.number} ${words(inc.state)} on ${on.map((id) => cy.getElementById(id).data("name")).join(", ")}: ${inc.shortDescription}`);
        if (panelData?.node && on.includes(panelData.node.id)) showPanel(panelData);
      },
      onError,
    ),
    subscribe<{ changeChanged: { id: string; number: string; title: string; state: string; targets: { id: string }[] } }>(
      q.changesLive,
      {},
      ({ changeChanged: c }) => {
        const on = drawn(c.targets.map((t) => t.id));
        if (!on.length) return;
        for (const id of on) cy.getElementById(id).flashClass("alert", 3000);
        live(`${c.number} ${words(c.state)} on ${on.map((id) => cy.getElementById(id).data("name")).join(", ")}: ${c.title}`);
      },
      onError,
    ),
    subscribe<{ configurationItemChanged: { id: string; name: string; status: string } }>(
      q.itemsLive,
      {},
      ({ configurationItemChanged: ci }) => {
        const n = cy.getElementById(ci.id);
        if (n.empty()) return;
        if (n.data("status") !== ci.status) live(`${ci.name} is now ${words(ci.status)}`);
        n.data({ name: ci.name, status: ci.status });
      },
      onError,
    ),
  ];
}

// ---- sign-in and start

function signOut(message = ""): void {
  setToken(null);
  for (const u of unsubscribe) u();
  unsubscribe = [];
  byId("app").hidden = true;
  byId("signin").hidden = false;
  byId("signin-error").textContent = message;
}

async function start(): Promise<void> {
  byId("signin").hidden = true;
  byId("app").hidden = false;
  cy.resize();
  await action(async () => {
    const d = await gql<{ me: { subject: string; roles: string[]; user: { displayName: string } | null }; relationshipTypes: { name: string; description: string }[] }>(q.startQuery);
    byId("who").textContent = `${d.me.user?.displayName ?? d.me.subject} (${d.me.roles.map(words).join(", ")})`;
    const types = byId("types");
    types.replaceChildren(
      ...d.relationshipTypes.map((t) =>
        h(
          "label",
          { title: t.description },
          (() => {
            const box = h("input", { type: "checkbox", value: t.name, "data-type": t.name }) as HTMLInputElement;
            box.checked = !route.types || route.types.includes(t.name);
            box.addEventListener("change", onTypesChanged);
            return box;
          })(),
          " " + t.name,
        ),
      ),
    );
  });
  listen();
  if (route.item) await focusOn(route.item, route.kind, false);
  if (route.fail.length) await failItems(route.fail);
  if (route.path) await findPaths(route.path[0], route.path[1]);
}

function onTypesChanged(): void {
  const boxes = [...document.querySelectorAll<HTMLInputElement>("#types input")];
  const on = boxes.filter((b) => b.checked).map((b) => b.value);
  route.types = on.length === boxes.length ? null : on;
  if (on.length === 0) {
    notice("Pick at least one relationship type.", "error");
    return;
  }
  if (route.item) void focusOn(route.item, route.kind, false);
}

/** Signs in with a token got somehow; a refusal is shown on the sign-in form. */
async function signInWith(getToken: () => Promise<string>): Promise<void> {
  let ok = false;
  await action(async () => {
    try {
      setToken(await getToken());
      ok = true;
    } catch (err) {
      byId("signin-error").textContent = err instanceof Error ? err.message : String(err);
    }
  });
  if (ok) await start();
}

function signIn(e: Event): void {
  e.preventDefault();
  const username = byId<HTMLInputElement>("username").value;
  const password = byId<HTMLInputElement>("password");
  void signInWith(async () => {
    const d = await gql<{ login: { token: string } }>(q.loginMutation, { username, password: password.value });
    password.value = "";
    return d.login.token;
  });
}

function useToken(e: Event): void {
  e.preventDefault();
  const t = byId<HTMLTextAreaElement>("token").value.trim().replace(/^Bearer\s+/i, "");
  if (t) void signInWith(async () => t);
}

function boot(): void {
  cy = newCanvas(byId("canvas"));
  probe = { cy, route, done: 0, busy: 0, lastRenderMs: 0, live: [] };
  (window as unknown as { itsmExplorer: Probe }).itsmExplorer = probe;

  // A double click must not also expand: a click waits briefly to see
  // whether a second one follows.
  let clickTimer = 0;
  cy.on("tap", "node", (ev) => {
    const n = ev.target as NodeSingular;
    window.clearTimeout(clickTimer);
    clickTimer = window.setTimeout(() => void expand(n), 250);
  });
  cy.on("dbltap", "node", (ev) => {
    window.clearTimeout(clickTimer);
    const n = ev.target as NodeSingular;
    void focusOn(n.id(), n.data("kind") as string);
  });
  cy.on("mouseover", "node", (ev) => explain(ev.target as NodeSingular));
  cy.on("mouseout", "node", () => {
    cy.edges().removeClass("explain");
    byId("explain").textContent = "";
  });

  byId("signin-form").addEventListener("submit", signIn);
  byId("token-form").addEventListener("submit", useToken);
  byId("signout").addEventListener("click", () => signOut());
  const search = byId<HTMLInputElement>("search");
  search.addEventListener("input", () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => void runSearch(search.value), 250);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      window.clearTimeout(searchTimer);
      void runSearch(search.value);
    }
  });
  const depth = byId<HTMLSelectElement>("depth");
  depth.value = String(route.depth);
  depth.addEventListener("change", () => {
    route.depth = Number(depth.value);
    route.limit = pageSize;
    if (route.item) void focusOn(route.item, route.kind, false);
  });
  byId("fit").addEventListener("click", () => cy.fit(undefined, 30));
  window.addEventListener("popstate", () => {
    route = parseRoute();
    probe.route = route;
    depth.value = String(route.depth);
    if (route.item && token()) void focusOn(route.item, route.kind, false);
  });

  if (token()) void start();
  else signOut();
}

boot();
