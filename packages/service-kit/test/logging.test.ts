import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withLogContext } from '@tamga/service-kit';

function capture(): { lines: () => Record<string, unknown>[]; destination: Writable } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { destination, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logging', () => {
  it('never writes authorization headers or passwords', () => {
    const out = capture();
    const log = createLogger({ name: 'intake', destination: out.destination });
    log.info({ req: { headers: { authorization: 'Bearer secret-token', cookie: 'sid=1' } }, user: { password: 'hunter2' } }, 'request');
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('sid=1');
  });

  it('carries lab number, case, event and trace ids on child loggers, leaving out absent ones', () => {
    const out = capture();
    const log = withLogContext(createLogger({ name: 'analysis', destination: out.destination }), {
      labNo: 'TMG-2025-000001-01',
      eventId: '0190b2a0-0000-7000-8000-000000000000',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      caseId: undefined,
    });
    log.info('work item created');
    const [line] = out.lines();
    expect(line).toMatchObject({
      service: 'analysis',
      labNo: 'TMG-2025-000001-01',
      eventId: '0190b2a0-0000-7000-8000-000000000000',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      msg: 'work item created',
    });
    expect(line).not.toHaveProperty('caseId');
  });
});
