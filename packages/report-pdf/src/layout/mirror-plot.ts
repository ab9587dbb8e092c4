// Mirror plot of a query spectrum (up) against a library reference (down), the picture an
// analyst and a court look at to judge an identification. One geometry, two renderers: vector
// drawing into the PDF, and an SVG string the web UI shows.
import type { Peaks } from '../model.ts';

export interface PlotBox {
  width: number;
  height: number;
}

export interface MirrorPlotLabels {
  query: string;
  reference: string;
  /** Axis title, "m/z" by default. */
  mz?: string;
}

interface Bar {
  x: number;
  y1: number;
  y2: number;
}

export interface MirrorPlotGeometry {
  /** Frame, zero line, and the y of 100 % up (query) and down (reference). */
  plot: { left: number; right: number; top: number; bottom: number; mid: number; up100: number; down100: number };
  queryBars: Bar[];
  referenceBars: Bar[];
  mzTicks: { x: number; label: string }[];
  /** m/z labels of the few tallest peaks of each side. */
  peakLabels: { x: number; y: number; label: string; side: 'query' | 'reference' }[];
}

const MARGIN = { left: 30, right: 8, top: 14, bottom: 24 };
/** Tallest bar as a share of each half, leaving room for the peak labels. */
const HEADROOM = 0.86;

function normalized(peaks: Peaks): Peaks {
  const max = peaks.reduce((m, [, i]) => Math.max(m, i), 0);
  return max === 0 ? [] : peaks.map(([mz, i]) => [mz, (100 * i) / max] as [number, number]);
}

function niceStep(span: number): number {
  const raw = span / 8;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * pow;
}

/** Pure layout of the plot inside a box whose origin is its top-left corner (y grows down). */
export function mirrorPlotGeometry(query: Peaks, reference: Peaks, box: PlotBox): MirrorPlotGeometry {
  const q = normalized(query);
  const r = normalized(reference);
  const all = [...q, ...r].map(([mz]) => mz);
  const lo = all.length ? Math.min(...all) : 0;
  const hi = all.length ? Math.max(...all) : 100;
  const step = niceStep(Math.max(hi - lo, 10));
  const mzMin = Math.max(0, Math.floor(lo / step) * step - step / 2);
  const mzMax = Math.ceil(hi / step) * step + step / 2;
  const plot = {
    left: MARGIN.left,
    right: box.width - MARGIN.right,
    top: MARGIN.top,
    bottom: box.height - MARGIN.bottom,
    mid: MARGIN.top + (box.height - MARGIN.bottom - MARGIN.top) / 2,
    up100: 0,
    down100: 0,
  };
  const half = (plot.mid - plot.top) * HEADROOM;
  plot.up100 = plot.mid - half;
  plot.down100 = plot.mid + half;
  const xOf = (mz: number) => plot.left + ((mz - mzMin) / (mzMax - mzMin)) * (plot.right - plot.left);
  const queryBars = q.map(([mz, i]) => ({ x: xOf(mz), y1: plot.mid, y2: plot.mid - (i / 100) * half }));
  const referenceBars = r.map(([mz, i]) => ({ x: xOf(mz), y1: plot.mid, y2: plot.mid + (i / 100) * half }));
  const mzTicks: MirrorPlotGeometry['mzTicks'] = [];
  for (let t = Math.ceil(mzMin / step) * step; t <= mzMax; t += step) mzTicks.push({ x: xOf(t), label: String(Math.round(t * 100) / 100) });
  const top = (peaks: Peaks) => [...peaks].sort((a, b) => b[1] - a[1]).slice(0, 4);
  const peakLabels: MirrorPlotGeometry['peakLabels'] = [
    ...top(q).map(([mz, i]) => ({ x: xOf(mz), y: plot.mid - (i / 100) * half, label: String(Math.round(mz)), side: 'query' as const })),
    ...top(r).map(([mz, i]) => ({ x: xOf(mz), y: plot.mid + (i / 100) * half, label: String(Math.round(mz)), side: 'reference' as const })),
  ];
  return { plot, queryBars, referenceBars, mzTicks, peakLabels };
}

const QUERY_COLOUR = '#1f4e9c';
const REFERENCE_COLOUR = '#b2222b';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** The mirror plot as a self-contained SVG document. */
export function mirrorPlotSvg(query: Peaks, reference: Peaks, labels: MirrorPlotLabels, box: PlotBox = { width: 480, height: 220 }): string {
  const g = mirrorPlotGeometry(query, reference, box);
  const { plot } = g;
  const f = (n: number) => n.toFixed(2);
  const bars = (list: Bar[], colour: string) =>
    `<path stroke="${colour}" stroke-width="1" d="${list.map((b) => `M${f(b.x)} ${f(b.y1)}V${f(b.y2)}`).join('')}"/>`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${box.width} ${box.height}" width="${box.width}" height="${box.height}" font-family="DejaVu Sans, sans-serif" font-size="8">`,
    `<rect x="${plot.left}" y="${plot.top}" width="${f(plot.right - plot.left)}" height="${f(plot.bottom - plot.top)}" fill="none" stroke="#888" stroke-width="0.5"/>`,
    bars(g.queryBars, QUERY_COLOUR),
    bars(g.referenceBars, REFERENCE_COLOUR),
    `<line x1="${plot.left}" y1="${f(plot.mid)}" x2="${f(plot.right)}" y2="${f(plot.mid)}" stroke="#000" stroke-width="0.7"/>`,
    ...g.mzTicks.map((t) => `<text x="${f(t.x)}" y="${f(plot.bottom + 9)}" text-anchor="middle">${esc(t.label)}</text>`),
    ...g.peakLabels.map(
      (p) => `<text x="${f(p.x)}" y="${f(p.side === 'query' ? p.y - 2 : p.y + 8)}" text-anchor="middle" fill="${p.side === 'query' ? QUERY_COLOUR : REFERENCE_COLOUR}" font-size="6">${esc(p.label)}</text>`,
    ),
    `<text x="${plot.left - 3}" y="${f(plot.up100 + 3)}" text-anchor="end">100</text>`,
    `<text x="${plot.left - 3}" y="${f(plot.mid + 3)}" text-anchor="end">0</text>`,
    `<text x="${plot.left - 3}" y="${f(plot.down100 + 3)}" text-anchor="end">100</text>`,
    `<text x="${f((plot.left + plot.right) / 2)}" y="${box.height - 2}" text-anchor="middle">${esc(labels.mz ?? 'm/z')}</text>`,
    `<text x="${plot.left}" y="${plot.top - 4}" fill="${QUERY_COLOUR}">▲ ${esc(labels.query)}</text>`,
    `<text x="${f(plot.right)}" y="${plot.top - 4}" text-anchor="end" fill="${REFERENCE_COLOUR}">▼ ${esc(labels.reference)}</text>`,
    '</svg>',
  ];
  return parts.join('\n');
}

/** The subset of pdfkit's document API the plot draws with. */
export interface VectorCanvas {
  save(): this;
  restore(): this;
  translate(x: number, y: number): this;
  moveTo(x: number, y: number): this;
  lineTo(x: number, y: number): this;
  rect(x: number, y: number, w: number, h: number): this;
  lineWidth(w: number): this;
  stroke(colour?: string): this;
  fillColor(colour: string): this;
  fontSize(size: number): this;
  text(text: string, x: number, y: number, options?: { width?: number; align?: 'left' | 'center' | 'right'; lineBreak?: boolean }): this;
}

/** Draws the mirror plot as vector graphics at (x, y) on a pdfkit document. */
export function drawMirrorPlot(
  doc: VectorCanvas,
  query: Peaks,
  reference: Peaks,
  options: { x: number; y: number; labels: MirrorPlotLabels } & PlotBox,
): void {
  const g = mirrorPlotGeometry(query, reference, options);
  const { plot } = g;
  doc.save().translate(options.x, options.y);
  doc.lineWidth(0.5).rect(plot.left, plot.top, plot.right - plot.left, plot.bottom - plot.top).stroke('#888888');
  const bars = (list: Bar[], colour: string) => {
    if (list.length === 0) return;
    for (const b of list) doc.moveTo(b.x, b.y1).lineTo(b.x, b.y2);
    doc.lineWidth(1).stroke(colour);
  };
  bars(g.queryBars, QUERY_COLOUR);
  bars(g.referenceBars, REFERENCE_COLOUR);
  doc.lineWidth(0.7).moveTo(plot.left, plot.mid).lineTo(plot.right, plot.mid).stroke('#000000');
  doc.fontSize(6.5).fillColor('#000000');
  const label = (text: string, x: number, y: number, align: 'left' | 'center' | 'right' = 'center') => {
    const w = 40;
    const left = align === 'center' ? x - w / 2 : align === 'right' ? x - w : x;
    doc.text(text, left, y, { width: w, align, lineBreak: false });
  };
  for (const t of g.mzTicks) label(t.label, t.x, plot.bottom + 3);
  label('100', plot.left - 3, plot.up100 - 3, 'right');
  label('0', plot.left - 3, plot.mid - 3, 'right');
  label('100', plot.left - 3, plot.down100 - 3, 'right');
  label(options.labels.mz ?? 'm/z', (plot.left + plot.right) / 2, options.height - 10);
  doc.fontSize(5.5);
  for (const p of g.peakLabels) {
    doc.fillColor(p.side === 'query' ? QUERY_COLOUR : REFERENCE_COLOUR);
    label(p.label, p.x, p.side === 'query' ? p.y - 7 : p.y + 1);
  }
  doc.fontSize(7);
  const legendWidth = (plot.right - plot.left) / 2;
  doc.fillColor(QUERY_COLOUR).text(`▲ ${options.labels.query}`, plot.left, plot.top - 10, { width: legendWidth, lineBreak: false });
  doc.fillColor(REFERENCE_COLOUR).text(`▼ ${options.labels.reference}`, plot.left + legendWidth, plot.top - 10, {
    width: legendWidth,
    align: 'right',
    lineBreak: false,
  });
  doc.fillColor('#000000').restore();
}
