// PAdES baseline B-B: an incremental update adds a signature field whose dictionary has
// SubFilter ETSI.CAdES.detached and /M (the claimed signing time), @signpdf computes the
// ByteRange, and the signing port produces the CAdES SignedData over those bytes.
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { SignPdf } from '@signpdf/signpdf';
import { SUBFILTER_ETSI_CADES_DETACHED, Signer } from '@signpdf/utils';
import { ReportPdfErrors } from '../errors.ts';
import type { ReportSigner } from './signer.ts';

export interface PdfSignatureInfo {
  reason: string;
  location: string;
  /** Signer name in the signature dictionary; defaults to the signer's own description. */
  name?: string;
  contactInfo: string;
  /** Claimed signing time (/M); defaults to now. */
  signingTime?: Date;
  /** Bytes reserved for the CMS; national modules with long chains may need more. */
  reservedBytes?: number;
}

/** Adapts the signing port to @signpdf's Signer class (which it checks with instanceof). */
class PortSigner extends Signer {
  readonly #port: ReportSigner;
  constructor(port: ReportSigner) {
    super();
    this.#port = port;
  }
  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    return Buffer.from(await this.#port.signCms({ bytes: pdfBuffer }, { profile: 'pades' }));
  }
}

/** Signs a rendered report as PAdES B-B; returns the signed PDF. */
export async function signReportPdf(pdf: Uint8Array, signer: ReportSigner, info: PdfSignatureInfo): Promise<Uint8Array> {
  if (!Buffer.from(pdf.subarray(0, 5)).equals(Buffer.from('%PDF-'))) throw ReportPdfErrors.REPORT_ERR_NOT_PDF();
  try {
    const withPlaceholder = plainAddPlaceholder({
      pdfBuffer: Buffer.from(pdf),
      reason: info.reason,
      location: info.location,
      name: info.name ?? signer.describe().name,
      contactInfo: info.contactInfo,
      signingTime: info.signingTime ?? new Date(),
      signatureLength: info.reservedBytes ?? 8192,
      subFilter: SUBFILTER_ETSI_CADES_DETACHED,
      appName: 'Tamga',
    });
    const signed = await new SignPdf().sign(repairIncrementalUpdate(withPlaceholder), new PortSigner(signer));
    return new Uint8Array(signed.buffer, signed.byteOffset, signed.byteLength);
  } catch (cause) {
    if (cause instanceof Error && cause.name === 'DomainError') throw cause;
    throw ReportPdfErrors.REPORT_ERR_SIGNING_FAILED(cause instanceof Error ? cause.message : undefined, { cause });
  }
}

/**
 * The detached CMS (.p7s) over the whole signed PDF, for verifiers that take CMS/PKCS#7 as
 * Central Asian e-government systems do: `openssl cms -verify -binary -inform DER -in r.p7s
 * -content r.pdf -CAfile ca.pem -purpose any`.
 */
export async function detachedCms(pdf: Uint8Array, signer: ReportSigner, signingTime: Date = new Date()): Promise<Uint8Array> {
  return signer.signCms({ bytes: pdf }, { profile: 'cades', signingTime });
}

/**
 * Two defects of @signpdf/placeholder-plain's incremental update, fixed before the bytes are
 * signed: its `startxref` points one byte before the `xref` keyword (qpdf warns), and its
 * trailer drops /ID, which PDF/A requires in every trailer. Exported for its test.
 */
export function repairIncrementalUpdate(pdf: Buffer): Buffer {
  let text = pdf.toString('latin1');
  const trailerAt = text.lastIndexOf('trailer');
  const startxrefAt = text.lastIndexOf('startxref');
  if (trailerAt < 0 || startxrefAt < trailerAt) return pdf;
  const lastTrailer = text.slice(trailerAt, startxrefAt);
  const id = /\/ID\s*\[\s*<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*\]/.exec(text.slice(0, trailerAt))?.[0];
  if (!lastTrailer.includes('/ID') && id !== undefined) {
    const open = text.indexOf('<<', trailerAt);
    text = `${text.slice(0, open + 2)}\n${id}${text.slice(open + 2)}`;
  }
  const sx = text.lastIndexOf('startxref');
  const m = /^startxref\s+(\d+)/.exec(text.slice(sx));
  const xrefAt = text.lastIndexOf('\nxref', sx) + 1;
  if (m?.[1] !== undefined && xrefAt > 0 && Number(m[1]) !== xrefAt) {
    text = `${text.slice(0, sx)}startxref\n${xrefAt}${text.slice(sx + m[0].length)}`;
  }
  return Buffer.from(text, 'latin1');
}
