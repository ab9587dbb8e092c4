// The administrator's dead-letter desk: per service (intake, analysis, reporting), the events
// its consumers gave up on (GET /v1/admin/dead-letters, a page at a time) with the error, and a
// replay to the consumer that gave up once the cause is fixed (POST …/:id/replay).
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { FormError, useAction } from '../components/forms.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';

const SERVICES = ['intake', 'analysis', 'reporting'] as const;
type ServiceName = (typeof SERVICES)[number];

/** GET /v1/admin/dead-letters (service-kit's deadLetterView): the body stays out of the list. */
interface DeadLetter {
  id: number;
  subject: string;
  eventId: string | null;
  eventType: string | null;
  consumer: string;
  deliveries: number;
  lastError: string;
  errorCode: string | null;
  deadAt: string;
}

interface DeadLetterPage {
  items: DeadLetter[];
  next: number | null;
}

function ServiceLetters({ service }: { service: ServiceName }) {
  const { t, time } = useI18n();
  const base = `/api/${service}/v1/admin/dead-letters`;
  const [page, setPage] = useState<DeadLetterPage>();
  const [after, setAfter] = useState<number[]>([0]);
  const [replayed, setReplayed] = useState<string>();
  const load = useAction(async (from: number) => setPage(await api<DeadLetterPage>(`${base}?after=${from}&limit=25`)));
  useEffect(() => {
    void load.run(0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const replay = useAction(async (letter: DeadLetter) => {
    setReplayed(undefined);
    const res = await api<{ outcome: string }>(`${base}/${letter.id}/replay`, { method: 'POST' });
    setReplayed(
      t('deadLetters.replayed', { seq: letter.id, outcome: t(`deadLetters.outcome.${res.outcome}` as MessageKey) }),
    );
    await load.run(after[after.length - 1] ?? 0);
  });
  return (
    <section aria-labelledby={`dl-${service}`} className="card">
      <h2 id={`dl-${service}`}>{t(`deadLetters.service.${service}` as MessageKey)}</h2>
      <FormError error={load.error ?? replay.error} />
      {replayed !== undefined && (
        <p className="ok" role="status">
          {replayed}
        </p>
      )}
      <DataTable
        caption={t('deadLetters.caption', { service: t(`deadLetters.service.${service}` as MessageKey) })}
        rows={page?.items}
        rowKey={(l) => l.id}
        empty={t('deadLetters.none')}
        columns={[
          { header: '#', cell: (l) => l.id },
          { header: t('deadLetters.when'), className: 'nowrap', cell: (l) => time(l.deadAt) },
          { header: t('deadLetters.consumer'), className: 'mono nowrap', cell: (l) => l.consumer },
          {
            header: t('deadLetters.event'),
            cell: (l) => (
              <>
                <span className="mono nowrap">{l.eventType ?? l.subject}</span>
                {l.eventId !== null && <small className="mono"> {l.eventId}</small>}
              </>
            ),
          },
          {
            header: t('deadLetters.error'),
            cell: (l) => (
              <>
                {l.errorCode !== null && <strong className="mono">{l.errorCode} </strong>}
                {l.lastError}
                <small> · {t('deadLetters.deliveries', { n: l.deliveries })}</small>
              </>
            ),
          },
          {
            header: t('users.actions'),
            cell: (l) => (
              <button
                type="button"
                onClick={() => void replay.run(l)}
                disabled={replay.busy}
                aria-label={`${t('deadLetters.replay')} ${l.id}`}
              >
                {t('deadLetters.replay')}
              </button>
            ),
          },
        ]}
      />
      {page !== undefined && (after.length > 1 || page.next !== null) && (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            disabled={after.length <= 1}
            onClick={() => {
              const previous = after.slice(0, -1);
              setAfter(previous);
              void load.run(previous[previous.length - 1] ?? 0);
            }}
          >
            {t('inventory.previous')}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={page.next === null}
            onClick={() => {
              if (page.next === null) return;
              setAfter([...after, page.next]);
              void load.run(page.next);
            }}
          >
            {t('inventory.next')}
          </button>
        </div>
      )}
    </section>
  );
}

export function DeadLetters() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="dead-letters-title">
      <h1 id="dead-letters-title">{t('deadLetters.title')}</h1>
      <p>{t('deadLetters.intro')}</p>
      {SERVICES.map((s) => (
        <ServiceLetters key={s} service={s} />
      ))}
    </section>
  );
}
