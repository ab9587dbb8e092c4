// Lab numbers: `<LAB>-<YYYY>-<NNNNNN>-<NN>`, sub-samples `.<n>` (nested sub-samples `.<n>.<m>`).
//
// Choice: NNNNNN is the case's sequence within the lab and year (the Nth case opened that year),
// NN the item's sequence within its case (01-99). So every item of one case shares the first
// three parts and a technician reading a label sees at once which items belong together. Both
// counters are gap-free: they advance in the same store transaction that inserts the case or item.
import { IntakeErrors } from './errors.ts';

export interface LabNoParts {
  lab: string;
  year: number;
  caseSeq: number;
  itemSeq: number;
  /** Sub-sample path, e.g. [2] for `.2`, [2, 1] for `.2.1`; empty for an item received as such. */
  subSamples: readonly number[];
}

export const MAX_ITEMS_PER_CASE = 99;
const LAB_NO = /^([A-Z]{2,8})-(\d{4})-(\d{6})-(\d{2})((?:\.\d+)*)$/;

export function formatLabNo(p: LabNoParts): string {
  if (p.itemSeq < 1 || p.itemSeq > MAX_ITEMS_PER_CASE) throw IntakeErrors.INTAKE_ERR_CASE_FULL();
  const base = `${p.lab}-${String(p.year).padStart(4, '0')}-${String(p.caseSeq).padStart(6, '0')}-${String(p.itemSeq).padStart(2, '0')}`;
  return base + p.subSamples.map((n) => `.${n}`).join('');
}

/** Case number shared by the items of a case: `<LAB>-<YYYY>-<NNNNNN>`. */
export function formatCaseNo(lab: string, year: number, caseSeq: number): string {
  return `${lab}-${String(year).padStart(4, '0')}-${String(caseSeq).padStart(6, '0')}`;
}

export function parseLabNo(text: string): LabNoParts | undefined {
  const m = LAB_NO.exec(text);
  if (!m) return undefined;
  const [, lab = '', year = '', caseSeq = '', itemSeq = '', subs = ''] = m;
  return {
    lab,
    year: Number(year),
    caseSeq: Number(caseSeq),
    itemSeq: Number(itemSeq),
    subSamples: subs === '' ? [] : subs.slice(1).split('.').map(Number),
  };
}

export function subSampleLabNo(parentLabNo: string, n: number): string {
  return `${parentLabNo}.${n}`;
}

/**
 * The lab number inside what a barcode scanner typed: scanners may add a prefix (AIM symbology
 * identifier like `]C0`), whitespace or a trailing newline.
 */
export function labNoFromScan(scanned: string): string {
  const m = /[A-Z]{2,8}-\d{4}-\d{6}-\d{2}(?:\.\d+)*/.exec(scanned.trim().replace(/^\][A-Za-z]\d/, ''));
  if (!m) throw IntakeErrors.INTAKE_ERR_BARCODE_UNREADABLE(`No lab number in the scanned code "${scanned.slice(0, 80)}"`);
  return m[0];
}
