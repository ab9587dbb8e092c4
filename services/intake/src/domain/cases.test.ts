import { describe, expect, it } from 'vitest';
import type { OpenCaseBody } from '@tamga/contracts';
import { addInvestigator, createAgency, openCase } from './cases.ts';

const now = new Date('2025-03-01T10:00:00Z');
const body: OpenCaseBody = {
  agencyId: 'police',
  agencyCaseNumber: 'УД-12/2025',
  investigator: { name: 'Каримов Р.', rank: 'капитан', contact: '+998 71 000 00 00' },
  offence: 'illegal possession',
  jurisdiction: 'Tashkent',
  seizureDate: '2025-02-28',
  request: 'Determine whether the substance is a narcotic drug',
};

describe('opening a case', () => {
  const agency = createAgency({ agencyId: 'police', name: 'City police', kind: 'police' }, now);

  it('numbers the case by lab, year and sequence', () => {
    const c = openCase({ body, lab: 'TMG', caseSeq: 7, by: { userId: 'u', name: 'U' } }, agency, now);
    expect(c.caseId).toBe('TMG-2025-000007');
    expect(c.itemCount).toBe(0);
  });

  it('refuses an unknown agency', () => {
    expect(() => openCase({ body, lab: 'TMG', caseSeq: 1, by: { userId: 'u', name: 'U' } }, undefined, now)).toThrow(/No agency/);
  });

  it('refuses a seizure date in the future, naming the field', () => {
    expect(() => openCase({ body: { ...body, seizureDate: '2025-03-02' }, lab: 'TMG', caseSeq: 1, by: { userId: 'u', name: 'U' } }, agency, now)).toThrow(
      expect.objectContaining({ code: 'INTAKE_ERR_DATE_IN_FUTURE', errors: [{ field: 'seizureDate', message: 'must not lie in the future' }] }),
    );
  });

  it('replaces an investigator by id', () => {
    const a = addInvestigator(addInvestigator(agency, { investigatorId: 'i1', name: 'A', contact: 'x' }), { investigatorId: 'i1', name: 'B', contact: 'y' });
    expect(a.investigators).toEqual([{ investigatorId: 'i1', name: 'B', contact: 'y' }]);
  });
});
