// The test report layout (ISO/IEC 17025:2017 7.8): A4, bilingual labels from the translation
// files, DejaVu embedded, report number + page x of y + verification QR code on every page.
// Produces an unsigned PDF (pdfkit's PDF/A-2b mode); `signReportPdf` signs it afterwards.
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { ReportPdfErrors } from '../errors.ts';
import { fill, loadLabels, localized, type LabelKey, type Labels } from '../i18n/labels.ts';
import { ReportModel, type LocalizedText, type Quantity, type ReportModelInput } from '../model.ts';
import { reportFontFaces } from './fonts.ts';
import { drawMirrorPlot } from './mirror-plot.ts';

export interface RenderOptions {
  /** Full URL of this report on the lab's public verification page (encoded in the QR code). */
  verificationUrl: string;
  /** Label languages, in print order; default Russian then English. */
  languages?: readonly string[];
  /** Who signs (shown on page 1): the signing port's `describe()`. */
  signer?: { name: string; role: string; organization?: string };
  /** IANA time zone for printed times; default UTC. */
  timeZone?: string;
  /**
   * SHA-256 of the report's content (the caller's canonical form of the model), printed on every
   * page: a paper copy carries no file hash, so this is what its reader checks with the lab.
   */
  contentSha256?: string;
}

type Doc = InstanceType<typeof PDFDocument>;

const PAGE = { margin: 48, top: 64, bottom: 84 } as const;
const GREY = '#555555';
const RULE = '#999999';
const QR_SIZE = 54;

/** Renders the report; throws REPORT_ERR_INVALID_MODEL naming the bad fields. */
export async function renderReportPdf(input: ReportModelInput, options: RenderOptions): Promise<Uint8Array> {
  const parsed = ReportModel.safeParse(input);
  if (!parsed.success) {
    throw ReportPdfErrors.REPORT_ERR_INVALID_MODEL(undefined, {
      errors: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  const model = parsed.data;
  const langs = options.languages ?? ['ru', 'en'];
  const labels = langs.map(loadLabels);
  const faces = reportFontFaces();
  const timeZone = options.timeZone ?? 'UTC';

  const doc: Doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.margin, right: PAGE.margin },
    bufferPages: true,
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    lang: langs[0] ?? 'ru',
    displayTitle: true,
    info: {
      Title: `${bilingual(labels, 'title')} ${model.reportNumber}`,
      Author: localized(model.laboratory.name, langs),
      Subject: bilingual(labels, 'title'),
      Keywords: `report-number:${model.reportNumber}`,
      Creator: 'Tamga',
      Producer: 'Tamga (pdfkit)',
      CreationDate: new Date(model.issuedAt),
    },
  });
  // pdfkit takes a parsed fontkit font as a source; its typings only list files and buffers.
  doc.registerFont('regular', faces.regular as unknown as Buffer);
  doc.registerFont('bold', faces.bold as unknown as Buffer);
  doc.registerFont('mono', faces.mono as unknown as Buffer);
  doc.font('regular');
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  const ctx: Ctx = { doc, labels, langs, timeZone, model };
  drawBody(ctx, options);
  drawPageFurniture(ctx, options.verificationUrl, options.contentSha256);
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

interface Ctx {
  doc: Doc;
  labels: Labels[];
  langs: readonly string[];
  timeZone: string;
  model: ReportModel;
}

/** "Метка / Label" in every language, in order, without repeats. */
function bilingual(labels: Labels[], key: LabelKey, values: Readonly<Record<string, string | number>> = {}): string {
  return [...new Set(labels.map((l) => fill(l[key], values)))].join(' / ');
}

function formatDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

function formatDateTime(iso: string, timeZone: string): string {
  const s = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
  return `${s} (${timeZone})`;
}

/** "(x ± U) unit"; the coverage factor is stated once under the table, and here only if not 2. */
function formatQuantity(q: Quantity): string {
  if (q.expandedUncertainty === undefined) return `${q.value} ${q.unit}`;
  return `(${q.value} ± ${q.expandedUncertainty}) ${q.unit}${q.coverageFactor === 2 ? '' : `, k=${q.coverageFactor}`}`;
}

function bottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottom(doc)) doc.addPage();
}

function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function section(ctx: Ctx, n: number, key: LabelKey): void {
  const { doc } = ctx;
  ensureSpace(doc, 60);
  doc.moveDown(0.6);
  doc.font('bold').fontSize(10.5).fillColor('#000000').text(`${n}. ${bilingual(ctx.labels, key)}`, PAGE.margin);
  doc.moveDown(0.25);
}

/** Label/value rows: the label in every language, then the value. */
function fields(ctx: Ctx, rows: readonly (readonly [LabelKey, string | undefined])[]): void {
  const { doc } = ctx;
  const labelWidth = 200;
  const valueX = PAGE.margin + labelWidth + 8;
  const valueWidth = contentWidth(doc) - labelWidth - 8;
  for (const [key, value] of rows) {
    if (value === undefined) continue;
    const label = bilingual(ctx.labels, key);
    doc.font('regular').fontSize(7.5);
    const hLabel = doc.heightOfString(label, { width: labelWidth });
    doc.fontSize(9);
    const hValue = doc.heightOfString(value, { width: valueWidth });
    const h = Math.max(hLabel, hValue) + 3;
    ensureSpace(doc, h);
    const y = doc.y;
    doc.font('regular').fontSize(7.5).fillColor(GREY).text(label, PAGE.margin, y + 1, { width: labelWidth });
    doc.font('regular').fontSize(9).fillColor('#000000').text(value, valueX, y, { width: valueWidth });
    doc.x = PAGE.margin;
    doc.y = y + h;
  }
}

interface Column {
  header: string;
  width: number;
  mono?: boolean;
}

/** A ruled table that breaks across pages, repeating its header. */
function table(ctx: Ctx, columns: readonly Column[], rows: readonly (readonly string[])[]): void {
  const { doc } = ctx;
  const total = columns.reduce((s, c) => s + c.width, 0);
  const scale = contentWidth(doc) / total;
  const widths = columns.map((c) => c.width * scale);
  const pad = 3;
  const measure = (cells: readonly string[], header: boolean) =>
    Math.max(
      ...cells.map((cell, i) => {
        const col = columns[i];
        doc.font(header ? 'bold' : col?.mono ? 'mono' : 'regular').fontSize(header ? 7 : col?.mono ? 6.5 : 8);
        return doc.heightOfString(cell, { width: (widths[i] ?? 0) - 2 * pad });
      }),
    ) +
    2 * pad;
  const drawRow = (cells: readonly string[], header: boolean) => {
    const h = measure(cells, header);
    const y = doc.y;
    let x = PAGE.margin;
    if (header) doc.rect(x, y, contentWidth(doc), h).fill('#eeeeee');
    cells.forEach((cell, i) => {
      const col = columns[i];
      const w = widths[i] ?? 0;
      doc
        .font(header ? 'bold' : col?.mono ? 'mono' : 'regular')
        .fontSize(header ? 7 : col?.mono ? 6.5 : 8)
        .fillColor('#000000')
        .text(cell, x + pad, y + pad, { width: w - 2 * pad });
      x += w;
    });
    doc.lineWidth(0.4).rect(PAGE.margin, y, contentWidth(doc), h).stroke(RULE);
    let xl = PAGE.margin;
    for (const w of widths.slice(0, -1)) {
      xl += w;
      doc.moveTo(xl, y).lineTo(xl, y + h).stroke(RULE);
    }
    doc.x = PAGE.margin;
    doc.y = y + h;
  };
  const headers = columns.map((c) => c.header);
  ensureSpace(doc, measure(headers, true) + measure(rows[0] ?? headers, false));
  drawRow(headers, true);
  for (const row of rows) {
    if (doc.y + measure(row, false) > bottom(doc)) {
      doc.addPage();
      drawRow(headers, true);
    }
    drawRow(row, false);
  }
}

function paragraph(ctx: Ctx, text: string, opts: { size?: number; bold?: boolean; colour?: string } = {}): void {
  const { doc } = ctx;
  doc
    .font(opts.bold ? 'bold' : 'regular')
    .fontSize(opts.size ?? 8.5)
    .fillColor(opts.colour ?? '#000000')
    .text(text, PAGE.margin, doc.y, { width: contentWidth(doc) });
}

function drawBody(ctx: Ctx, options: RenderOptions): void {
  const { doc, model, langs, timeZone } = ctx;
  const L = (t: LocalizedText | undefined) => (t === undefined ? undefined : localized(t, langs));

  // Title block.
  doc.font('bold').fontSize(15).fillColor('#000000');
  for (const l of ctx.labels) doc.text(`${l.title} № ${model.reportNumber}`, { align: 'center' });
  doc.moveDown(0.6);

  fields(ctx, [
    ['reportNumber', model.reportNumber],
    ['issuedAt', formatDate(model.issuedAt, timeZone)],
    ['laboratory', L(model.laboratory.name)],
    ['address', L(model.laboratory.address)],
    ['site', L(model.laboratory.site)],
    ['accreditation', model.laboratory.accreditation],
    ['agency', L(model.agency.name)],
    ['caseNumber', model.agency.caseNumber],
    ['requestRef', model.agency.requestRef],
    ['investigator', [model.investigator.name, L(model.investigator.position)].filter(Boolean).join(', ')],
    ['receivedAt', formatDate(model.receivedAt, timeZone)],
    ['analysisDates', `${formatDate(model.analysis.from, timeZone)} – ${formatDate(model.analysis.to, timeZone)}`],
    ['supersedes', model.supersedes ? `${model.supersedes.reportNumber}: ${L(model.supersedes.reason) ?? ''}` : undefined],
  ]);

  // Who signed, visible on the first page (the PAdES signature itself is invisible).
  const signer = options.signer;
  const boxTop = doc.y + 6;
  doc.y = boxTop + 6;
  fields(ctx, [
    ['signedBy', signer ? [signer.name, signer.role, signer.organization].filter(Boolean).join(', ') : undefined],
    ['authorizer', `${model.authorizer.name}, ${L(model.authorizer.role) ?? ''}`],
    ['signedAt', formatDateTime(model.authorizer.signedAt, timeZone)],
  ]);
  doc.lineWidth(0.8).rect(PAGE.margin - 4, boxTop, contentWidth(doc) + 8, doc.y - boxTop + 4).stroke('#1f4e9c');
  doc.y += 8;

  let n = 0;
  section(ctx, ++n, 'items');
  table(
    ctx,
    [
      { header: bilingual(ctx.labels, 'labNo'), width: 100 },
      { header: bilingual(ctx.labels, 'exhibitNo'), width: 88 },
      { header: `${bilingual(ctx.labels, 'description')}; ${bilingual(ctx.labels, 'packaging')}`, width: 142 },
      { header: bilingual(ctx.labels, 'seals'), width: 85 },
      { header: bilingual(ctx.labels, 'conditionOnReceipt'), width: 85 },
    ],
    model.items.map((item) => [
      item.labNo,
      item.exhibitNo ?? '—',
      [L(item.description), L(item.packaging)].filter(Boolean).join('; '),
      item.seals.length === 0
        ? '—'
        : item.seals.map((s) => `${s.number}: ${bilingual(ctx.labels, s.intact ? 'sealIntact' : 'sealBroken')}`).join('\n'),
      L(item.conditionOnReceipt) ?? '—',
    ]),
  );
  if (model.samplingStatement !== undefined) {
    doc.moveDown(0.3);
    fields(ctx, [['samplingStatement', L(model.samplingStatement)]]);
  }

  section(ctx, ++n, 'results');
  const external = model.results.some((r) => r.externalProvider !== undefined);
  table(
    ctx,
    [
      { header: bilingual(ctx.labels, 'labNo'), width: 100 },
      { header: bilingual(ctx.labels, 'substance'), width: 150 },
      { header: `${bilingual(ctx.labels, 'quantity')}, (x ± U)`, width: 80 },
      { header: `${bilingual(ctx.labels, 'netMass')}, (x ± U)`, width: 80 },
      { header: bilingual(ctx.labels, 'method'), width: 90 },
    ],
    model.results.map((r) => [
      r.labNo,
      [
        r.identified ? L(r.substance) : bilingual(ctx.labels, 'noControlledSubstance'),
        L(r.legalClass),
        r.matchFactor === undefined ? undefined : `${bilingual(ctx.labels, 'matchFactor')}: ${r.matchFactor}`,
        r.reverseMatchFactor === undefined ? undefined : `${bilingual(ctx.labels, 'reverseMatchFactor')}: ${r.reverseMatchFactor}`,
        r.entropySimilarity === undefined ? undefined : `${bilingual(ctx.labels, 'entropySimilarity')}: ${r.entropySimilarity}`,
        r.externalProvider === undefined ? undefined : `* ${bilingual(ctx.labels, 'externalProvider')}: ${r.externalProvider}`,
      ]
        .filter(Boolean)
        .join('\n'),
      r.quantity ? formatQuantity(r.quantity) : '—',
      r.netMass ? formatQuantity(r.netMass) : '—',
      [`${r.method.sopId} v${r.method.version}`, r.method.techniques.join(', ')].filter(Boolean).join('\n'),
    ]),
  );
  doc.moveDown(0.2);
  paragraph(ctx, `U: ${bilingual(ctx.labels, 'uncertainty', { k: 2 })}`, { size: 7.5, colour: GREY });
  if (external) paragraph(ctx, `* ${bilingual(ctx.labels, 'externalProvider')}`, { size: 7.5, colour: GREY });
  doc.moveDown(0.3);
  fields(ctx, [['library', `${model.library.name}, ${model.library.version}`]]);

  const plotted = model.results.filter((r) => r.spectrum !== undefined);
  if (plotted.length > 0) {
    const width = contentWidth(doc);
    const height = 150;
    ensureSpace(doc, height + 70); // keep the heading with its first plot
    section(ctx, ++n, 'spectra');
    for (const r of plotted) {
      if (r.spectrum === undefined) continue;
      ensureSpace(doc, height + 20);
      paragraph(ctx, `${r.labNo}: ${L(r.substance) ?? ''} — ${r.spectrum.referenceName}`, { size: 8, bold: true });
      const y = doc.y + 2;
      drawMirrorPlot(doc, r.spectrum.query, r.spectrum.reference, {
        x: PAGE.margin,
        y,
        width,
        height,
        labels: { query: bilingual(ctx.labels, 'querySpectrum'), reference: bilingual(ctx.labels, 'referenceSpectrum') },
      });
      doc.x = PAGE.margin;
      doc.y = y + height + 6;
    }
  }

  section(ctx, ++n, 'custody');
  table(
    ctx,
    [
      { header: bilingual(ctx.labels, 'labNo'), width: 100 },
      { header: bilingual(ctx.labels, 'custodyHash'), width: 265, mono: true },
      { header: bilingual(ctx.labels, 'custodySize'), width: 45 },
      { header: bilingual(ctx.labels, 'custodyCheckpoint'), width: 90 },
    ],
    model.items.map((i) => [i.labNo, i.custodyHead.hash, String(i.custodyHead.size), i.custodyHead.checkpoint ?? '—']),
  );

  if (model.deviations.length > 0) {
    section(ctx, ++n, 'deviations');
    for (const d of model.deviations) paragraph(ctx, `• ${L(d) ?? ''}`);
  }
  if (model.conformity.length > 0) {
    section(ctx, ++n, 'conformity');
    for (const c of model.conformity) paragraph(ctx, `• ${L(c) ?? ''}`);
  }
  if (model.opinions.length > 0) {
    section(ctx, ++n, 'opinions');
    for (const o of model.opinions) paragraph(ctx, `• ${L(o) ?? ''}`);
  }

  section(ctx, n + 1, 'authorization');
  fields(ctx, [
    ['authorizer', model.authorizer.name],
    ['role', L(model.authorizer.role)],
    ['signedAt', formatDateTime(model.authorizer.signedAt, timeZone)],
  ]);
  doc.moveDown(0.6);
  ensureSpace(doc, 70);
  for (const l of ctx.labels) paragraph(ctx, l.statementItems, { size: 8 });
  doc.moveDown(0.2);
  for (const l of ctx.labels) paragraph(ctx, l.statementReproduction, { size: 8 });
  doc.moveDown(1);
  doc.font('bold').fontSize(10).fillColor('#000000').text(`— ${bilingual(ctx.labels, 'endOfReport')} —`, PAGE.margin, doc.y, {
    width: contentWidth(doc),
    align: 'center',
  });
}

/** Header, footer, page numbers and QR code on every page, drawn once the page count is known. */
function drawPageFurniture(ctx: Ctx, verificationUrl: string, contentSha256: string | undefined): void {
  const { doc, model, langs } = ctx;
  const qr = QRCode.create(verificationUrl, { errorCorrectionLevel: 'M' });
  const range = doc.bufferedPageRange();
  const lab = localized(model.laboratory.name, langs.slice(0, 1));
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const margins = { ...doc.page.margins };
    doc.page.margins.bottom = 0; // writing inside the margin must not start a new page
    doc.page.margins.top = 0;
    const w = doc.page.width;
    const h = doc.page.height;
    const inner = w - 2 * PAGE.margin;

    doc.font('bold').fontSize(7.5).fillColor(GREY).text(lab, PAGE.margin, 26, { width: inner * 0.55, height: 9, ellipsis: true });
    doc
      .font('regular')
      .fontSize(7.5)
      .text(`${bilingual(ctx.labels, 'title')} № ${model.reportNumber}`, PAGE.margin + inner * 0.55, 26, {
        width: inner * 0.45,
        align: 'right',
        lineBreak: false,
      });
    doc.lineWidth(0.5).moveTo(PAGE.margin, 40).lineTo(w - PAGE.margin, 40).stroke(RULE);

    const footTop = h - 72;
    doc.lineWidth(0.5).moveTo(PAGE.margin, footTop).lineTo(w - PAGE.margin, footTop).stroke(RULE);
    const textWidth = inner - QR_SIZE - 10;
    doc.font('bold').fontSize(8).fillColor('#000000');
    doc.text(`${bilingual(ctx.labels, 'reportNumber')}: ${model.reportNumber}`, PAGE.margin, footTop + 6, { width: textWidth, lineBreak: false });
    doc.font('regular').fontSize(8);
    doc.text(bilingual(ctx.labels, 'page', { x: i - range.start + 1, y: range.count }), PAGE.margin, footTop + 18, {
      width: textWidth,
      lineBreak: false,
    });
    doc.fontSize(6.5).fillColor(GREY);
    doc.text(`${bilingual(ctx.labels, 'verifyAt')}: ${verificationUrl}`, PAGE.margin, footTop + 30, { width: textWidth });
    if (contentSha256 !== undefined) {
      doc.text(`${bilingual(ctx.labels, 'contentSha256')}: ${contentSha256}`, PAGE.margin, footTop + 40, { width: textWidth, lineBreak: false });
    }

    const cell = QR_SIZE / qr.modules.size;
    const qx = w - PAGE.margin - QR_SIZE;
    const qy = footTop + 6;
    for (let r = 0; r < qr.modules.size; r++) {
      for (let c = 0; c < qr.modules.size; c++) if (qr.modules.get(r, c)) doc.rect(qx + c * cell, qy + r * cell, cell, cell);
    }
    doc.fill('#000000');
    doc.page.margins = margins;
  }
}
