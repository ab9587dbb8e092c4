import { describe, expect, it } from 'vitest';
import { isDomainError, type CustodyRecord, type ReceiveItemBody } from '@tamga/contracts';
import { createSubSample, decideCustody, evolveItem, receiveItem, replayItem, type CustodyCommand, type ItemState } from './custody.ts';
import { defineLocation, type Person, type StorageLocation } from './locations.ts';
import { recordDeviation, resolveDeviation } from './deviations.ts';

const now = new Date('2025-03-01T10:00:00.000Z');
const ana: Person = { userId: 'u-ana', name: 'Анна Петрова', roles: ['technician'] };
const bek: Person = { userId: 'u-bek', name: 'Бекзод Юсупов', roles: ['technician'] };
const eve: Person = { userId: 'u-eve', name: 'Eve Outsider', roles: ['analyst'] };
const kar: Person = { userId: 'u-kar', name: 'Karimov (police)', roles: ['investigator'] };

function locations(): Map<string, StorageLocation> {
  const store = defineLocation({ locationId: 'st', kind: 'store', name: 'Main store', access: { userIds: [], roles: ['technician'] } }, undefined, now);
  const room = defineLocation({ locationId: 'rm', kind: 'room', name: 'Room 2', parentId: 'st', access: { userIds: [], roles: [] } }, store, now);
  const cab = defineLocation({ locationId: 'cab', kind: 'cabinet', name: 'Cabinet A', parentId: 'rm', access: { userIds: [], roles: [] } }, room, now);
  const safe = defineLocation({ locationId: 'safe', kind: 'cabinet', name: 'Safe', parentId: 'rm', access: { userIds: ['u-bek'], roles: [] } }, room, now);
  return new Map([store, room, cab, safe].map((l) => [l.locationId, l]));
}

const receipt: ReceiveItemBody = {
  exhibitNo: 'E-1',
  description: 'Полиэтиленовый пакет с порошком белого цвета',
  packaging: 'paper envelope',
  seals: [{ number: 'S-100', intact: true }],
  grossWeight: { grams: 12.5, balanceId: 'BAL-1' },
  condition: 'good',
  photos: [],
  deliveredBy: { name: 'Sgt. Karimov', organisation: 'City police' },
};

function ctx(actor: Person, at = now) {
  return { now: at, actor, locations: locations() };
}

/** Given: the received item plus these commands applied by (actor, command) in order. */
function given(steps: readonly [Person, CustodyCommand][]): ItemState {
  let item = receiveItem({ labNo: 'TMG-2025-000001-01', caseId: 'TMG-2025-000001', agencyId: 'police', body: receipt }, ctx(ana)).item;
  for (const [actor, command] of steps) {
    for (const r of decideCustody(command, item, ctx(actor))) item = evolveItem(item, r);
  }
  return item;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isDomainError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

const offer: CustodyCommand = { kind: 'offer_transfer', transferId: 't1', to: { userId: 'u-bek', name: bek.name }, purpose: 'analysis' };
const destroyed: [Person, CustodyCommand][] = [
  [ana, { kind: 'propose_destruction', authority: 'Court order 12/2025', method: 'incineration' }],
  [bek, { kind: 'witness_destruction' }],
];

describe('custody decider', () => {
  it('records a receipt signed by the courier (released) and the technician (received)', () => {
    const { record, item } = receiveItem({ labNo: 'TMG-2025-000001-01', caseId: 'c', agencyId: 'police', body: receipt }, ctx(ana));
    expect(record.kind).toBe('received');
    expect(record.signatures.map((s) => [s.printedName, s.meaning])).toEqual([
      ['Sgt. Karimov', 'released'],
      ['Анна Петрова', 'received'],
    ]);
    expect(record.sealsOut).toEqual(['S-100']);
    expect(item.custodian).toEqual({ kind: 'person', userId: 'u-ana', name: 'Анна Петрова' });
  });

  // given steps / when (actor, command) / then kinds or error code
  const table: { name: string; given: [Person, CustodyCommand][]; when: [Person, CustodyCommand]; then: string[] | string }[] = [
    { name: 'the holder stores the item in a cabinet', given: [], when: [ana, { kind: 'store', locationId: 'cab' }], then: ['stored'] },
    { name: 'a technician takes it out of storage', given: [[ana, { kind: 'store', locationId: 'cab' }]], when: [bek, { kind: 'retrieve', purpose: 'weighing' }], then: ['retrieved'] },
    { name: 'someone without access cannot take it out', given: [[ana, { kind: 'store', locationId: 'cab' }]], when: [eve, { kind: 'retrieve', purpose: 'x' }], then: 'INTAKE_ERR_LOCATION_ACCESS' },
    { name: 'the safe admits only its named user', given: [], when: [ana, { kind: 'store', locationId: 'safe' }], then: 'INTAKE_ERR_LOCATION_ACCESS' },
    { name: 'a room is not a place to put an item', given: [], when: [ana, { kind: 'store', locationId: 'rm' }], then: 'INTAKE_ERR_LOCATION_NOT_STORABLE' },
    { name: 'an unknown location is refused', given: [], when: [ana, { kind: 'store', locationId: 'nowhere' }], then: 'INTAKE_ERR_LOCATION_NOT_FOUND' },
    { name: 'storing again in the same place is refused', given: [[ana, { kind: 'store', locationId: 'cab' }]], when: [ana, { kind: 'store', locationId: 'cab' }], then: 'INTAKE_ERR_ALREADY_STORED_HERE' },
    { name: 'only the holder can hand over', given: [], when: [bek, { ...offer, to: { userId: 'u-eve', name: 'Eve' } }], then: 'INTAKE_ERR_NOT_HOLDER' },
    { name: 'a transfer to oneself is refused', given: [], when: [ana, { ...offer, to: { userId: 'u-ana', name: 'Ana' } }], then: 'INTAKE_ERR_TRANSFER_TO_SELF' },
    { name: 'the holder offers a transfer', given: [], when: [ana, offer], then: ['transfer_offered'] },
    { name: 'the receiver accepts it', given: [[ana, offer]], when: [bek, { kind: 'accept_transfer', transferId: 't1' }], then: ['transferred'] },
    { name: 'the receiver declines it', given: [[ana, offer]], when: [bek, { kind: 'decline_transfer', transferId: 't1' }], then: ['transfer_declined'] },
    { name: 'nobody else accepts it', given: [[ana, offer]], when: [eve, { kind: 'accept_transfer', transferId: 't1' }], then: 'INTAKE_ERR_NOT_TRANSFER_RECIPIENT' },
    { name: 'an item with an unaccepted transfer cannot move', given: [[ana, offer]], when: [ana, { kind: 'store', locationId: 'cab' }], then: 'INTAKE_ERR_TRANSFER_NOT_ACCEPTED' },
    { name: 'an item with an unaccepted transfer cannot be offered again', given: [[ana, offer]], when: [ana, offer], then: 'INTAKE_ERR_TRANSFER_NOT_ACCEPTED' },
    { name: 'accepting with no transfer pending is refused', given: [], when: [bek, { kind: 'accept_transfer', transferId: 't1' }], then: 'INTAKE_ERR_NO_PENDING_TRANSFER' },
    { name: 'after acceptance the old holder is no longer the holder', given: [[ana, offer], [bek, { kind: 'accept_transfer', transferId: 't1' }]], when: [ana, { kind: 'store', locationId: 'cab' }], then: 'INTAKE_ERR_NOT_HOLDER' },
    { name: 'the holder opens an intact seal', given: [], when: [ana, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'sampling', condition: 'intact' }], then: ['seal_opened'] },
    { name: 'an unknown seal cannot be opened', given: [], when: [ana, { kind: 'open_seal', sealNumber: 'S-999', purpose: 'x', condition: 'x' }], then: 'INTAKE_ERR_SEAL_UNKNOWN' },
    { name: 'an opened seal cannot be opened again', given: [[ana, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'x', condition: 'x' }]], when: [ana, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'x', condition: 'x' }], then: 'INTAKE_ERR_SEAL_NOT_APPLIED' },
    { name: 'a seal number cannot be reused', given: [[ana, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'x', condition: 'x' }]], when: [ana, { kind: 'reseal', newSealNumber: 'S-100' }], then: 'INTAKE_ERR_SEAL_NUMBER_REUSED' },
    { name: 'an item in storage must be retrieved before its seal is opened', given: [[ana, { kind: 'store', locationId: 'cab' }]], when: [ana, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'x', condition: 'x' }], then: 'INTAKE_ERR_IN_STORAGE' },
    { name: 'the holder proposes destruction', given: [], when: [ana, destroyed[0]?.[1] ?? offer], then: ['destruction_proposed'] },
    { name: 'the proposer cannot witness their own destruction', given: destroyed.slice(0, 1), when: [ana, { kind: 'witness_destruction' }], then: 'INTAKE_ERR_WITNESS_SAME_PERSON' },
    { name: 'nothing moves while a destruction awaits its witness', given: destroyed.slice(0, 1), when: [ana, { kind: 'store', locationId: 'cab' }], then: 'INTAKE_ERR_DESTRUCTION_PENDING' },
    { name: 'an investigator cannot witness a destruction', given: destroyed.slice(0, 1), when: [kar, { kind: 'witness_destruction' }], then: 'INTAKE_ERR_WITNESS_ROLE' },
    { name: 'a move may cite only photos uploaded for the item', given: [], when: [ana, { kind: 'store', locationId: 'cab', photos: [{ sha256: 'a'.repeat(64), size: 10, contentType: 'image/png' }] }], then: 'INTAKE_ERR_PHOTO_UNKNOWN' },
    { name: 'a witness is needed only when destruction was proposed', given: [], when: [bek, { kind: 'witness_destruction' }], then: 'INTAKE_ERR_NO_PENDING_DESTRUCTION' },
    { name: 'a destroyed item cannot move', given: destroyed, when: [ana, { kind: 'store', locationId: 'cab' }], then: 'INTAKE_ERR_ITEM_DESTROYED' },
    { name: 'a destroyed item cannot be handed over', given: destroyed, when: [ana, offer], then: 'INTAKE_ERR_ITEM_DESTROYED' },
    { name: 'a returned item cannot move', given: [[ana, { kind: 'return_to_agency', to: { name: 'Sgt. Karimov' }, authority: 'letter 5' }]], when: [ana, { kind: 'store', locationId: 'cab' }], then: 'INTAKE_ERR_ITEM_RETURNED' },
    { name: 'the holder sends the item for analysis', given: [], when: [ana, { kind: 'send_for_analysis', requestId: 'ar1' }], then: ['sent_for_analysis'] },
  ];

  for (const row of table) {
    it(`${typeof row.then === 'string' ? 'refuses' : 'records'}: ${row.name}`, () => {
      const item = given(row.given);
      const [actor, command] = row.when;
      if (typeof row.then === 'string') {
        expect(codeOf(() => decideCustody(command, item, ctx(actor)))).toBe(row.then);
      } else {
        expect(decideCustody(command, item, ctx(actor)).map((r) => r.kind)).toEqual(row.then);
      }
    });
  }

  it('a transfer carries both signatures and makes the receiver the holder', () => {
    const item = given([[ana, offer]]);
    const [rec] = decideCustody({ kind: 'accept_transfer', transferId: 't1' }, item, ctx(bek));
    expect(rec?.signatures.map((s) => [s.by, s.meaning])).toEqual([
      ['u-ana', 'released'],
      ['u-bek', 'received'],
    ]);
    expect(rec?.releasedBy?.userId).toBe('u-ana');
    const after = evolveItem(item, rec as CustodyRecord);
    expect(after.custodian).toEqual({ kind: 'person', userId: 'u-bek', name: bek.name });
    expect(after.pendingTransfer).toBeUndefined();
  });

  it('destruction is signed by the performer and a witness', () => {
    const item = given(destroyed.slice(0, 1));
    const [rec] = decideCustody({ kind: 'witness_destruction' }, item, ctx(bek));
    expect(rec?.signatures.map((s) => [s.printedName, s.meaning])).toEqual([
      [ana.name, 'performed'],
      [bek.name, 'witnessed'],
    ]);
    expect(rec?.details.authority).toBe('Court order 12/2025');
    expect(evolveItem(item, rec as CustodyRecord).status).toBe('destroyed');
  });

  it('keeps an opened seal on record and adds the new one on resealing', () => {
    const item = given([
      [ana, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'sampling', condition: 'intact' }],
      [ana, { kind: 'reseal', newSealNumber: 'S-200' }],
    ]);
    expect(item.seals.map((s) => [s.number, s.status])).toEqual([
      ['S-100', 'opened'],
      ['S-200', 'applied'],
    ]);
  });

  it('takes a sub-sample only from an opened item, with consistent weights', () => {
    const body = {
      description: 'portion',
      packaging: 'vial',
      grossBefore: { grams: 12.5, balanceId: 'BAL-1' },
      grossAfter: { grams: 12.0, balanceId: 'BAL-1' },
      portionGrams: 0.5,
    };
    const sealed = given([]);
    expect(codeOf(() => decideCustody({ kind: 'take_sub_sample', childLabNo: 'x.1', body }, sealed, ctx(ana)))).toBe('INTAKE_ERR_SEAL_INTACT');
    const opened = given([[ana, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'sampling', condition: 'intact' }]]);
    expect(codeOf(() => decideCustody({ kind: 'take_sub_sample', childLabNo: 'x.1', body: { ...body, portionGrams: 2 } }, opened, ctx(ana)))).toBe(
      'INTAKE_ERR_WEIGHT_INCONSISTENT',
    );
    const [rec] = decideCustody({ kind: 'take_sub_sample', childLabNo: `${opened.labNo}.1`, body }, opened, ctx(ana));
    expect(rec?.weights).toEqual({ grossBeforeGrams: 12.5, grossAfterGrams: 12, portionGrams: 0.5, balanceId: 'BAL-1' });
    const parent = evolveItem(opened, rec as CustodyRecord);
    expect(parent.subSampleCount).toBe(1);
    expect(parent.grossWeight.grams).toBe(12);
    const child = createSubSample(parent, `${opened.labNo}.1`, body, ctx(ana));
    expect(child.item.parent).toEqual({ labNo: opened.labNo, portionGrams: 0.5 });
    expect(child.record.details.parentLabNo).toBe(opened.labNo);
  });

  it('refuses analysis while a receipt deviation is open, and allows it once resolved', () => {
    const item = given([]);
    const { item: withDeviation, deviation } = recordDeviation(item, { kind: 'broken_seal', description: 'seal S-100 torn' }, { deviationId: 'd1', by: ana, now });
    expect(codeOf(() => decideCustody({ kind: 'send_for_analysis', requestId: 'ar1' }, withDeviation, ctx(ana)))).toBe('INTAKE_ERR_OPEN_DEVIATION');
    const resolved = resolveDeviation(
      withDeviation,
      deviation,
      {
        decision: 'proceed_with_reservation',
        rationale: 'contents consistent with description',
        agencyConsultation: { contactedAt: now.toISOString(), contactName: 'Sgt. Karimov', method: 'phone', outcome: 'proceed' },
      },
      { by: ana, now },
    );
    expect(resolved.deviation.status).toBe('resolved');
    expect(decideCustody({ kind: 'send_for_analysis', requestId: 'ar1' }, resolved.item, ctx(ana)).map((r) => r.kind)).toEqual(['sent_for_analysis']);
    expect(codeOf(() => resolveDeviation(resolved.item, resolved.deviation, { decision: 'proceed', rationale: 'x', agencyConsultation: { contactedAt: now.toISOString(), contactName: 'x', method: 'phone', outcome: 'x' } }, { by: ana, now }))).toBe(
      'INTAKE_ERR_DEVIATION_RESOLVED',
    );
  });

  // given a deviation resolved with this decision / then analysis, sub-sampling and return
  const decisions: { decision: 'proceed' | 'proceed_with_reservation' | 'return_to_agency' | 'decline_analysis'; analysis: string; subSample: string }[] = [
    { decision: 'proceed', analysis: 'sent_for_analysis', subSample: 'sub_sampled' },
    { decision: 'proceed_with_reservation', analysis: 'sent_for_analysis', subSample: 'sub_sampled' },
    { decision: 'return_to_agency', analysis: 'INTAKE_ERR_ANALYSIS_DECLINED', subSample: 'INTAKE_ERR_ANALYSIS_DECLINED' },
    { decision: 'decline_analysis', analysis: 'INTAKE_ERR_ANALYSIS_DECLINED', subSample: 'INTAKE_ERR_ANALYSIS_DECLINED' },
  ];
  for (const row of decisions) {
    it(`after a deviation decided "${row.decision}": analysis ${row.analysis}, sub-sampling ${row.subSample}, return to the agency allowed`, () => {
      const opened = given([[ana, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'sampling', condition: 'intact' }]]);
      const recorded = recordDeviation(opened, { kind: 'weight_mismatch', description: 'lighter than declared' }, { deviationId: 'd1', by: ana, now });
      const { item } = resolveDeviation(
        recorded.item,
        recorded.deviation,
        { decision: row.decision, rationale: 'agreed with the agency', agencyConsultation: { contactedAt: now.toISOString(), contactName: 'Sgt. Karimov', method: 'phone', outcome: 'agreed' } },
        { by: ana, now },
      );
      const outcome = (command: CustodyCommand) => {
        try {
          return decideCustody(command, item, ctx(ana)).map((r) => r.kind).join('+');
        } catch (err) {
          if (isDomainError(err)) return err.code;
          throw err;
        }
      };
      expect(outcome({ kind: 'send_for_analysis', requestId: 'ar1' })).toBe(row.analysis);
      const body = { description: 'portion', packaging: 'vial', grossBefore: { grams: 12.5, balanceId: 'B' }, grossAfter: { grams: 12.2, balanceId: 'B' }, portionGrams: 0.3 };
      expect(outcome({ kind: 'take_sub_sample', childLabNo: 'TMG-2025-000001-01.1', body })).toBe(row.subSample);
      expect(outcome({ kind: 'return_to_agency', to: { name: 'Sgt. Karimov' }, authority: 'letter 9' })).toBe('returned_to_agency');
    });
  }

  it('an open deviation blocks analysis but not the return to the agency', () => {
    const { item } = recordDeviation(given([]), { kind: 'broken_seal', description: 'torn' }, { deviationId: 'd1', by: ana, now });
    expect(codeOf(() => decideCustody({ kind: 'send_for_analysis', requestId: 'ar1' }, item, ctx(ana)))).toBe('INTAKE_ERR_OPEN_DEVIATION');
    expect(decideCustody({ kind: 'return_to_agency', to: { name: 'Sgt. Karimov' }, authority: 'letter 9' }, item, ctx(ana)).map((r) => r.kind)).toEqual(['returned_to_agency']);
  });

  it('records the printed name and time of the e-signature the actor gave', () => {
    const signedAt = '2025-03-01T09:59:58.000Z';
    const [record] = decideCustody({ kind: 'store', locationId: 'cab' }, given([]), { ...ctx(ana), signed: { printedName: 'А. Петрова', time: signedAt } });
    expect(record?.signatures).toEqual([{ by: 'u-ana', printedName: 'А. Петрова', time: signedAt, meaning: 'performed' }]);
  });

  it('replaying the records reproduces the state', () => {
    const start = receiveItem({ labNo: 'TMG-2025-000001-01', caseId: 'c', agencyId: 'police', body: receipt }, ctx(ana)).item;
    const records: CustodyRecord[] = [];
    let item = start;
    for (const [actor, command] of [[ana, offer], [bek, { kind: 'accept_transfer', transferId: 't1' }], [bek, { kind: 'store', locationId: 'cab' }]] as [Person, CustodyCommand][]) {
      for (const r of decideCustody(command, item, ctx(actor))) {
        records.push(r);
        item = evolveItem(item, r);
      }
    }
    expect(replayItem(start, records)).toEqual(item);
    expect(item.custodian).toEqual({ kind: 'location', locationId: 'cab', path: 'Main store / Room 2 / Cabinet A' });
  });

  it('refuses a receipt listing the same seal twice, naming the field', () => {
    let fields: unknown;
    try {
      receiveItem({ labNo: 'TMG-2025-000001-01', caseId: 'c', agencyId: 'p', body: { ...receipt, seals: [{ number: 'A', intact: true }, { number: 'A', intact: false }] } }, ctx(ana));
    } catch (err) {
      fields = isDomainError(err) ? err.errors : err;
    }
    expect(fields).toEqual([{ field: 'seals.1.number', message: 'duplicate seal number' }]);
  });
});
