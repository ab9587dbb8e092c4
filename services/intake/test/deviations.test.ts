// Receipt deviations over HTTP: an open one blocks analysis; one decided "return to agency" or
// "decline analysis" blocks analysis and sub-sampling for good but lets the item go back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caseBody, signedActs, startFixture, type Fixture } from './fixture.ts';

let f: Fixture;
let labNo: string;

beforeEach(async () => {
  f = await startFixture();
  await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'police', name: 'Police', kind: 'police' });
  await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'customs', name: 'Customs', kind: 'customs' });
  const caseId = (await f.call('ana', 'POST', '/v1/cases', caseBody)).json().caseId as string;
  labNo = await f.receive('ana', caseId);
  // Opened, so a sub-sample could be taken were it not for the deviation.
  const opened = await f.call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'sampling', condition: 'intact', eSignature: await f.sign('ana', signedActs.move(labNo, 'open_seal')) });
  expect(opened.status, opened.body).toBe(201);
});
afterEach(async () => {
  await f.app.close();
});

const consultation = { contactedAt: '2025-03-01T09:00:00.000Z', contactName: 'Каримов Р.', method: 'phone', outcome: 'agreed' };

async function deviation(): Promise<string> {
  const res = await f.call('ana', 'POST', `/v1/items/${labNo}/deviations`, { kind: 'weight_mismatch', description: 'lighter than declared' });
  expect(res.status, res.body).toBe(201);
  return res.json().deviationId as string;
}

async function resolve(deviationId: string, decision: string) {
  return f.call('ana', 'POST', `/v1/items/${labNo}/deviations/${deviationId}/resolve`, { decision, rationale: 'agreed with the agency', agencyConsultation: consultation });
}

const requestAnalysis = async () =>
  f.call('ana', 'POST', `/v1/items/${labNo}/analysis-requests`, { determinations: ['identification'], eSignature: await f.sign('ana', signedActs.sendForAnalysis(labNo)) });
const subSample = async () =>
  f.call('ana', 'POST', `/v1/items/${labNo}/sub-samples`, {
    description: 'portion', packaging: 'vial', grossBefore: { grams: 12.5, balanceId: 'BAL-1' }, grossAfter: { grams: 12.2, balanceId: 'BAL-1' }, portionGrams: 0.3,
    eSignature: await f.sign('ana', signedActs.subSample(labNo)),
  });
const returnToAgency = async () =>
  f.call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'return_to_agency', to: { name: 'Sgt. Karimov' }, authority: 'letter 9', eSignature: await f.sign('ana', signedActs.move(labNo, 'return_to_agency')) });

describe('receipt deviations and what they allow', () => {
  it('an open deviation blocks analysis but not the return to the agency', async () => {
    await deviation();
    const blocked = await requestAnalysis();
    expect(blocked.status).toBe(409);
    expect(blocked.json().code).toBe('INTAKE_ERR_OPEN_DEVIATION');
    expect((await returnToAgency()).status).toBe(201);
  });

  for (const decision of ['proceed', 'proceed_with_reservation'] as const) {
    it(`a deviation decided "${decision}" lets the item be sub-sampled and analysed`, async () => {
      expect((await resolve(await deviation(), decision)).status).toBe(200);
      expect((await subSample()).status).toBe(201);
      expect((await requestAnalysis()).status).toBe(201);
    });
  }

  for (const decision of ['return_to_agency', 'decline_analysis'] as const) {
    it(`a deviation decided "${decision}" blocks analysis and sub-sampling, changing nothing, and allows the return`, async () => {
      expect((await resolve(await deviation(), decision)).status).toBe(200);
      const before = await f.snapshot();
      const analysis = await requestAnalysis();
      expect(analysis.status).toBe(409);
      expect(analysis.json().code).toBe('INTAKE_ERR_ANALYSIS_DECLINED');
      const sub = await subSample();
      expect(sub.status).toBe(409);
      expect(sub.json().code).toBe('INTAKE_ERR_ANALYSIS_DECLINED');
      expect(await f.snapshot()).toEqual(before);
      const returned = await returnToAgency();
      expect(returned.status, returned.body).toBe(201);
      expect((returned.json().item as { status: string }).status).toBe('returned');
    });
  }

  it('refuses deviations from the wrong role and bad resolutions naming the field', async () => {
    const id = await deviation();
    const before = await f.snapshot();
    expect((await f.call('ali', 'POST', `/v1/items/${labNo}/deviations`, { kind: 'broken_seal', description: 'x' })).status).toBe(403);
    expect((await f.call('kar', 'POST', `/v1/items/${labNo}/deviations/${id}/resolve`, { decision: 'proceed', rationale: 'x', agencyConsultation: consultation })).status).toBe(403);
    const bad = await resolve(id, 'ignore');
    expect(bad.status).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'body.decision' })]);
    expect(await f.snapshot()).toEqual(before);
  });
});
