// Evidence labels: a barcode of the lab number (Code128 by default, DataMatrix on request) with
// the case and item text beside it, as a single-label PDF, an A4 sheet of labels, or a PNG.
// Text is set in DejaVu Sans, embedded, so Cyrillic prints as it was typed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import bwipjs from 'bwip-js';
import PDFDocument from 'pdfkit';

export type Symbology = 'code128' | 'datamatrix';

export interface LabelData {
  labNo: string;
  caseId: string;
  agencyCaseNumber: string;
  exhibitNo: string;
  description: string;
  /** Free line under the description, e.g. the agency name or "Sub-sample of …". */
  note?: string;
  receivedAt: string;
}

const MM = 72 / 25.4;
/** 100 x 50 mm, the common thermal evidence label. */
export const LABEL_SIZE = { width: 100 * MM, height: 50 * MM } as const;

function fontPath(bold: boolean): string {
  const file = bold ? 'DejaVuSans-Bold.ttf' : 'DejaVuSans.ttf';
  const dirs: string[] = [];
  try {
    dirs.push(path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf'));
  } catch {
    // the package is a dependency; Debian's copy is the fallback on a machine that lacks it
  }
  dirs.push('/usr/share/fonts/truetype/dejavu');
  const found = dirs.map((d) => path.join(d, file)).find((p) => existsSync(p));
  if (!found) throw new Error(`Font ${file} not found in ${dirs.join(', ')}; install dejavu-fonts-ttf`);
  return found;
}

// See bwip-js.d.ts: this is the one function of it used here.
const bwip = bwipjs as { toBuffer(options: Record<string, unknown>): Promise<Buffer> };

/** The barcode alone, as PNG: what a scanner reads. */
export function barcodePng(labNo: string, symbology: Symbology = 'code128'): Promise<Buffer> {
  return bwip.toBuffer(
    symbology === 'code128'
      ? { bcid: 'code128', text: labNo, scale: 3, height: 12, includetext: false, paddingwidth: 4, paddingheight: 2, backgroundcolor: 'FFFFFF' }
      : { bcid: 'datamatrix', text: labNo, scale: 4, paddingwidth: 2, paddingheight: 2, backgroundcolor: 'FFFFFF' },
  );
}

function newDoc(size: [number, number], title: string): PDFKit.PDFDocument {
  const doc = new PDFDocument({ size, margin: 0, autoFirstPage: false, info: { Title: title, Producer: 'Tamga', Creator: 'Tamga intake' } });
  doc.registerFont('text', fontPath(false));
  doc.registerFont('bold', fontPath(true));
  return doc;
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

/** Draws one label with its top-left corner at (x, y). */
function drawLabel(doc: PDFKit.PDFDocument, label: LabelData, barcode: Buffer, symbology: Symbology, x: number, y: number): void {
  const { width, height } = LABEL_SIZE;
  const pad = 3 * MM;
  doc.save().lineWidth(0.5).strokeColor('#999999').rect(x + 0.5, y + 0.5, width - 1, height - 1).stroke().restore();
  doc.fillColor('black');
  doc.font('bold').fontSize(13).text(label.labNo, x + pad, y + pad, { width: width - 2 * pad, lineBreak: false });

  let textTop = y + pad + 17;
  let textWidth = width - 2 * pad;
  if (symbology === 'code128') {
    doc.image(barcode, x + pad, textTop, { width: width - 2 * pad, height: 12 * MM });
    textTop += 12 * MM + 3;
  } else {
    const side = 24 * MM;
    doc.image(barcode, x + width - pad - side, y + height - pad - side, { width: side, height: side });
    textWidth = width - 3 * pad - side;
  }
  const lines = [
    `Дело / Case: ${label.caseId}  (${label.agencyCaseNumber})`,
    `Объект / Exhibit: ${label.exhibitNo}   Принят: ${label.receivedAt.slice(0, 10)}`,
  ];
  doc.font('text').fontSize(7);
  for (const line of lines) {
    doc.text(line, x + pad, textTop, { width: textWidth, lineBreak: false, ellipsis: true });
    textTop += 9;
  }
  const room = y + height - pad - textTop;
  doc.text(label.description, x + pad, textTop, { width: textWidth, height: Math.max(9, room - (label.note ? 9 : 0)), ellipsis: true });
  if (label.note) doc.text(label.note, x + pad, y + height - pad - 8, { width: textWidth, lineBreak: false, ellipsis: true });
}

/** One label on a page of its own size, for a label printer. */
export async function renderLabelPdf(label: LabelData, symbology: Symbology = 'code128'): Promise<Buffer> {
  const doc = newDoc([LABEL_SIZE.width, LABEL_SIZE.height], `Label ${label.labNo}`);
  const barcode = await barcodePng(label.labNo, symbology);
  doc.addPage();
  drawLabel(doc, label, barcode, symbology, 0, 0);
  return collect(doc);
}

/** Labels on A4 sheets, two columns by five rows, in the order given. */
export async function renderLabelSheetPdf(labels: readonly LabelData[], symbology: Symbology = 'code128'): Promise<Buffer> {
  const a4: [number, number] = [210 * MM, 297 * MM];
  const doc = newDoc(a4, `Labels (${labels.length})`);
  const cols = 2;
  const rows = 5;
  const left = (a4[0] - cols * LABEL_SIZE.width) / 2;
  const top = (a4[1] - rows * LABEL_SIZE.height) / 2;
  const barcodes = await Promise.all(labels.map((l) => barcodePng(l.labNo, symbology)));
  labels.forEach((label, i) => {
    const slot = i % (cols * rows);
    if (slot === 0) doc.addPage();
    const x = left + (slot % cols) * LABEL_SIZE.width;
    const y = top + Math.floor(slot / cols) * LABEL_SIZE.height;
    drawLabel(doc, label, barcodes[i] ?? Buffer.alloc(0), symbology, x, y);
  });
  if (labels.length === 0) doc.addPage();
  return collect(doc);
}

/**
 * The label as a PNG image (for screens and printers that take images): the single-label PDF
 * rasterised by poppler's `pdftoppm`, so the PNG shows exactly what the PDF prints.
 */
export async function renderLabelPng(label: LabelData, symbology: Symbology = 'code128', dpi = 300): Promise<Buffer> {
  const pdf = await renderLabelPdf(label, symbology);
  const dir = await mkdtemp(path.join(tmpdir(), 'tamga-label-'));
  try {
    await writeFile(path.join(dir, 'label.pdf'), pdf);
    await new Promise<void>((resolve, reject) => {
      execFile('pdftoppm', ['-png', '-r', String(dpi), '-singlefile', path.join(dir, 'label.pdf'), path.join(dir, 'label')], (err) => {
        if (err) reject(new Error(`pdftoppm failed (is poppler-utils installed?): ${err.message}`, { cause: err }));
        else resolve();
      });
    });
    return await readFile(path.join(dir, 'label.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
