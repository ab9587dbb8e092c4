// Analyst, reviewer and QA screens on analysis's routes under /api/analysis/v1: the work queue
// (claim an item), a work item (upload a spectrum, ranked library hits with analysis's mirror
// plot, findings with their measurement uncertainty, submit for review), the review queue
// (approve with an e-signature, then wait for the report; or send back) and reference libraries
// (import an MSP with progress).
import { useEffect, useState } from 'react';
import { api, apiBlob, upload } from '../api.ts';
import type { UploadProgress } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { ESignatureDialog } from '../components/ESignatureDialog.tsx';
import { signedActs } from '../signed-acts.ts';
import { Field, FormError, Select, useAction } from '../components/forms.tsx';
import { Progress } from '../components/Progress.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';
import { hasRole, useSession } from '../session.tsx';

interface Person {
  id: string;
  name: string;
}
interface Measured {
  value: number;
  unit: string;
  expandedUncertainty: number;
  coverageFactor: number;
}
interface WorkItem {
  id: string;
  labNo: string;
  caseId: string;
  status: 'queued' | 'in_progress' | 'awaiting_review' | 'approved' | 'rejected';
  priority: 'routine' | 'urgent';
  dueDate?: string;
  description?: string;
  analyst?: Person;
  determinations: string[];
  sentBackReasons?: string[];
  findings?: {
    input: { conclusion: string; substance?: string; sop: { id: string; version: string } };
    techniques: { code: string; name: string; category: string; result: string }[];
    swgdrug?: { satisfied?: boolean; statement?: string };
    purity?: Measured;
    netWeight?: Measured;
    hit?: {
      name: string;
      mf: number;
      rmf: number;
      rank: number;
      spectrumId: string;
      library: { name: string; version: string };
    };
    recordedBy: Person;
  };
}
interface Hit {
  rank: number;
  name: string;
  score: number;
  mf: number;
  rmf: number;
  probability: number;
  /** What the search's checks took from the score and why. */
  adjustments?: { reason: 'derivative' | 'low-mass' | 'retention-index'; points: number }[];
}
interface Upload {
  id: string;
  filename: string;
  spectra: {
    index: number;
    name: string;
    peakCount: number;
    search: { library: { name: string; version: string }; measure: string; hits: Hit[] };
  }[];
}

const base = (id: string) => `/api/analysis/v1/work-items/${encodeURIComponent(id)}`;

function measured(m: Measured | undefined): string {
  if (m === undefined) return '—';
  const digits = m.unit === 'g' ? 4 : 1;
  return `${m.value.toFixed(digits)} ± ${m.expandedUncertainty.toFixed(digits)} ${m.unit} (k = ${m.coverageFactor})`;
}

function StatusText({ status }: { status: WorkItem['status'] }) {
  const { t } = useI18n();
  return <span className={`status ${status}`}>{t(`work.status.${status}` as MessageKey)}</span>;
}

export function Queue() {
  const { t } = useI18n();
  const { user } = useSession();
  const [items, setItems] = useState<WorkItem[]>();
  const load = useAction(async () => setItems((await api<{ items: WorkItem[] }>('/api/analysis/v1/work-items')).items));
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const claim = useAction(async (id: string) => {
    await api(`${base(id)}/assignment`, { body: {} });
    window.location.hash = `#/work/${encodeURIComponent(id)}`;
  });
  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">{t('queue.title')}</h1>
      <DataTable
        error={load.error ?? claim.error}
        caption={t('queue.caption')}
        rows={items}
        rowKey={(w) => w.id}
        empty={t('queue.empty')}
        columns={[
          {
            header: t('item.labNo'),
            cell: (w) => (
              <>
                <a className="mono" href={`#/work/${encodeURIComponent(w.id)}`}>
                  {w.labNo}
                </a>
                {w.priority === 'urgent' ? ` (${t('queue.urgent')})` : ''}
              </>
            ),
          },
          { header: t('queue.determinations'), cell: (w) => w.determinations.join(', ') },
          { header: t('queue.due'), cell: (w) => w.dueDate ?? '—' },
          { header: t('reports.status'), cell: (w) => <StatusText status={w.status} /> },
          { header: t('queue.analyst'), cell: (w) => w.analyst?.name ?? '—' },
          {
            header: t('users.actions'),
            cell: (w) =>
              w.status === 'queued' &&
              hasRole(user, 'analyst') && (
                <button
                  type="button"
                  onClick={() => void claim.run(w.id)}
                  aria-label={`${t('queue.claim')} ${w.labNo}`}
                  disabled={claim.busy}
                >
                  {t('queue.claim')}
                </button>
              ),
          },
        ]}
      />
    </section>
  );
}

/** The mirror plot analysis draws (query above, reference below), fetched with the bearer token. */
function MirrorPlot({ spectrumId, rank, name }: { spectrumId: string; rank: number; name: string }) {
  const { t } = useI18n();
  const [src, setSrc] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let url: string | undefined;
    let live = true;
    apiBlob(`/api/analysis/v1/spectra/${encodeURIComponent(spectrumId)}/mirror-plot.svg?rank=${rank}`)
      .then((blob) => {
        url = URL.createObjectURL(blob);
        if (live) setSrc(url);
      })
      .catch(setError);
    return () => {
      live = false;
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  }, [spectrumId, rank]);
  return (
    <figure className="mirror">
      <FormError error={error} />
      {src !== undefined && <img src={src} alt={t('work.plot.title', { name })} />}
      <figcaption>{t('work.plot.caption')}</figcaption>
    </figure>
  );
}

function Hits({ upload: up, chosen, onChoose }: { upload: Upload; chosen: number; onChoose(rank: number): void }) {
  const { t } = useI18n();
  const spectrum = up.spectra[0];
  if (spectrum === undefined) return null;
  const hit = spectrum.search.hits.find((h) => h.rank === chosen);
  return (
    <>
      <DataTable
        caption={t('work.hits', {
          library: `${spectrum.search.library.name} ${spectrum.search.library.version}`,
          file: up.filename,
        })}
        rows={spectrum.search.hits}
        rowKey={(h) => h.rank}
        rowClassName={(h) => (h.rank === chosen ? 'chosen' : undefined)}
        columns={[
          { header: '#', cell: (h) => h.rank },
          {
            header: t('work.substance'),
            cell: (h) => (
              <button type="button" className="link" aria-pressed={h.rank === chosen} onClick={() => onChoose(h.rank)}>
                {h.name}
              </button>
            ),
          },
          {
            header: t('work.score'),
            cell: (h) => (
              <>
                {Math.round(h.score)}
                {(h.adjustments ?? []).map((a) => (
                  <small key={a.reason} className="adjustment">
                    {t(`work.adjustment.${a.reason}`, { points: Math.round(a.points) })}
                  </small>
                ))}
              </>
            ),
          },
          { header: t('work.mf'), cell: (h) => Math.round(h.mf) },
          { header: t('work.rmf'), cell: (h) => Math.round(h.rmf) },
          { header: t('work.probability'), cell: (h) => `${h.probability.toFixed(1)} %` },
        ]}
      />
      {hit !== undefined && <MirrorPlot spectrumId={up.id} rank={hit.rank} name={hit.name} />}
    </>
  );
}

const FINDING_FIELDS = [
  'substance',
  'sop.id',
  'sop.version',
  'techniques',
  'purity.value',
  'value',
  'netWeight.gross',
  'netWeight.packaging',
  'qc',
];

export function Work({ workItemId }: { workItemId: string }) {
  const { t } = useI18n();
  const { user } = useSession();
  const [item, setItem] = useState<WorkItem>();
  const [latest, setLatest] = useState<Upload>();
  const [chosen, setChosen] = useState(1);
  const [progress, setProgress] = useState<UploadProgress>();
  const load = useAction(async () => {
    const [w, spectra] = await Promise.all([
      api<WorkItem>(base(workItemId)),
      api<{ spectra: Upload[] }>(`${base(workItemId)}/spectra`),
    ]);
    setItem(w);
    setLatest(spectra.spectra.at(-1));
  });
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [workItemId]);
  const mine = item?.analyst?.id === user?.id;
  const editable = mine && (item?.status === 'in_progress' || item?.status === 'rejected');
  const claim = useAction(async () => {
    setItem(await api<WorkItem>(`${base(workItemId)}/assignment`, { body: {} }));
  });
  const [instrument, setInstrument] = useState('');
  const send = useAction(async (file: File) => {
    setProgress({ loaded: 0, total: file.size, processing: false });
    const q = new URLSearchParams({ filename: file.name, ...(instrument === '' ? {} : { instrument }) });
    try {
      const up = await upload<Upload>(`${base(workItemId)}/spectra?${q.toString()}`, file, setProgress);
      setLatest(up);
      setChosen(1);
    } finally {
      setProgress(undefined);
    }
  });
  const hit = latest?.spectra[0]?.search.hits.find((h) => h.rank === chosen);
  const [f, setF] = useState({
    conclusion: 'identified',
    substance: '',
    sopId: 'SOP-GCMS-01',
    sopVersion: '1',
    second: 'GC',
    blank: 'BLANK-1',
    purity: '',
    repeatability: '',
    calibration: '',
    gross: '',
    packaging: '',
    balanceU: '0.0002',
    balanceSd: '0.0001',
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const record = useAction(async () => {
    const identified = f.conclusion === 'identified';
    const spectrumId = latest?.id;
    const body = {
      sop: { id: f.sopId, version: f.sopVersion },
      conclusion: f.conclusion,
      ...(identified ? { substance: f.substance || hit?.name } : {}),
      ...(identified && spectrumId !== undefined && hit !== undefined ? { hit: { spectrumId, rank: hit.rank } } : {}),
      techniques: [
        {
          technique: 'MS',
          result: identified ? 'positive' : 'negative',
          ...(spectrumId === undefined ? {} : { spectrumId }),
          ...(instrument === '' ? {} : { instrument }),
        },
        ...(f.second === '' ? [] : [{ technique: f.second, result: identified ? 'positive' : 'negative' }]),
      ],
      qc: f.blank === '' ? [] : [{ kind: 'blank', reference: f.blank, passed: true }],
      ...(f.purity === ''
        ? {}
        : {
            purity: {
              value: Number(f.purity),
              components: [
                { name: 'replicate spread', type: 'A', value: Number(f.repeatability || 0), distribution: 'normal' },
                { name: 'calibration', type: 'B', value: Number(f.calibration || 0), distribution: 'rectangular' },
              ],
            },
          }),
      ...(f.gross === ''
        ? {}
        : {
            netWeight: {
              gross: Number(f.gross),
              packaging: Number(f.packaging || 0),
              balance: { calibrationU: Number(f.balanceU), calibrationK: 2, repeatabilitySd: Number(f.balanceSd) },
            },
          }),
    };
    setItem(await api<WorkItem>(`${base(workItemId)}/findings`, { body }));
  });
  const submit = useAction(async () => {
    setItem(await api<WorkItem>(`${base(workItemId)}/submission`, { method: 'POST' }));
  });
  if (item === undefined) return <FormError error={load.error} />;
  const findings = item.findings;
  return (
    <section aria-labelledby="work-title">
      <p>
        <a href="#/queue">← {t('queue.title')}</a>
      </p>
      <h1 id="work-title">{t('work.title', { labNo: item.labNo })}</h1>
      <dl>
        <dt>{t('reports.status')}</dt>
        <dd>
          <StatusText status={item.status} />
        </dd>
        <dt>{t('queue.determinations')}</dt>
        <dd>{item.determinations.join(', ')}</dd>
        <dt>{t('queue.due')}</dt>
        <dd>{item.dueDate ?? '—'}</dd>
        <dt>{t('queue.analyst')}</dt>
        <dd>{item.analyst?.name ?? '—'}</dd>
      </dl>
      {item.sentBackReasons !== undefined && item.sentBackReasons.length > 0 && (
        <p className="notice" role="status">
          {t('work.sentBack', { reasons: item.sentBackReasons.join('; ') })}
        </p>
      )}
      {item.status === 'queued' && hasRole(user, 'analyst') && (
        <button type="button" onClick={() => void claim.run()} disabled={claim.busy}>
          {t('queue.claim')}
        </button>
      )}
      <FormError error={claim.error} />
      {editable && (
        <form aria-labelledby="upload-title" onSubmit={(e) => e.preventDefault()}>
          <h2 id="upload-title">{t('work.uploadTitle')}</h2>
          <Field
            label={t('work.instrument')}
            name="instrument"
            value={instrument}
            onChange={(e) => setInstrument(e.target.value)}
          />
          <div className="field">
            <label htmlFor="spectrum-file">{t('work.upload')}</label>
            <input
              id="spectrum-file"
              type="file"
              accept=".msp,.jdx,.dx,.jcamp,.mzml,.csv,.txt"
              disabled={send.busy}
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file !== undefined) void send.run(file);
                e.target.value = '';
              }}
            />
          </div>
          {progress !== undefined &&
            (progress.processing ? (
              <Progress label={t('work.searching')} />
            ) : (
              <Progress label={t('work.uploading')} value={progress.loaded} max={progress.total} />
            ))}
          <FormError error={send.error} />
        </form>
      )}
      {latest !== undefined && <Hits upload={latest} chosen={chosen} onChoose={setChosen} />}
      {editable && (
        <form
          aria-labelledby="finding-title"
          onSubmit={(e) => {
            e.preventDefault();
            void record.run();
          }}
        >
          <h2 id="finding-title">{t('work.finding')}</h2>
          <div className="grid">
            <Select label={t('work.conclusion')} name="conclusion" value={f.conclusion} onChange={set('conclusion')}>
              <option value="identified">{t('work.conclusion.identified')}</option>
              <option value="no_controlled_substance_detected">{t('work.conclusion.none')}</option>
            </Select>
            <Field
              label={t('work.substance')}
              name="substance"
              value={f.substance}
              placeholder={hit?.name}
              onChange={set('substance')}
              error={record.apiError}
              hint={hit !== undefined ? t('work.substanceHint', { name: hit.name }) : undefined}
            />
            <Field
              label={t('work.sop')}
              name="sop.id"
              value={f.sopId}
              onChange={set('sopId')}
              error={record.apiError}
              required
            />
            <Field
              label={t('work.sopVersion')}
              name="sop.version"
              value={f.sopVersion}
              onChange={set('sopVersion')}
              error={record.apiError}
              required
            />
            <Select label={t('work.second')} name="second" value={f.second} onChange={set('second')}>
              {['GC', 'IR', 'LC', 'TLC', 'COLOUR', ''].map((x) => (
                <option key={x} value={x}>
                  {x === '' ? '—' : x}
                </option>
              ))}
            </Select>
            <Field label={t('work.blank')} name="qc" value={f.blank} onChange={set('blank')} error={record.apiError} />
          </div>
          <fieldset>
            <legend>{t('work.purityTitle')}</legend>
            <div className="grid">
              <Field
                label={t('work.purity')}
                name="purity.value"
                type="number"
                step="0.1"
                min="0"
                max="100"
                value={f.purity}
                onChange={set('purity')}
                error={record.apiError}
              />
              <Field
                label={t('work.repeatability')}
                name="repeatability"
                type="number"
                step="0.001"
                min="0"
                value={f.repeatability}
                onChange={set('repeatability')}
              />
              <Field
                label={t('work.calibration')}
                name="calibration"
                type="number"
                step="0.001"
                min="0"
                value={f.calibration}
                onChange={set('calibration')}
              />
            </div>
          </fieldset>
          <fieldset>
            <legend>{t('work.netTitle')}</legend>
            <div className="grid">
              <Field
                label={t('work.gross')}
                name="netWeight.gross"
                type="number"
                step="0.0001"
                min="0"
                value={f.gross}
                onChange={set('gross')}
                error={record.apiError}
              />
              <Field
                label={t('work.packaging')}
                name="netWeight.packaging"
                type="number"
                step="0.0001"
                min="0"
                value={f.packaging}
                onChange={set('packaging')}
                error={record.apiError}
              />
              <Field
                label={t('work.balanceU')}
                name="balanceU"
                type="number"
                step="0.0001"
                min="0"
                value={f.balanceU}
                onChange={set('balanceU')}
              />
              <Field
                label={t('work.balanceSd')}
                name="balanceSd"
                type="number"
                step="0.0001"
                min="0"
                value={f.balanceSd}
                onChange={set('balanceSd')}
              />
            </div>
          </fieldset>
          <FormError error={record.error} fields={FINDING_FIELDS} />
          <button type="submit" disabled={record.busy}>
            {t('work.record')}
          </button>
        </form>
      )}
      {findings !== undefined && (
        <div className="card" aria-labelledby="recorded-title">
          <h2 id="recorded-title">{t('work.recordedTitle')}</h2>
          <dl>
            <dt>{t('work.conclusion')}</dt>
            <dd>{findings.input.substance ?? t('work.conclusion.none')}</dd>
            <dt>{t('work.techniques')}</dt>
            <dd>
              {findings.techniques
                .map((x) => t('work.techniqueUse', { name: x.name, category: x.category, result: x.result }))
                .join('; ')}
            </dd>
            {findings.hit !== undefined && (
              <>
                <dt>{t('work.hit')}</dt>
                <dd>
                  {findings.hit.name} — MF {Math.round(findings.hit.mf)}, RMF {Math.round(findings.hit.rmf)} (
                  {findings.hit.library.name} {findings.hit.library.version})
                </dd>
              </>
            )}
            <dt>{t('work.purity')}</dt>
            <dd>{measured(findings.purity)}</dd>
            <dt>{t('work.net')}</dt>
            <dd>{measured(findings.netWeight)}</dd>
          </dl>
          {editable && (
            <button type="button" onClick={() => void submit.run()} disabled={submit.busy}>
              {t('work.submit')}
            </button>
          )}
          <FormError error={submit.error} />
          {item.status === 'awaiting_review' && (
            <p className="ok" role="status">
              {t('work.submitted')}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

interface ReportRef {
  reportNumber: string;
  status: string;
}

/** Polls reporting until the report of `labNo` is issued (it is built from events, a little later). */
function ReportWait({ labNo }: { labNo: string }) {
  const { t } = useI18n();
  const [report, setReport] = useState<ReportRef>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    const deadline = Date.now() + 120_000;
    async function poll(): Promise<void> {
      while (live && Date.now() < deadline) {
        const found = (
          await api<{ reports: ReportRef[] }>(
            `/api/reporting/v1/reports?labNo=${encodeURIComponent(labNo)}&status=current`,
          )
        ).reports[0];
        if (found !== undefined) {
          if (live) setReport(found);
          return;
        }
        await new Promise((r) => setTimeout(r, 700));
      }
      if (live) setError(new Error(t('reviews.reportLate')));
    }
    poll().catch((err: unknown) => live && setError(err));
    return () => {
      live = false;
    };
  }, [labNo, t]);
  if (error !== undefined) return <FormError error={error} />;
  if (report === undefined) return <Progress label={t('reviews.reportWait', { labNo })} />;
  return (
    <p className="ok" role="status">
      {t('reviews.reportIssued', { report: report.reportNumber })} <a href="#/reports">{t('nav.reports')}</a>
    </p>
  );
}

export function Reviews() {
  const { t } = useI18n();
  const { user } = useSession();
  const [items, setItems] = useState<WorkItem[]>();
  const [signing, setSigning] = useState<{ w: WorkItem; decision: 'approve' | 'send_back' }>();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [approved, setApproved] = useState<string[]>([]);
  const load = useAction(async () =>
    setItems((await api<{ items: WorkItem[] }>('/api/analysis/v1/work-items?status=awaiting_review')).items),
  );
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const approve = useAction(async (w: WorkItem, eSignature: string) => {
    await api(`${base(w.id)}/review`, {
      body: {
        decision: 'approve',
        signature: { printedName: user?.name ?? '', meaning: t('reviews.meaning') },
        eSignature,
      },
    });
    setApproved((a) => [...a, w.labNo]);
    await load.run();
  });
  const sendBack = useAction(async (w: WorkItem, eSignature: string) => {
    await api(`${base(w.id)}/review`, { body: { decision: 'send_back', reasons: [reasons[w.id] ?? ''], eSignature } });
    setReasons({ ...reasons, [w.id]: '' });
    await load.run();
  });
  return (
    <section aria-labelledby="reviews-title">
      <h1 id="reviews-title">{t('reviews.title')}</h1>
      <FormError error={load.error ?? approve.error} />
      {approved.map((labNo) => (
        <ReportWait key={labNo} labNo={labNo} />
      ))}
      {items !== undefined && items.length === 0 && <p>{t('reviews.empty')}</p>}
      {(items ?? []).map((w) => (
        <article key={w.id} className="card" aria-labelledby={`review-${w.id}`}>
          <h2 id={`review-${w.id}`} className="mono">
            {w.labNo}
          </h2>
          <dl>
            <dt>{t('queue.analyst')}</dt>
            <dd>{w.analyst?.name ?? '—'}</dd>
            <dt>{t('work.conclusion')}</dt>
            <dd>{w.findings?.input.substance ?? t('work.conclusion.none')}</dd>
            <dt>{t('work.techniques')}</dt>
            <dd>
              {w.findings?.techniques
                .map((x) => t('work.techniqueUse', { name: x.name, category: x.category, result: x.result }))
                .join('; ') ?? '—'}
            </dd>
            {w.findings?.hit !== undefined && (
              <>
                <dt>{t('work.hit')}</dt>
                <dd>
                  {w.findings.hit.name} — MF {Math.round(w.findings.hit.mf)}
                </dd>
              </>
            )}
            <dt>{t('work.purity')}</dt>
            <dd>{measured(w.findings?.purity)}</dd>
          </dl>
          {w.findings?.hit !== undefined && (
            <MirrorPlot spectrumId={w.findings.hit.spectrumId} rank={w.findings.hit.rank} name={w.findings.hit.name} />
          )}
          <Field
            label={t('reviews.reason')}
            name="reasons"
            value={reasons[w.id] ?? ''}
            onChange={(e) => setReasons({ ...reasons, [w.id]: e.target.value })}
            error={sendBack.apiError}
          />
          <div className="actions">
            <button type="button" onClick={() => setSigning({ w, decision: 'approve' })} disabled={approve.busy}>
              {t('reviews.approve')}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => setSigning({ w, decision: 'send_back' })}
              disabled={sendBack.busy}
            >
              {t('reviews.sendBack')}
            </button>
          </div>
          <FormError error={sendBack.error} fields={['reasons']} />
        </article>
      ))}
      {signing !== undefined && (
        <ESignatureDialog
          {...(signing.decision === 'approve' ? signedActs.approve(signing.w.id) : signedActs.sendBack(signing.w.id))}
          onCancel={() => setSigning(undefined)}
          onSigned={async (token) => {
            const { w, decision } = signing;
            setSigning(undefined);
            await (decision === 'approve' ? approve.run(w, token) : sendBack.run(w, token));
          }}
        />
      )}
    </section>
  );
}

interface Library {
  id: string;
  name: string;
  version: string;
  count: number;
  createdAt: string;
  createdBy: Person;
}

export function Libraries() {
  const { t, time } = useI18n();
  const [libraries, setLibraries] = useState<Library[]>();
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [file, setFile] = useState<File>();
  const [progress, setProgress] = useState<UploadProgress>();
  const [imported, setImported] = useState<Library>();
  const load = useAction(async () =>
    setLibraries((await api<{ libraries: Library[] }>('/api/analysis/v1/libraries')).libraries),
  );
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const importLibrary = useAction(async () => {
    if (file === undefined) return;
    setImported(undefined);
    setProgress({ loaded: 0, total: file.size, processing: false });
    try {
      const q = new URLSearchParams({ name, version });
      setImported(await upload<Library>(`/api/analysis/v1/libraries?${q.toString()}`, file, setProgress));
    } finally {
      setProgress(undefined);
    }
    await load.run();
  });
  return (
    <section aria-labelledby="libraries-title">
      <h1 id="libraries-title">{t('libraries.title')}</h1>
      <DataTable
        error={load.error}
        caption={t('libraries.caption')}
        rows={libraries}
        rowKey={(l) => l.id}
        empty={t('libraries.none')}
        columns={[
          { header: t('libraries.name'), cell: (l) => l.name },
          { header: t('libraries.version'), cell: (l) => l.version },
          { header: t('libraries.count'), cell: (l) => l.count },
          { header: t('libraries.created'), cell: (l) => `${time(l.createdAt)} · ${l.createdBy.name}` },
        ]}
      />
      <form
        aria-labelledby="import-title"
        onSubmit={(e) => {
          e.preventDefault();
          void importLibrary.run();
        }}
      >
        <h2 id="import-title">{t('libraries.import')}</h2>
        <div className="grid">
          <Field
            label={t('libraries.name')}
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={importLibrary.apiError}
            required
          />
          <Field
            label={t('libraries.version')}
            name="version"
            value={version}
            onChange={(e) => setVersion(e.target.value)}
            error={importLibrary.apiError}
            required
          />
          <div className="field">
            <label htmlFor="library-file">{t('libraries.file')}</label>
            <input
              id="library-file"
              type="file"
              accept=".msp,.txt"
              required
              onChange={(e) => setFile(e.target.files?.[0])}
            />
          </div>
        </div>
        {progress !== undefined &&
          (progress.processing ? (
            <Progress label={t('libraries.indexing')} />
          ) : (
            <Progress label={t('libraries.uploading')} value={progress.loaded} max={progress.total} />
          ))}
        <FormError error={importLibrary.error} fields={['name', 'version']} />
        {imported !== undefined && (
          <p className="ok" role="status">
            {t('libraries.imported', { name: imported.name, version: imported.version, count: imported.count })}
          </p>
        )}
        <button type="submit" disabled={importLibrary.busy || file === undefined}>
          {t('libraries.submit')}
        </button>
      </form>
    </section>
  );
}
