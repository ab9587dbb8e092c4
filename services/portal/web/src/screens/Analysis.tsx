// Analyst and reviewer screens: the work queue, a work item (upload a spectrum, ranked hits
// with a mirror plot, record a finding with its uncertainty, submit for review) and the review
// queue (approve with an e-signature or send back). Written against analysis's routes under
// /api/analysis/v1; while analysis is absent they say so.
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { ESignatureDialog } from '../components/ESignatureDialog.tsx';
import { Field, FormError, useAction } from '../components/forms.tsx';
import { MirrorPlot } from '../components/MirrorPlot.tsx';
import type { Peaks } from '../components/MirrorPlot.tsx';
import { useI18n } from '../i18n.tsx';

interface WorkItem {
  workItemId: string;
  labNo: string;
  status: string;
  priority?: string;
  determinations?: string[];
}
interface Hit {
  rank: number;
  name: string;
  casNo?: string;
  matchFactor: number;
  reverseMatchFactor?: number;
  peaks: Peaks;
}
interface SearchResult {
  spectrumId: string;
  query: { peaks: Peaks };
  hits: Hit[];
}

export function Queue() {
  const { t } = useI18n();
  const [items, setItems] = useState<WorkItem[]>();
  const load = useAction(async () => setItems((await api<{ workItems: WorkItem[] }>('/api/analysis/v1/work-items')).workItems));
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">{t('queue.title')}</h1>
      <FormError error={load.error} />
      {items !== undefined && items.length === 0 && <p>{t('queue.empty')}</p>}
      <ul className="list">
        {(items ?? []).map((w) => (
          <li key={w.workItemId}>
            <a href={`#/work/${encodeURIComponent(w.workItemId)}`}>
              <span className="mono">{w.labNo}</span> — {w.status} {w.priority === 'urgent' ? `(${t('queue.urgent')})` : ''}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Work({ workItemId }: { workItemId: string }) {
  const { t } = useI18n();
  const base = `/api/analysis/v1/work-items/${encodeURIComponent(workItemId)}`;
  const [search, setSearch] = useState<SearchResult>();
  const [chosen, setChosen] = useState(0);
  const upload = useAction(async (file: File) => {
    setSearch(await api<SearchResult>(`${base}/spectra`, { raw: file, headers: { 'x-file-name': file.name } }));
    setChosen(0);
  });
  const hit = search?.hits[chosen];
  const [f, setF] = useState({ substance: '', purity: '', uncertainty: '', netGrams: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const [recorded, setRecorded] = useState(false);
  const record = useAction(async () => {
    await api(`${base}/findings`, {
      body: {
        substance: f.substance || hit?.name,
        spectrumId: search?.spectrumId,
        purity: f.purity === '' ? undefined : { percent: Number(f.purity), expandedUncertainty: Number(f.uncertainty), coverageFactor: 2 },
        netWeight: f.netGrams === '' ? undefined : { grams: Number(f.netGrams) },
      },
    });
    setRecorded(true);
  });
  const submit = useAction(async () => {
    await api(`${base}/submissions`, { body: {} });
    window.location.hash = '#/queue';
  });
  return (
    <section aria-labelledby="work-title">
      <h1 id="work-title">{t('work.title', { id: workItemId })}</h1>
      <div className="field">
        <label htmlFor="spectrum-file">{t('work.upload')}</label>
        <input id="spectrum-file" type="file" accept=".msp,.jdx,.dx,.mzml,.csv,.txt" onChange={(e) => e.target.files?.[0] && void upload.run(e.target.files[0])} />
      </div>
      {upload.busy && <p role="status">{t('work.searching')}</p>}
      <FormError error={upload.error} />
      {search !== undefined && (
        <>
          <table>
            <caption>{t('work.hits')}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('work.substance')}</th>
                <th scope="col">{t('work.mf')}</th>
                <th scope="col">{t('work.rmf')}</th>
              </tr>
            </thead>
            <tbody>
              {search.hits.map((h, i) => (
                <tr key={h.rank} aria-selected={i === chosen}>
                  <td>{h.rank}</td>
                  <td>
                    <button type="button" className="link" onClick={() => setChosen(i)}>
                      {h.name}
                    </button>
                  </td>
                  <td>{h.matchFactor}</td>
                  <td>{h.reverseMatchFactor ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {hit !== undefined && <MirrorPlot query={search.query.peaks} reference={hit.peaks} title={t('work.plot.title', { name: hit.name })} />}
        </>
      )}
      <form
        aria-labelledby="finding-title"
        onSubmit={(e) => {
          e.preventDefault();
          void record.run();
        }}
      >
        <h2 id="finding-title">{t('work.finding')}</h2>
        <div className="grid">
          <Field label={t('work.substance')} name="substance" value={f.substance} placeholder={hit?.name} onChange={set('substance')} error={record.apiError} />
          <Field label={t('work.purity')} name="purity.percent" type="number" step="0.1" min="0" max="100" value={f.purity} onChange={set('purity')} error={record.apiError} />
          <Field label={t('work.uncertainty')} name="purity.expandedUncertainty" type="number" step="0.1" min="0" value={f.uncertainty} onChange={set('uncertainty')} error={record.apiError} />
          <Field label={t('work.net')} name="netWeight.grams" type="number" step="0.001" min="0" value={f.netGrams} onChange={set('netGrams')} error={record.apiError} />
        </div>
        <FormError error={record.apiError?.errors.length ? undefined : record.error} />
        {recorded && <p role="status" className="ok">{t('work.recorded')}</p>}
        <div className="actions">
          <button type="submit" disabled={record.busy}>{t('work.record')}</button>
          <button type="button" className="secondary" disabled={!recorded || submit.busy} onClick={() => void submit.run()}>
            {t('work.submit')}
          </button>
        </div>
        <FormError error={submit.error} />
      </form>
    </section>
  );
}

interface ReviewItem {
  resultId: string;
  version: number;
  labNo: string;
  substance?: string;
  analyst?: { name: string };
}

export function Reviews() {
  const { t } = useI18n();
  const [items, setItems] = useState<ReviewItem[]>();
  const [signing, setSigning] = useState<ReviewItem>();
  const [reason, setReason] = useState('');
  const load = useAction(async () => setItems((await api<{ results: ReviewItem[] }>('/api/analysis/v1/reviews')).results));
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const approve = useAction(async (r: ReviewItem, eSignature: string) => {
    await api(`/api/analysis/v1/results/${encodeURIComponent(r.resultId)}/approvals`, { body: { version: r.version, eSignature } });
    await load.run();
  });
  const sendBack = useAction(async (r: ReviewItem) => {
    await api(`/api/analysis/v1/results/${encodeURIComponent(r.resultId)}/returns`, { body: { version: r.version, reason } });
    setReason('');
    await load.run();
  });
  return (
    <section aria-labelledby="reviews-title">
      <h1 id="reviews-title">{t('reviews.title')}</h1>
      <FormError error={load.error ?? approve.error ?? sendBack.error} />
      {items !== undefined && items.length === 0 && <p>{t('reviews.empty')}</p>}
      {(items ?? []).map((r) => (
        <article key={`${r.resultId}@${r.version}`} className="card">
          <h2 className="mono">{r.labNo}</h2>
          <p>
            {r.substance ?? '—'} · {t('reviews.by', { name: r.analyst?.name ?? '—' })}
          </p>
          <Field label={t('reviews.reason')} name="reason" value={reason} onChange={(e) => setReason(e.target.value)} error={sendBack.apiError} />
          <div className="actions">
            <button type="button" onClick={() => setSigning(r)}>{t('reviews.approve')}</button>
            <button type="button" className="secondary" onClick={() => void sendBack.run(r)}>{t('reviews.sendBack')}</button>
          </div>
        </article>
      ))}
      {signing !== undefined && (
        <ESignatureDialog
          meaning="approved"
          purpose={`approve result ${signing.resultId} v${signing.version}`}
          onCancel={() => setSigning(undefined)}
          onSigned={async (token) => {
            const r = signing;
            setSigning(undefined);
            await approve.run(r, token);
          }}
        />
      )}
    </section>
  );
}
