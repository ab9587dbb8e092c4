import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barcodePng, renderLabelPdf, renderLabelPng, renderLabelSheetPdf, type LabelData } from './labels.ts';

function has(tool: string): boolean {
  try {
    execFileSync(tool, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const poppler = has('pdftotext');
if (!poppler) console.warn('labels.test: poppler-utils (pdftotext, pdftoppm) not on PATH; PDF text and PNG checks skipped');

const label: LabelData = {
  labNo: 'TMG-2025-000123-01',
  caseId: 'TMG-2025-000123',
  agencyCaseNumber: 'УД-12/2025',
  exhibitNo: 'Объект №1',
  description: 'Полиэтиленовый пакет с порошкообразным веществом белого цвета',
  receivedAt: '2025-03-01T10:00:00.000Z',
};

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'label-test-'));
  writeFileSync(path.join(dir, 'l.pdf'), pdf);
  return execFileSync('pdftotext', [path.join(dir, 'l.pdf'), '-'], { encoding: 'utf8' });
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('evidence labels', () => {
  it('renders Code128 and DataMatrix barcodes as PNG', async () => {
    for (const s of ['code128', 'datamatrix'] as const) {
      expect((await barcodePng(label.labNo, s)).subarray(0, 4)).toEqual(PNG_MAGIC);
    }
  });

  it.skipIf(!poppler)('prints the lab number and Cyrillic case text on a single label', async () => {
    const pdf = await renderLabelPdf(label);
    const text = pdfText(pdf);
    expect(text).toContain('TMG-2025-000123-01');
    expect(text).toContain('УД-12/2025');
    expect(text).toContain('Полиэтиленовый пакет');
  });

  it.skipIf(!poppler)('puts ten labels on an A4 page and starts a new page for the eleventh', async () => {
    const labels = Array.from({ length: 11 }, (_, i) => ({ ...label, labNo: `TMG-2025-000123-${String(i + 1).padStart(2, '0')}` }));
    const text = pdfText(await renderLabelSheetPdf(labels, 'datamatrix'));
    const pages = text.split('\f').filter((p) => p.trim() !== '');
    expect(pages).toHaveLength(2);
    expect(pages[1]).toContain('TMG-2025-000123-11');
  });

  it.skipIf(!poppler)('rasterises the label to PNG', async () => {
    const png = await renderLabelPng(label, 'code128', 100);
    expect(png.subarray(0, 4)).toEqual(PNG_MAGIC);
    // 100 mm at 100 dpi is 394 px wide
    expect(png.readUInt32BE(16)).toBeGreaterThan(380);
  });
});
