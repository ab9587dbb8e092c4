// CMS/CAdES building blocks shared by the local signer and the verifier (pkijs + asn1js, with
// node's WebCrypto passed in explicitly: no global engine is installed).
import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  title: '2.5.4.12',
} as const;

export function cryptoEngine(): pkijs.CryptoEngine {
  return new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto });
}

export async function sha256(bytes: Uint8Array | readonly Uint8Array[]): Promise<Uint8Array> {
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  for (const part of bytes instanceof Uint8Array ? [bytes] : bytes) h.update(part);
  return new Uint8Array(h.digest());
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(toArrayBuffer(der));
}

/**
 * ESS signing-certificate-v2 (RFC 5035): binds the signature to the signer's certificate by its
 * SHA-256 hash plus issuer and serial, so the certificate cannot be swapped for another one with
 * the same key. SHA-256 is the DEFAULT hash algorithm, so DER omits it.
 */
export function signingCertificateV2(cert: pkijs.Certificate, certHash: Uint8Array): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })],
      }),
      new asn1js.Integer({ valueHex: cert.serialNumber.valueBlock.valueHexView.slice().buffer }),
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: toArrayBuffer(certHash) }), issuerSerial] });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

/** Reads the certificate hash out of a signing-certificate-v2 attribute value (first ESSCertIDv2). */
export function certHashFromSigningCertificateV2(value: asn1js.AsnType): Uint8Array | undefined {
  if (!(value instanceof asn1js.Sequence)) return undefined;
  const certs = value.valueBlock.value[0];
  if (!(certs instanceof asn1js.Sequence)) return undefined;
  const first = certs.valueBlock.value[0];
  if (!(first instanceof asn1js.Sequence)) return undefined;
  const parts = first.valueBlock.value;
  // hashAlgorithm is present only when it is not SHA-256; we accept SHA-256 only.
  const [a, b] = parts;
  if (a instanceof asn1js.OctetString) return new Uint8Array(a.valueBlock.valueHexView);
  if (a instanceof asn1js.Sequence && b instanceof asn1js.OctetString) {
    const alg = new pkijs.AlgorithmIdentifier({ schema: a });
    return alg.algorithmId === OID.sha256 ? new Uint8Array(b.valueBlock.valueHexView) : undefined;
  }
  return undefined;
}

/** The value of one RDN attribute (CN, O...) of a pkijs name, if present. */
export function nameAttribute(name: pkijs.RelativeDistinguishedNames, oid: string): string | undefined {
  const tv = name.typesAndValues.find((t) => t.type === oid);
  const v: unknown = tv?.value.valueBlock.value;
  return typeof v === 'string' ? v : undefined;
}
