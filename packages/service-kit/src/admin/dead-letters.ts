// The administrator's dead-letter routes every event-consuming service registers with one line:
// the letters its consumers gave up on, and a replay once the cause is fixed. The work is done
// by the service's `DeadLetterDesk` (@tamga/messaging); this module is the HTTP door to it.
import { DeadLetterListQuery, DeadLetterParams } from '@tamga/contracts';
import type { DeadLetter, DeadLetterDesk } from '@tamga/messaging';
import type { ServiceApp } from '../app.ts';

/** A dead letter as the admin sees it; the body stays out of the list (it may carry personal data). */
export function deadLetterView(letter: DeadLetter) {
  return {
    id: letter.seq,
    subject: letter.subject,
    eventId: letter.eventId ?? letter.msgId ?? null,
    eventType: letter.eventType ?? null,
    consumer: letter.durable,
    stream: letter.stream,
    streamSeq: letter.streamSeq,
    deliveries: letter.deliveries,
    lastError: letter.error,
    errorCode: letter.errorCode ?? null,
    deadAt: letter.deadAt,
  };
}

/** `GET /v1/admin/dead-letters` and `POST /v1/admin/dead-letters/:id/replay`, admin only. */
export function registerDeadLetterRoutes(app: ServiceApp, desk: DeadLetterDesk): void {
  app.get('/v1/admin/dead-letters', { config: { roles: ['admin'] }, schema: { querystring: DeadLetterListQuery } }, async (request) => {
    const page = await desk.list({ after: request.query.after, limit: request.query.limit });
    return { items: page.letters.map(deadLetterView), next: page.next ?? null, consumers: desk.durables };
  });

  app.post('/v1/admin/dead-letters/:id/replay', { config: { roles: ['admin'] }, schema: { params: DeadLetterParams } }, async (request) => {
    const { sub, name } = request.principal;
    const replay = await desk.replay(request.params.id, { userId: sub, name });
    request.log.info({ deadLetter: replay.seq, durable: replay.durable, eventId: replay.eventId, outcome: replay.outcome, by: sub }, 'dead letter replayed');
    return { id: replay.seq, consumer: replay.durable, subject: replay.subject, eventId: replay.eventId ?? null, outcome: replay.outcome };
  });
}
