// Technician screens: cases (open one, receive items with seals, print labels) and the scan
// desk (a focused field a barcode scanner types into; look up the item, record a move).
// Written against intake's routes under /api/intake/v1; while intake is absent they say so.
import { useEffect, useRef, useState } from 'react';
import { api, apiBlob, saveBlob } from '../api.ts';
import { ESignatureDialog } from '../components/ESignatureDialog.tsx';
import { Area, Field, FormError, Select, useAction } from '../components/forms.tsx';
import { useI18n } from '../i18n.tsx';

interface CaseSummary {
  caseId: string;
  agencyId: string;
  agencyCaseNumber: string;
  offence?: string;
}
interface Item {
  labNo: string;
  description?: string;
  status?: string;
  location?: { path: string } | null;
}

export function Cases() {
  const { t } = useI18n();
  const [cases, setCases] = useState<CaseSummary[]>();
  const load = useAction(async () => setCases((await api<{ cases: CaseSummary[] }>('/api/intake/v1/cases')).cases));
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const today = new Date().toISOString().slice(0, 10);
  const [f, setF] = useState({ agencyId: '', agencyCaseNumber: '', investigatorName: '', investigatorContact: '', offence: '', jurisdiction: '', seizureDate: today, request: '' });
  const open = useAction(async () => {
    const res = await api<{ caseId: string }>('/api/intake/v1/cases', {
      body: {
        agencyId: f.agencyId,
        agencyCaseNumber: f.agencyCaseNumber,
        investigator: { name: f.investigatorName, contact: f.investigatorContact },
        offence: f.offence,
        jurisdiction: f.jurisdiction,
        seizureDate: f.seizureDate,
        request: f.request,
      },
    });
    window.location.hash = `#/cases/${encodeURIComponent(res.caseId)}`;
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  return (
    <section aria-labelledby="cases-title">
      <h1 id="cases-title">{t('cases.title')}</h1>
      <FormError error={load.error} />
      {cases !== undefined && (
        <ul className="list">
          {cases.map((c) => (
            <li key={c.caseId}>
              <a href={`#/cases/${encodeURIComponent(c.caseId)}`}>
                {c.caseId} — {c.agencyCaseNumber} ({c.agencyId})
              </a>
            </li>
          ))}
        </ul>
      )}
      <form
        aria-labelledby="open-case-title"
        onSubmit={(e) => {
          e.preventDefault();
          void open.run();
        }}
      >
        <h2 id="open-case-title">{t('cases.open')}</h2>
        <div className="grid">
          <Field label={t('cases.agency')} name="agencyId" value={f.agencyId} onChange={set('agencyId')} error={open.apiError} required />
          <Field label={t('cases.agencyCaseNumber')} name="agencyCaseNumber" value={f.agencyCaseNumber} onChange={set('agencyCaseNumber')} error={open.apiError} required />
          <Field label={t('cases.investigator')} name="investigator.name" value={f.investigatorName} onChange={set('investigatorName')} error={open.apiError} required />
          <Field label={t('cases.contact')} name="investigator.contact" value={f.investigatorContact} onChange={set('investigatorContact')} error={open.apiError} required />
          <Field label={t('cases.offence')} name="offence" value={f.offence} onChange={set('offence')} error={open.apiError} required />
          <Field label={t('cases.jurisdiction')} name="jurisdiction" value={f.jurisdiction} onChange={set('jurisdiction')} error={open.apiError} required />
          <Field label={t('cases.seizureDate')} name="seizureDate" type="date" value={f.seizureDate} onChange={set('seizureDate')} error={open.apiError} required />
        </div>
        <Area label={t('cases.request')} name="request" value={f.request} onChange={set('request')} error={open.apiError} required />
        <FormError error={open.apiError?.errors.length ? undefined : open.error} />
        <button type="submit" disabled={open.busy}>{t('cases.openSubmit')}</button>
      </form>
    </section>
  );
}

export function CaseDetail({ caseId }: { caseId: string }) {
  const { t } = useI18n();
  const [items, setItems] = useState<Item[]>();
  const [signing, setSigning] = useState(false);
  const load = useAction(async () => setItems((await api<{ items: Item[] }>(`/api/intake/v1/cases/${encodeURIComponent(caseId)}/items`)).items));
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [caseId]);
  const [f, setF] = useState({ exhibitNo: '', description: '', packaging: '', seals: '', sealsIntact: 'true', grams: '', balanceId: '', condition: '', deliveredBy: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const receive = useAction(async (eSignature: string) => {
    await api(`/api/intake/v1/cases/${encodeURIComponent(caseId)}/items`, {
      body: {
        exhibitNo: f.exhibitNo,
        description: f.description,
        packaging: f.packaging,
        seals: f.seals.split(/[,\s]+/).filter(Boolean).map((number) => ({ number, intact: f.sealsIntact === 'true' })),
        grossWeight: { grams: Number(f.grams), balanceId: f.balanceId },
        condition: f.condition,
        deliveredBy: { name: f.deliveredBy },
        eSignature,
      },
    });
    await load.run();
  });
  const label = useAction(async (labNo: string) => saveBlob(await apiBlob(`/api/intake/v1/items/${encodeURIComponent(labNo)}/label.pdf`), `${labNo}-label.pdf`));
  return (
    <section aria-labelledby="case-title">
      <h1 id="case-title">{t('case.title', { caseId })}</h1>
      <FormError error={load.error ?? label.error} />
      {items !== undefined && (
        <table>
          <caption>{t('case.items')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('item.labNo')}</th>
              <th scope="col">{t('item.description')}</th>
              <th scope="col">{t('item.location')}</th>
              <th scope="col">{t('users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.labNo}>
                <td className="mono">{i.labNo}</td>
                <td>{i.description}</td>
                <td>{i.location?.path ?? '—'}</td>
                <td>
                  <button type="button" onClick={() => void label.run(i.labNo)}>{t('item.printLabel')}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        aria-labelledby="receive-title"
        onSubmit={(e) => {
          e.preventDefault();
          setSigning(true);
        }}
      >
        <h2 id="receive-title">{t('item.receive')}</h2>
        <div className="grid">
          <Field label={t('item.exhibitNo')} name="exhibitNo" value={f.exhibitNo} onChange={set('exhibitNo')} error={receive.apiError} required />
          <Field label={t('item.packaging')} name="packaging" value={f.packaging} onChange={set('packaging')} error={receive.apiError} required />
          <Field label={t('item.seals')} name="seals" hint={t('item.sealsHint')} value={f.seals} onChange={set('seals')} error={receive.apiError} />
          <Select label={t('item.sealsIntact')} name="seals.0.intact" value={f.sealsIntact} onChange={set('sealsIntact')}>
            <option value="true">{t('item.intact')}</option>
            <option value="false">{t('item.broken')}</option>
          </Select>
          <Field label={t('item.grossGrams')} name="grossWeight.grams" type="number" step="0.001" min="0" value={f.grams} onChange={set('grams')} error={receive.apiError} required />
          <Field label={t('item.balance')} name="grossWeight.balanceId" value={f.balanceId} onChange={set('balanceId')} error={receive.apiError} required />
          <Field label={t('item.deliveredBy')} name="deliveredBy.name" value={f.deliveredBy} onChange={set('deliveredBy')} error={receive.apiError} required />
        </div>
        <Area label={t('item.description')} name="description" value={f.description} onChange={set('description')} error={receive.apiError} required />
        <Area label={t('item.condition')} name="condition" value={f.condition} onChange={set('condition')} error={receive.apiError} required />
        <FormError error={receive.apiError?.errors.length ? undefined : receive.error} />
        <button type="submit" disabled={receive.busy}>{t('item.receiveSubmit')}</button>
      </form>
      {signing && (
        <ESignatureDialog
          meaning="received"
          purpose={`receive item ${f.exhibitNo} into case ${caseId}`}
          onCancel={() => setSigning(false)}
          onSigned={async (token) => {
            setSigning(false);
            await receive.run(token);
          }}
        />
      )}
    </section>
  );
}

interface CustodyEvent {
  kind: string;
  at?: string;
  actor?: { name: string };
  location?: { path: string };
}

export function Scan() {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [labNo, setLabNo] = useState('');
  const [item, setItem] = useState<Item & { custody?: CustodyEvent[] }>();
  const [locationId, setLocationId] = useState('');
  useEffect(() => input.current?.focus(), []);
  const lookup = useAction(async () => {
    setItem(undefined);
    const code = labNo.trim().toUpperCase();
    const [found, custody] = await Promise.all([
      api<Item>(`/api/intake/v1/items/${encodeURIComponent(code)}`),
      api<{ events: CustodyEvent[] }>(`/api/intake/v1/items/${encodeURIComponent(code)}/custody`).catch(() => ({ events: [] })),
    ]);
    setItem({ ...found, custody: custody.events });
  });
  const move = useAction(async () => {
    if (item === undefined) return;
    await api(`/api/intake/v1/items/${encodeURIComponent(item.labNo)}/custody`, { body: { kind: 'store', locationId } });
    await lookup.run();
    setLabNo('');
    input.current?.focus();
  });
  return (
    <section aria-labelledby="scan-title">
      <h1 id="scan-title">{t('scan.title')}</h1>
      <form
        onSubmit={(e) => {
          // A scanner types the code and presses Enter.
          e.preventDefault();
          void lookup.run();
        }}
      >
        <Field ref={input} label={t('scan.labNo')} name="labNo" className="scan" autoComplete="off" spellCheck={false} hint={t('scan.hint')} value={labNo} onChange={(e) => setLabNo(e.target.value)} error={lookup.apiError} required />
        <button type="submit">{t('scan.find')}</button>
      </form>
      <FormError error={lookup.apiError?.errors.length ? undefined : lookup.error} />
      {item !== undefined && (
        <div className="card">
          <h2 className="mono">{item.labNo}</h2>
          <p>{item.description}</p>
          <p>
            {t('item.location')}: {item.location?.path ?? '—'}
          </p>
          <ol className="custody">
            {(item.custody ?? []).map((e, i) => (
              <li key={i}>
                {e.at !== undefined ? new Date(e.at).toLocaleString() : ''} — {e.kind} {e.actor?.name ?? ''} {e.location?.path ?? ''}
              </li>
            ))}
          </ol>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void move.run();
            }}
          >
            <Field label={t('scan.location')} name="locationId" value={locationId} onChange={(e) => setLocationId(e.target.value)} error={move.apiError} required />
            <FormError error={move.apiError?.errors.length ? undefined : move.error} />
            <button type="submit" disabled={move.busy}>{t('scan.store')}</button>
          </form>
        </div>
      )}
    </section>
  );
}
