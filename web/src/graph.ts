// The canvas: Cytoscape.js with one shape per kind of item, one colour per
// status, and the impact overlay drawn as classes on top.

import cytoscape, { type Core, type ElementDefinition } from "cytoscape";

export interface ViewNode {
  id: string;
  kind: string;
  name: string;
  type: string | null;
  status: string | null;
  distance: number;
  severity: string | null;
}

export interface ViewEdge {
  id: string;
  type: string;
  sourceId: string;
  targetId: string;
  impactDirection: string;
}

export interface View {
  nodes: ViewNode[];
  edges: ViewEdge[];
}

/** Shapes tell kinds apart at a glance, from infrastructure up to the business. */
export const shapes: Record<string, string> = {
  CONFIGURATION_ITEM: "round-rectangle",
  TECHNICAL_SERVICE: "hexagon",
  BUSINESS_SERVICE: "diamond",
  BUSINESS_PROCESS: "tag",
  BUSINESS_UNIT: "barrel",
};

/** Fill per lifecycle status, before any impact colour. */
export const statusColours: Record<string, string> = {
  ACTIVE: "#4c9f70",
  LIVE: "#4c9f70",
  MAINTENANCE: "#d6a300",
  PLANNED: "#9aa5b1",
  PIPELINE: "#9aa5b1",
  RETIRED: "#5f6b76",
  NONE: "#5b7db1",
};

export const severityColours = { DOWN: "#d62828", DEGRADED: "#f77f00" };

const style: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: {
      label: "data(name)",
      shape: (n: cytoscape.NodeSingular) => (shapes[n.data("kind")] ?? "ellipse") as cytoscape.Css.NodeShape,
      "background-color": (n: cytoscape.NodeSingular) => statusColours[n.data("status") ?? "NONE"] ?? statusColours.NONE,
      width: 30,
      height: 30,
      "font-size": 9,
      "text-valign": "bottom",
      "text-margin-y": 3,
      "text-max-width": "110px",
      "text-wrap": "ellipsis",
      "min-zoomed-font-size": 6,
      "border-width": 1,
      "border-color": "#2d3748",
    },
  },
  { selector: "node[kind != 'CONFIGURATION_ITEM']", style: { width: 38, height: 38 } },
  { selector: "node.focus", style: { "border-width": 4, "border-color": "#1d4ed8" } },
  { selector: "node:selected", style: { "border-width": 4, "border-color": "#7c3aed" } },
  { selector: "node.down", style: { "background-color": severityColours.DOWN } },
  { selector: "node.degraded", style: { "background-color": severityColours.DEGRADED } },
  { selector: "node.failed", style: { "background-color": "#111827", "border-width": 5, "border-color": severityColours.DOWN, color: "#111827" } },
  { selector: "node.dimmed", style: { opacity: 0.3 } },
  { selector: "node.alert", style: { "overlay-color": "#d62828", "overlay-opacity": 0.25, "overlay-padding": 6 } },
  { selector: "node.path-end", style: { "border-width": 5, "border-color": "#0ea5e9" } },
  {
    selector: "edge",
    style: {
      width: 1.5,
      "line-color": "#94a3b8",
      "target-arrow-color": "#94a3b8",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      label: "data(type)",
      "font-size": 7,
      color: "#475569",
      "text-rotation": "autorotate",
      "min-zoomed-font-size": 7,
    },
  },
  { selector: "edge.impact", style: { "line-color": severityColours.DEGRADED, "target-arrow-color": severityColours.DEGRADED, width: 2.5 } },
  { selector: "edge.explain", style: { "line-color": "#7c3aed", "target-arrow-color": "#7c3aed", width: 4, "z-index": 10 } },
  { selector: "edge.path", style: { "line-color": "#0ea5e9", "target-arrow-color": "#0ea5e9", width: 4, "z-index": 10 } },
  { selector: "node.path", style: { "border-width": 4, "border-color": "#0ea5e9" } },
  { selector: ".hidden-type", style: { display: "none" } },
];

export function newCanvas(container: HTMLElement): Core {
  return cytoscape({
    container,
    style,
    wheelSensitivity: 0.3,
    minZoom: 0.05,
    maxZoom: 4,
    boxSelectionEnabled: false,
    selectionType: "single",
  });
}

/**
 * Adds what a view holds that the canvas lacks, keeping what is drawn
 * (expanding never moves the items already placed). Returns the ids added.
 */
export function merge(cy: Core, v: View, distanceFrom?: number): string[] {
  const added: string[] = [];
  const els: ElementDefinition[] = [];
  for (const n of v.nodes) {
    const existing = cy.getElementById(n.id);
    if (existing.nonempty()) {
      existing.data({ name: n.name, status: n.status });
      continue;
    }
    added.push(n.id);
    els.push({ group: "nodes", data: { id: n.id, kind: n.kind, name: n.name, type: n.type, status: n.status, distance: (distanceFrom ?? 0) + n.distance } });
  }
  for (const e of v.edges) {
    if (cy.getElementById(e.id).nonempty()) continue;
    els.push({ group: "edges", data: { id: e.id, type: e.type, source: e.sourceId, target: e.targetId, impactDirection: e.impactDirection } });
  }
  // Edges of a view join items of that view; those whose other end is not
  // drawn (a cut neighbourhood) are left out.
  const present = new Set(cy.nodes().map((n) => n.id()).concat(added));
  cy.add(els.filter((el) => el.group === "nodes" || (present.has(el.data.source as string) && present.has(el.data.target as string))));
  return added;
}

/**
 * A force-directed layout while the drawing is small enough for it to be
 * quick and readable; past that, rings by distance from the focus, which
 * cost nothing however many items there are.
 */
export function layout(cy: Core, animate: boolean): Promise<void> {
  const small = cy.nodes().length <= 80;
  const options = small
    ? { name: "cose", animate: animate ? "end" : false, animationDuration: 250, randomize: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 70, numIter: 600, fit: true, padding: 30 }
    : {
        name: "concentric",
        concentric: (n: cytoscape.NodeSingular) => 100 - (n.data("distance") ?? 0),
        levelWidth: () => 1,
        minNodeSpacing: 18,
        animate,
        animationDuration: 250,
        fit: true,
        padding: 30,
      };
  return new Promise((resolve) => {
    const l = cy.layout(options as cytoscape.LayoutOptions);
    l.one("layoutstop", () => resolve());
    l.run();
  });
}
