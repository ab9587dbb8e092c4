// Path parameters of the routes: what each service accepts in the URL before a handler runs.
import { describe, expect, it } from 'vitest';
import {
  AgencyParams,
  BarcodeParams,
  CaseParams,
  DeviationParams,
  IdParams,
  ItemParams,
  LibraryVersionParams,
  PhotoParams,
  ReportParams,
  TransferParams,
  UserParams,
  VerificationParams,
  VerificationQuery,
} from '@tamga/contracts';

const labNo = 'TMG-2025-000123-01';
const uuid = '0192f3a4-5b6c-7d8e-9f00-112233445566';

describe('path parameters', () => {
  it('takes an item by its lab number, sub-samples included, and nothing else', () => {
    expect(ItemParams.parse({ labNo: `${labNo}.2.1` })).toEqual({ labNo: `${labNo}.2.1` });
    expect(ItemParams.safeParse({ labNo: 'tmg-2025-000123-01' }).success).toBe(false);
    expect(ItemParams.safeParse({ labNo: '../etc/passwd' }).success).toBe(false);
  });

  it('names a photo, transfer or deviation of an item by UUID', () => {
    for (const [schema, key] of [
      [PhotoParams, 'photoId'],
      [TransferParams, 'transferId'],
      [DeviationParams, 'deviationId'],
    ] as const) {
      expect(schema.safeParse({ labNo, [key]: uuid }).success).toBe(true);
      expect(schema.safeParse({ labNo, [key]: 'not-a-uuid' }).success).toBe(false);
      expect(schema.safeParse({ labNo: 'X', [key]: uuid }).success).toBe(false);
    }
  });

  it('takes cases, agencies, users and analysis records by an opaque id', () => {
    expect(CaseParams.safeParse({ caseId: 'c-2025:17' }).success).toBe(true);
    expect(AgencyParams.safeParse({ agencyId: 'ag 1' }).success).toBe(false);
    expect(UserParams.safeParse({ userId: 'u'.repeat(129) }).success).toBe(false);
    expect(IdParams.safeParse({ id: 'wi-1' }).success).toBe(true);
    expect(IdParams.safeParse({ id: '' }).success).toBe(false);
  });

  it('takes whatever a scanner read, within 200 characters', () => {
    expect(BarcodeParams.safeParse({ code: 'TMG-2025-000123-01 ' }).success).toBe(true);
    expect(BarcodeParams.safeParse({ code: '' }).success).toBe(false);
    expect(BarcodeParams.safeParse({ code: 'x'.repeat(201) }).success).toBe(false);
  });

  it('needs a library name and version', () => {
    expect(LibraryVersionParams.safeParse({ name: 'SWGDRUG', version: '3.14' }).success).toBe(true);
    expect(LibraryVersionParams.safeParse({ name: 'SWGDRUG', version: '' }).success).toBe(false);
  });

  it('verifies any report number the query would take, while the staff routes keep the stricter shape', () => {
    const printed = 'R 2025/7';
    expect(VerificationParams.safeParse({ reportNumber: printed }).success).toBe(true);
    expect(VerificationQuery.safeParse({ reportNumber: printed, sha256: 'a'.repeat(64) }).success).toBe(true);
    expect(ReportParams.safeParse({ reportNumber: printed }).success).toBe(false);
    expect(VerificationParams.safeParse({ reportNumber: 'r'.repeat(65) }).success).toBe(false);
  });
});
