import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EventEnvelope,
  LabNo,
  Principal,
  ProblemDetails,
  STREAMS,
  actorOf,
  continueTrace,
  eventSchema,
  isDomainError,
  makeEvent,
  newEventId,
  parseEvent,
  streamOf,
  systemActor,
  ItemReceived,
} from '@tamga/contracts';

const technician = actorOf({ sub: 'u-1', name: 'Aida Technician', roles: ['technician'], lab: 'TMG' });
const now = new Date('2025-03-01T10:00:00.000Z');

function itemReceived() {
  return makeEvent(
    {
      type: 'intake.item.received',
      source: 'intake',
      subject: 'TMG-2025-000123-01',
      actor: technician,
      data: {
        labNo: 'TMG-2025-000123-01',
        caseId: 'case-1',
        agencyId: 'police-almaty',
        description: 'white powder in a sealed bag',
        receivedAt: now.toISOString(),
      },
    },
    now,
  );
}

describe('event envelope', () => {
  it('survives a JSON round trip through parseEvent unchanged', () => {
    const event = itemReceived();
    const back = parseEvent(JSON.parse(JSON.stringify(event)));
    expect(back).toEqual(event);
    expect(back.type).toBe('intake.item.received');
    expect(back.time).toBe('2025-03-01T10:00:00.000Z');
  });

  it('gives every event a fresh, time-ordered UUIDv7 id', () => {
    const a = newEventId();
    const b = newEventId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(EventEnvelope.shape.id.safeParse(itemReceived().id).success).toBe(true);
  });

  it('keeps a traceparent given to makeEvent', () => {
    const trace = continueTrace();
    const event = makeEvent(
      {
        type: 'reporting.report.issued',
        source: 'reporting',
        subject: 'R-2025-1',
        actor: systemActor('reporting'),
        data: { reportNumber: 'R-2025-1', labNos: ['TMG-2025-000123-01'], sha256: 'a'.repeat(64), issuedAt: now.toISOString() },
        traceparent: trace.traceparent,
      },
      now,
    );
    expect(parseEvent(event).traceparent).toBe(trace.traceparent);
  });

  it('refuses an event of an unknown type', () => {
    const raw = { ...itemReceived(), type: 'intake.item.teleported' };
    expect(() => parseEvent(raw)).toThrowError(expect.objectContaining({ code: 'CONTRACTS_ERR_UNKNOWN_EVENT_TYPE' }));
  });

  it('refuses an event whose data does not match its type, naming the field', () => {
    const event = itemReceived();
    const raw = { ...event, data: { ...event.data, labNo: 'not-a-lab-number' } };
    try {
      parseEvent(raw);
      expect.unreachable();
    } catch (err) {
      expect(isDomainError(err, 'CONTRACTS_ERR_INVALID_EVENT')).toBe(true);
      if (isDomainError(err)) expect(err.errors.map((e) => e.field)).toEqual(['data.labNo']);
    }
  });

  it('refuses a malformed envelope, naming the field', () => {
    const raw = { ...itemReceived(), id: 'not-a-uuid' };
    expect(() => parseEvent(raw)).toThrowError(
      expect.objectContaining({ code: 'CONTRACTS_ERR_INVALID_EVENT', errors: [expect.objectContaining({ field: 'id' })] }),
    );
  });

  it('refuses to make an event with bad data', () => {
    expect(() =>
      makeEvent(
        {
          type: 'intake.analysis.requested',
          source: 'intake',
          subject: 'TMG-2025-000123-01',
          actor: technician,
          data: { labNo: 'TMG-2025-000123-01', caseId: 'c', agencyId: 'a', determinations: [], priority: 'routine' },
        },
        now,
      ),
    ).toThrowError(expect.objectContaining({ code: 'CONTRACTS_ERR_INVALID_EVENT' }));
  });

  it('refuses an approval where the reviewer is the analyst', () => {
    const person = { id: 'u-2', name: 'Same Person' };
    expect(() =>
      makeEvent(
        {
          type: 'analysis.result.approved',
          source: 'analysis',
          subject: 'TMG-2025-000123-01',
          actor: technician,
          data: {
            labNo: 'TMG-2025-000123-01',
            caseId: 'c',
            resultId: 'r-1',
            version: 1,
            substance: 'cocaine',
            analyst: person,
            reviewer: person,
            approvedAt: now.toISOString(),
            library: { name: 'SWGDRUG', version: '3.14' },
          },
        },
        now,
      ),
    ).toThrowError(expect.objectContaining({ code: 'CONTRACTS_ERR_INVALID_EVENT' }));
  });

  it('types an envelope schema per event type', () => {
    const schema = eventSchema('intake.item.received', ItemReceived);
    expect(schema.safeParse(itemReceived()).success).toBe(true);
    expect(schema.safeParse({ ...itemReceived(), type: 'intake.analysis.requested' }).success).toBe(false);
  });

  it('maps each event type to the stream of its context', () => {
    expect(streamOf('intake.item.received')).toBe('INTAKE');
    expect(streamOf('analysis.result.approved')).toBe('ANALYSIS');
    expect(streamOf('reporting.report.issued')).toBe('REPORTING');
    expect(STREAMS.INTAKE).toBe('intake.>');
  });
});

describe('lab numbers', () => {
  it('accept LAB-YYYY-NNNNNN-NN with any depth of sub-samples', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z]{2,8}$/),
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 999999 }),
        fc.integer({ min: 0, max: 99 }),
        fc.array(fc.integer({ min: 1, max: 999 }), { maxLength: 3 }),
        (lab, year, seq, item, subs) => {
          const labNo = `${lab}-${String(year).padStart(4, '0')}-${String(seq).padStart(6, '0')}-${String(item).padStart(2, '0')}${subs.map((s) => `.${s}`).join('')}`;
          return LabNo.safeParse(labNo).success;
        },
      ),
    );
  });

  it('refuse lower-case labs, short sequences and dangling dots', () => {
    for (const bad of ['tmg-2025-000123-01', 'TMG-2025-123-01', 'TMG-2025-000123-01.', 'T-2025-000123-01', 'TMG-2025-000123-1']) {
      expect(LabNo.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('principal and trace context', () => {
  it('requires an agency for investigators', () => {
    expect(Principal.safeParse({ sub: 'i-1', name: 'Inv', roles: ['investigator'], lab: 'TMG' }).success).toBe(false);
    expect(Principal.safeParse({ sub: 'i-1', name: 'Inv', roles: ['investigator'], lab: 'TMG', agencyId: 'police' }).success).toBe(true);
  });

  it('continues an incoming trace with a new span and starts a new one for garbage', () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const next = continueTrace(incoming);
    expect(next.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(next.spanId).not.toBe('b7ad6b7169203331');
    expect(next.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    const fresh = continueTrace('garbage');
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.traceId).not.toBe(next.traceId);
  });

  it('describes a problem with a code and field errors', () => {
    expect(
      ProblemDetails.safeParse({ type: 'urn:tamga:problem:X', title: 'X', status: 400, detail: 'x', code: 'X', errors: [{ field: 'body.a', message: 'm' }] }).success,
    ).toBe(true);
  });
});
