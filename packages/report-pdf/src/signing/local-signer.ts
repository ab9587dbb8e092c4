// The local implementation of the signing port: a key held by this process (the lab's report-
// signing key from the dev PKI or a key file). Produces CAdES-BES detached SignedData with the
// signed attributes PAdES B-B requires: content-type, message-digest, signing-certificate-v2.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ReportPdfErrors } from '../errors.ts';
import { OID, cryptoEngine, nameAttribute, parseCertificate, sha256, signingCertificateV2, toArrayBuffer } from './cms.ts';
import type { CmsContent, CmsSignOptions, ReportSigner, SignerDescription } from './signer.ts';

export interface LocalSignerOptions {
  privateKey: CryptoKey;
  /** Signing certificate first, then its issuers (DER). */
  chain: readonly Uint8Array[];
  /** Function printed on the report (e.g. "Laboratory report signing"). */
  role: string;
}

export function createLocalSigner(options: LocalSignerOptions): ReportSigner {
  const [leafDer] = options.chain;
  if (leafDer === undefined) throw ReportPdfErrors.REPORT_ERR_PKI_UNREADABLE('the certificate chain is empty');
  const leaf = parseCertificate(leafDer);
  const chain = options.chain.map((der) => new Uint8Array(der));
  const certificates = chain.map(parseCertificate);
  const engine = cryptoEngine();
  const description: SignerDescription = {
    name: nameAttribute(leaf.subject, OID.commonName) ?? 'unnamed signer',
    role: options.role,
    organization: nameAttribute(leaf.subject, OID.organization),
    subject: rfc4514(leaf.subject),
    module: 'local',
  };
  let leafHash: Promise<Uint8Array> | undefined;

  return {
    certificateChain: () => Promise.resolve(chain.map((c) => new Uint8Array(c))),
    describe: () => ({ ...description }),
    async signCms(content: CmsContent, opts: CmsSignOptions): Promise<Uint8Array> {
      const digest = 'sha256' in content ? content.sha256 : await sha256(content.bytes);
      if (digest.length !== 32) throw ReportPdfErrors.REPORT_ERR_SIGNING_FAILED('a SHA-256 digest is 32 bytes');
      leafHash ??= sha256(leafDer);
      const attributes = [
        new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
        new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(digest) })] }),
        new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(leaf, await leafHash)] }),
      ];
      if (opts.profile === 'cades') {
        attributes.push(new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: opts.signingTime ?? new Date() })] }));
      }
      const signed = new pkijs.SignedData({
        version: 1,
        encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
        signerInfos: [
          new pkijs.SignerInfo({
            version: 1,
            sid: new pkijs.IssuerAndSerialNumber({ issuer: leaf.issuer, serialNumber: leaf.serialNumber }),
            signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
          }),
        ],
        certificates,
      });
      try {
        await signed.sign(options.privateKey, 0, 'SHA-256', undefined, engine);
      } catch (cause) {
        throw ReportPdfErrors.REPORT_ERR_SIGNING_FAILED(undefined, { cause });
      }
      const info = new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) });
      return new Uint8Array(info.toSchema().toBER(false));
    },
  };
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
};

/** RFC 4514 string of a name: last RDN first, special characters escaped. */
function rfc4514(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((t) => {
      const value = String(t.value.valueBlock.value).replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
      return `${SHORT_NAMES[t.type] ?? t.type}=${value}`;
    })
    .reverse()
    .join(',');
}
