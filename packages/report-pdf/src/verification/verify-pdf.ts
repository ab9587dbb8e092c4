// Offline verification of a signed report: needs only the PDF and the lab's CA certificate.
// Three separate questions, because a verifier (and a court) needs to know which one failed:
//   valid   - the CMS signature is mathematically correct over the signed byte ranges, the
//             message digest matches them, and signing-certificate-v2 names the signer's cert;
//   intact  - those byte ranges cover the whole file except the /Contents hole (nothing was
//             appended or changed after signing);
//   trusted - the signer's certificate chains to the given CA.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ReportPdfErrors } from '../errors.ts';
import {
  OID,
  certHashFromSigningCertificateV2,
  cryptoEngine,
  nameAttribute,
  parseCertificate,
  sha256,
  toArrayBuffer,
} from '../signing/cms.ts';

export interface VerifyOptions {
  caCertPem: string;
  /** Time at which the certificates must be valid; defaults to now. */
  now?: Date;
}

export interface ReportVerification {
  /** valid && intact && trusted: the report is the one the lab signed. */
  ok: boolean;
  valid: boolean;
  trusted: boolean;
  intact: boolean;
  signer: { name: string; organization?: string; serialNumber: string };
  /** Claimed signing time (/M of the signature dictionary, or the signing-time attribute). */
  signedAt?: string;
  /** SHA-256 (hex) of the whole file as given. */
  sha256: string;
  subFilter?: string;
  reportNumber?: string;
  /** Why any of valid / intact / trusted is false; empty when ok. */
  reasons: string[];
}

/** SHA-256 (hex) of a PDF file: the report's fingerprint for the public verification page. */
export async function pdfSha256(pdf: Uint8Array): Promise<string> {
  return Buffer.from(await sha256(pdf)).toString('hex');
}

interface SignatureLocation {
  byteRange: [number, number, number, number];
  cms: Uint8Array;
  dictionaryText: string;
}

/** Finds the last signature's ByteRange and CMS blob (pure; throws only for "not signed"). */
export function locateSignature(pdf: Uint8Array): SignatureLocation | { problem: string } {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  const at = text.lastIndexOf('/ByteRange');
  if (at < 0) throw ReportPdfErrors.REPORT_ERR_NOT_SIGNED();
  const m = /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text.slice(at, at + 120));
  if (!m) return { problem: 'the /ByteRange entry is malformed' };
  const byteRange = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  const [start, len1, start2, len2] = byteRange;
  if (start !== 0 || len1 <= 0 || start2 <= len1 || start2 + len2 > pdf.length) {
    return { problem: `the byte range [${byteRange.join(' ')}] does not fit the file` };
  }
  const hole = text.slice(len1, start2);
  if (!/^<[0-9A-Fa-f]*>$/.test(hole)) return { problem: 'the byte range does not leave exactly the /Contents hex string out' };
  const raw = Buffer.from(hole.slice(1, -1), 'hex');
  const parsed = asn1js.fromBER(raw);
  if (parsed.offset === -1) return { problem: 'the /Contents is not a DER CMS structure' };
  const dictionaryText = text.slice(Math.max(0, text.lastIndexOf('<<', at)), at) + text.slice(start2, Math.min(text.length, start2 + 1500));
  return { byteRange, cms: new Uint8Array(raw.subarray(0, parsed.offset)), dictionaryText };
}

/** Verifies the last signature of a report PDF; never throws for a bad signature. */
export async function verifyReportPdf(pdf: Uint8Array, options: VerifyOptions): Promise<ReportVerification> {
  if (!Buffer.from(pdf.subarray(0, 5)).equals(Buffer.from('%PDF-'))) throw ReportPdfErrors.REPORT_ERR_NOT_PDF();
  const reasons: string[] = [];
  const out: ReportVerification = {
    ok: false,
    valid: false,
    trusted: false,
    intact: false,
    signer: { name: '', serialNumber: '' },
    sha256: await pdfSha256(pdf),
    reasons,
  };
  const reportNumber = /\(report-number:([A-Za-z0-9._/-]+)\)/.exec(Buffer.from(pdf).toString('latin1'))?.[1];
  if (reportNumber !== undefined) out.reportNumber = reportNumber;

  const location = locateSignature(pdf);
  if ('problem' in location) {
    reasons.push(location.problem);
    return out;
  }
  const [, len1, start2, len2] = location.byteRange;
  out.subFilter = /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(location.dictionaryText)?.[1];
  if (out.subFilter !== 'ETSI.CAdES.detached') reasons.push(`SubFilter is ${out.subFilter ?? 'missing'}, not ETSI.CAdES.detached`);
  const claimed = parsePdfDate(/\/M\s*\((D:[^)]+)\)/.exec(location.dictionaryText)?.[1]);

  out.intact = start2 + len2 === pdf.length;
  if (!out.intact) reasons.push(`${pdf.length - (start2 + len2)} bytes after the signed range are not covered by the signature`);
  const signedParts = [pdf.subarray(0, len1), pdf.subarray(start2, start2 + len2)];

  let signed: pkijs.SignedData;
  try {
    const info = pkijs.ContentInfo.fromBER(toArrayBuffer(location.cms));
    if (info.contentType !== OID.signedData) throw new Error(`content type ${info.contentType}`);
    signed = new pkijs.SignedData({ schema: info.content });
  } catch (cause) {
    reasons.push(`the CMS cannot be parsed: ${cause instanceof Error ? cause.message : String(cause)}`);
    return out;
  }
  const signerInfo = signed.signerInfos[0];
  const certificates = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const sid: unknown = signerInfo?.sid;
  const signerCert =
    sid instanceof pkijs.IssuerAndSerialNumber
      ? certificates.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber))
      : undefined;
  if (signerInfo === undefined || signerCert === undefined) {
    reasons.push('the CMS names no signer certificate it carries');
    return out;
  }
  out.signer = {
    name: nameAttribute(signerCert.subject, OID.commonName) ?? '',
    serialNumber: Buffer.from(signerCert.serialNumber.valueBlock.valueHexView).toString('hex'),
  };
  const organization = nameAttribute(signerCert.subject, OID.organization);
  if (organization !== undefined) out.signer.organization = organization;

  const attrs = signerInfo.signedAttrs?.attributes ?? [];
  const attr = (oid: string): unknown => attrs.find((a) => a.type === oid)?.values[0];
  const signingTimeAttr = attr(OID.signingTime);
  const signedAt = claimed ?? (signingTimeAttr instanceof asn1js.UTCTime ? signingTimeAttr.toDate() : undefined);
  if (signedAt !== undefined) out.signedAt = signedAt.toISOString();

  // 1. The digest the signer signed must be the digest of the byte ranges.
  const digestAttr = attr(OID.messageDigest);
  const digest = await sha256(signedParts);
  const digestMatches = digestAttr instanceof asn1js.OctetString && Buffer.from(digestAttr.valueBlock.valueHexView).equals(digest);
  if (!digestMatches) reasons.push('the message digest does not match the signed bytes: the document was modified');

  // 2. signing-certificate-v2 must name exactly this certificate.
  const essHash = (() => {
    const v = attr(OID.signingCertificateV2);
    return v instanceof asn1js.Sequence ? certHashFromSigningCertificateV2(v) : undefined;
  })();
  const certHash = await sha256(new Uint8Array(signerCert.toSchema().toBER(false)));
  const essMatches = essHash !== undefined && Buffer.from(essHash).equals(certHash);
  if (!essMatches) reasons.push('signing-certificate-v2 is missing or names another certificate');

  // 3. The signature over the signed attributes.
  let signatureOk = false;
  try {
    const result = await signed.verify(
      { signer: 0, data: toArrayBuffer(Buffer.concat(signedParts)), checkChain: false, extendedMode: true },
      cryptoEngine(),
    );
    signatureOk = result.signatureVerified === true;
  } catch (cause) {
    if (digestMatches) reasons.push(`the signature does not verify: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (!signatureOk && digestMatches && !reasons.some((r) => r.startsWith('the signature'))) reasons.push('the signature does not verify');
  out.valid = digestMatches && essMatches && signatureOk;

  // 4. The chain to the lab CA.
  try {
    const ca = parseCertificate(pemToDer(options.caCertPem));
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: [ca],
      certs: [signerCert, ...certificates.filter((c) => c !== signerCert)],
      checkDate: options.now ?? new Date(),
    });
    const chain = await engine.verify({}, cryptoEngine());
    out.trusted = chain.result;
    if (!chain.result) reasons.push(`the signer's certificate does not chain to the lab CA: ${chain.resultMessage}`);
  } catch (cause) {
    reasons.push(`the chain to the lab CA cannot be checked: ${cause instanceof Error ? cause.message : String(cause)}`);
  }

  out.ok = out.valid && out.intact && out.trusted && out.subFilter === 'ETSI.CAdES.detached';
  return out;
}

/** PDF date string (D:YYYYMMDDHHmmSSOHH'mm') to a Date. */
function parsePdfDate(s: string | undefined): Date | undefined {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?/.exec(s ?? '');
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', tz = 'Z'] = m;
  const zone = tz === 'Z' ? 'Z' : `${tz.slice(0, 3)}:${tz.replace(/'/g, '').slice(3, 5)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${se}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
