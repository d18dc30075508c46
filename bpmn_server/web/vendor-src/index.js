/* Entry of static/vendor/bpmn-auto-layout/bpmn-auto-layout.min.js (build.sh bundles it with esbuild).

   bpmn-auto-layout (bpmn.io) places the flow nodes of a diagram without DI on a grid of cells and
   routes the flows between cells; it draws no pool and no lanes. `layout(xml)` runs it and then,
   when the laid-out process has lanes, moves every node into its lane's band (keeping its column
   and the order of its rows), draws the pool and the lanes, and routes each flow again through the
   free space between the cells (out right, along a row gap, down a column gap, in from the left;
   loops back under the rows), so that no flow crosses an unrelated task. */
import { layoutProcess } from "bpmn-auto-layout";
import { BpmnModdle } from "bpmn-moddle";

const CELL_W = 150;
const CELL_H = 140;
const X0 = 75;   // the centre of the first cell (bpmn-auto-layout's grid)
const Y0 = 70;
const HEADER = 30;  // the name strip of a pool and of a lane
const GAP = 8;      // flows run this far inside the free strip above a row

function is(element, type) {
  return element && element.$instanceOf && element.$instanceOf(type);
}

function leafLanes(laneSet) {
  const out = [];
  (laneSet ? laneSet.lanes || [] : []).forEach(function (lane) {
    const children = lane.childLaneSet && lane.childLaneSet.lanes && lane.childLaneSet.lanes.length;
    if (children) { out.push.apply(out, leafLanes(lane.childLaneSet)); } else { out.push(lane); }
  });
  return out;
}

function mid(b) { return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; }

function route(flowSource, s, t, sCell, tCell, rowTop, rowBottom, boundary) {
  const S = mid(s);
  const T = mid(t);
  const colRight = (c) => X0 + (c + 0.5) * CELL_W;
  const colLeft = (c) => X0 + (c - 0.5) * CELL_W;
  if (tCell.col <= sCell.col) {  // back to an earlier column: under the rows, into the target from below
    const below = Math.max(rowBottom(sCell.row), rowBottom(tCell.row)) - GAP;
    return [{ x: S.x, y: s.y + s.height }, { x: S.x, y: below }, { x: T.x, y: below }, { x: T.x, y: t.y + t.height }];
  }
  const start = boundary ? { x: S.x, y: s.y + s.height } : { x: s.x + s.width, y: S.y };
  const end = { x: t.x, y: T.y };
  const gapOut = colRight(sCell.col);
  const gapIn = colLeft(tCell.col);
  const points = [start];
  if (boundary) {
    const down = rowBottom(sCell.row) - GAP;
    points.push({ x: S.x, y: tCell.row === sCell.row ? down : down }, { x: gapOut, y: down });
  } else if (sCell.row === tCell.row && tCell.col === sCell.col + 1) {
    return [start, end];
  } else {
    points.push({ x: gapOut, y: S.y });
  }
  if (tCell.col === sCell.col + 1) {
    points.push({ x: gapOut, y: T.y }, end);
  } else {
    const along = rowTop(tCell.row) + GAP;  // the free strip above the target's row
    points.push({ x: gapOut, y: along }, { x: gapIn, y: along }, { x: gapIn, y: T.y }, end);
  }
  return points.filter((p, i) => i === 0 || p.x !== points[i - 1].x || p.y !== points[i - 1].y);
}

async function withLanes(xml) {
  const moddle = new BpmnModdle();
  const { rootElement: definitions } = await moddle.fromXML(xml);
  const roots = definitions.rootElements || [];
  const collaboration = roots.find((e) => is(e, "bpmn:Collaboration"));
  const diagram = (definitions.diagrams || [])[0];
  if (!diagram) { return xml; }
  const plane = diagram.plane;
  const process = plane.bpmnElement;
  if (!is(process, "bpmn:Process")) { return xml; }
  const participant = collaboration && (collaboration.participants || []).find((p) => p.processRef === process);
  const lanes = leafLanes((process.laneSets || [])[0]);
  if (!lanes.length && !participant) { return xml; }

  const shapes = new Map();
  (plane.planeElement || []).forEach((di) => { if (is(di, "bpmndi:BPMNShape")) { shapes.set(di.bpmnElement, di); } });
  const nodes = (process.flowElements || []).filter((e) => is(e, "bpmn:FlowNode") && shapes.has(e));
  const cellOf = new Map();
  nodes.forEach((n) => {
    const c = mid(shapes.get(n).bounds);
    cellOf.set(n, { col: Math.round((c.x - X0) / CELL_W), row: Math.round((c.y - Y0) / CELL_H) });
  });

  // Each lane gets a band of rows: the rows its nodes used, in their order, packed together.
  const laneOf = new Map();
  lanes.forEach((lane) => (lane.flowNodeRef || []).forEach((n) => laneOf.set(n, lane)));
  const bands = lanes.length ? lanes : [null];
  const newRow = new Map();
  const bandRows = [];
  let next = 0;
  bands.forEach((lane, i) => {
    const mine = nodes.filter((n) => !is(n, "bpmn:BoundaryEvent") &&
      ((laneOf.get(n) || (i === 0 ? lane : undefined)) === lane || (!laneOf.has(n) && i === 0)));
    const rows = Array.from(new Set(mine.map((n) => cellOf.get(n).row))).sort((a, b) => a - b);
    const first = next;
    rows.forEach((r, k) => mine.filter((n) => cellOf.get(n).row === r).forEach((n) => newRow.set(n, first + k)));
    next = first + Math.max(rows.length, 1);
    bandRows.push([first, next]);
  });

  // Move the nodes (a boundary event goes with its host), dropping label positions made for the old places.
  const moved = new Map();
  nodes.forEach((n) => {
    if (is(n, "bpmn:BoundaryEvent")) { return; }
    const di = shapes.get(n);
    const cell = cellOf.get(n);
    const dy = (newRow.get(n) - cell.row) * CELL_H;
    di.bounds.y += dy;
    moved.set(n, dy);
    cell.row = newRow.get(n);
    if (di.label) { delete di.label; }
  });
  nodes.filter((n) => is(n, "bpmn:BoundaryEvent")).forEach((n) => {
    const di = shapes.get(n);
    const host = n.attachedToRef;
    di.bounds.y += moved.get(host) || 0;
    cellOf.set(n, Object.assign({}, cellOf.get(host) || cellOf.get(n)));
    if (di.label) { delete di.label; }
  });

  const rowTop = (r) => Y0 + (r - 0.5) * CELL_H;
  const rowBottom = (r) => Y0 + (r + 0.5) * CELL_H;
  const byId = new Map((process.flowElements || []).map((e) => [e, e]));
  (plane.planeElement || []).forEach((di) => {
    const flow = di.bpmnElement;
    if (!is(di, "bpmndi:BPMNEdge") || !is(flow, "bpmn:SequenceFlow") || !byId.has(flow)) { return; }
    const s = flow.sourceRef;
    const t = flow.targetRef;
    if (!shapes.has(s) || !shapes.has(t)) { return; }
    const points = route(s, shapes.get(s).bounds, shapes.get(t).bounds, cellOf.get(s), cellOf.get(t), rowTop,
      rowBottom, is(s, "bpmn:BoundaryEvent"));
    di.waypoint = points.map((p) => moddle.create("dc:Point", { x: Math.round(p.x), y: Math.round(p.y) }));
    if (di.label) { delete di.label; }
  });

  // The pool and the lanes: around every column in use, one band per lane.
  const cols = nodes.map((n) => cellOf.get(n).col);
  const left = X0 + (Math.min(...cols) - 0.5) * CELL_W - HEADER - (lanes.length ? HEADER : 0);
  const right = X0 + (Math.max(...cols) + 0.5) * CELL_W;
  const top = rowTop(0);
  const bottom = rowTop(next);
  const bounds = (x, y, width, height) => moddle.create("dc:Bounds", { x, y, width, height });
  if (participant) {
    plane.bpmnElement = collaboration;
    plane.planeElement.unshift(moddle.create("bpmndi:BPMNShape", {
      id: participant.id + "_di", bpmnElement: participant, isHorizontal: true,
      bounds: bounds(left, top, right - left, bottom - top)
    }));
  }
  const laneLeft = left + (participant ? HEADER : 0);
  lanes.forEach((lane, i) => {
    const [a, b] = bandRows[i];
    plane.planeElement.splice(participant ? 1 + i : i, 0, moddle.create("bpmndi:BPMNShape", {
      id: lane.id + "_di", bpmnElement: lane, isHorizontal: true,
      bounds: bounds(laneLeft, rowTop(a), right - laneLeft, rowTop(b) - rowTop(a))
    }));
  });
  const { xml: out } = await moddle.toXML(definitions, { format: true });
  return out;
}

/* The diagram with a generated layout: bpmn-auto-layout's, with the pool and lanes of its process. */
export async function layout(xml) {
  return withLanes(await layoutProcess(xml));
}

export { layoutProcess };
