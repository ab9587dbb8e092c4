// Technician screens, on intake's routes under /api/intake/v1: cases (register an agency, open a
// case), a case (receive items with seals under an e-signature, print labels, ask for analysis,
// see where each item is), the scan desk (a focused field a barcode scanner types into: look
// the item up, see its custody, record a signed move) and storage locations.
// Investigators see their own agency's cases, read-only.
import { useEffect, useRef, useState } from 'react';
import { api, apiBlob, saveBlob, upload } from '../api.ts';
import { ESignatureDialog } from '../components/ESignatureDialog.tsx';
import { ScanField } from '../components/ScanField.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Area, Field, FormError, Select, useAction } from '../components/forms.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';
import { hasRole, useSession } from '../session.tsx';
import { signedActs } from '../signed-acts.ts';
import { ItemActs, PhotoPicker, Photos } from './ItemActs.tsx';
import type { PhotoRef } from './ItemActs.tsx';
import { CaseReports } from './Reports.tsx';

interface CaseRecord {
  caseId: string;
  agencyId: string;
  agencyCaseNumber: string;
  offence: string;
  openedAt: string;
  itemCount: number;
}
type Custodian =
  { kind: 'person'; userId: string; name: string } | { kind: 'location'; locationId: string; path: string };
export interface Item {
  labNo: string;
  caseId: string;
  exhibitNo: string;
  description: string;
  status: 'in_lab' | 'returned' | 'destroyed';
  custodian: Custodian;
  seals: { number: string; status: string }[];
  grossWeight: { grams: number };
  analysisRequests: string[];
  pendingTransfer?: {
    transferId: string;
    from: { userId: string; name: string };
    to: { userId: string; name: string };
    purpose: string;
  };
  pendingDestruction?: { proposedBy: { userId: string; name: string }; authority: string; method: string };
  parent?: { labNo: string; portionGrams: number };
}
export interface StorageLocation {
  locationId: string;
  kind: string;
  name: string;
  path: string;
}
interface CustodyEvent {
  seq: number;
  kind: string;
  time: string;
  actor: { name: string };
  location?: { path: string };
  purpose?: string;
  releasedBy?: { name: string };
  details: Record<string, string>;
}

const ITEM_FIELDS = [
  'exhibitNo',
  'description',
  'packaging',
  'seals',
  'grossWeight.grams',
  'grossWeight.balanceId',
  'condition',
  'deliveredBy.name',
  'eSignature',
];
const CASE_FIELDS = [
  'agencyId',
  'agencyCaseNumber',
  'investigator.name',
  'investigator.contact',
  'offence',
  'jurisdiction',
  'seizureDate',
  'request',
];

export function useWhere(): (c: Custodian) => string {
  const { t } = useI18n();
  return (c) => (c.kind === 'location' ? c.path : t('item.heldBy', { name: c.name }));
}

export function Cases() {
  const { t } = useI18n();
  const { user } = useSession();
  const technician = hasRole(user, 'technician', 'admin');
  const [cases, setCases] = useState<CaseRecord[]>();
  const load = useAction(async () => setCases((await api<{ cases: CaseRecord[] }>('/api/intake/v1/cases')).cases));
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const today = new Date().toISOString().slice(0, 10);
  const [f, setF] = useState({
    agencyId: '',
    agencyCaseNumber: '',
    investigatorName: '',
    investigatorContact: '',
    offence: '',
    jurisdiction: '',
    seizureDate: today,
    request: '',
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
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
  return (
    <section aria-labelledby="cases-title">
      <h1 id="cases-title">{t('cases.title')}</h1>
      <DataTable
        error={load.error}
        caption={t('cases.caption')}
        rows={cases}
        rowKey={(c) => c.caseId}
        empty={t('cases.none')}
        columns={[
          {
            header: t('cases.number'),
            cell: (c) => (
              <a className="mono" href={`#/cases/${encodeURIComponent(c.caseId)}`}>
                {c.caseId}
              </a>
            ),
          },
          { header: t('cases.agencyCaseNumber'), cell: (c) => c.agencyCaseNumber },
          { header: t('cases.agency'), cell: (c) => c.agencyId },
          { header: t('cases.offence'), cell: (c) => c.offence },
          { header: t('cases.itemCount'), cell: (c) => c.itemCount },
        ]}
      />
      {technician && (
        <>
          <form
            aria-labelledby="open-case-title"
            onSubmit={(e) => {
              e.preventDefault();
              void open.run();
            }}
          >
            <h2 id="open-case-title">{t('cases.open')}</h2>
            <div className="grid">
              <Field
                label={t('cases.agency')}
                name="agencyId"
                value={f.agencyId}
                onChange={set('agencyId')}
                error={open.apiError}
                required
              />
              <Field
                label={t('cases.agencyCaseNumber')}
                name="agencyCaseNumber"
                value={f.agencyCaseNumber}
                onChange={set('agencyCaseNumber')}
                error={open.apiError}
                required
              />
              <Field
                label={t('cases.investigator')}
                name="investigator.name"
                value={f.investigatorName}
                onChange={set('investigatorName')}
                error={open.apiError}
                required
              />
              <Field
                label={t('cases.contact')}
                name="investigator.contact"
                value={f.investigatorContact}
                onChange={set('investigatorContact')}
                error={open.apiError}
                required
              />
              <Field
                label={t('cases.offence')}
                name="offence"
                value={f.offence}
                onChange={set('offence')}
                error={open.apiError}
                required
              />
              <Field
                label={t('cases.jurisdiction')}
                name="jurisdiction"
                value={f.jurisdiction}
                onChange={set('jurisdiction')}
                error={open.apiError}
                required
              />
              <Field
                label={t('cases.seizureDate')}
                name="seizureDate"
                type="date"
                value={f.seizureDate}
                onChange={set('seizureDate')}
                error={open.apiError}
                required
              />
            </div>
            <Area
              label={t('cases.request')}
              name="request"
              value={f.request}
              onChange={set('request')}
              error={open.apiError}
              required
            />
            <FormError error={open.error} fields={CASE_FIELDS} />
            <button type="submit" disabled={open.busy}>
              {t('cases.openSubmit')}
            </button>
          </form>
          <AgencyForm />
        </>
      )}
    </section>
  );
}

/** Registers a submitting agency with intake (cases name an agency intake knows). */
function AgencyForm() {
  const { t } = useI18n();
  const [f, setF] = useState({ agencyId: '', name: '', kind: 'police' });
  const [done, setDone] = useState<string>();
  const create = useAction(async () => {
    await api('/api/intake/v1/agencies', { body: f });
    setDone(f.agencyId);
    setF({ agencyId: '', name: '', kind: 'police' });
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  return (
    <form
      aria-labelledby="agency-title"
      onSubmit={(e) => {
        e.preventDefault();
        void create.run();
      }}
    >
      <h2 id="agency-title">{t('agency.title')}</h2>
      <div className="grid">
        <Field
          label={t('agency.id')}
          name="agencyId"
          value={f.agencyId}
          onChange={set('agencyId')}
          error={create.apiError}
          required
        />
        <Field
          label={t('agency.name')}
          name="name"
          value={f.name}
          onChange={set('name')}
          error={create.apiError}
          required
        />
        <Select label={t('agency.kind')} name="kind" value={f.kind} onChange={set('kind')} error={create.apiError}>
          {['police', 'customs', 'drug_control', 'prosecutor', 'court', 'other'].map((k) => (
            <option key={k} value={k}>
              {t(`agency.kind.${k}` as MessageKey)}
            </option>
          ))}
        </Select>
      </div>
      <FormError error={create.error} fields={['agencyId', 'name', 'kind']} />
      {done !== undefined && (
        <p className="ok" role="status">
          {t('agency.created', { id: done })}
        </p>
      )}
      <button type="submit" disabled={create.busy}>
        {t('agency.submit')}
      </button>
    </form>
  );
}

interface CaseView extends CaseRecord {
  items: Item[];
  investigator: { name: string };
  jurisdiction: string;
}

export function CaseDetail({ caseId }: { caseId: string }) {
  const { t } = useI18n();
  const { user } = useSession();
  const where = useWhere();
  const technician = hasRole(user, 'technician', 'admin');
  const [view, setView] = useState<CaseView>();
  const [signing, setSigning] = useState(false);
  const [printed, setPrinted] = useState<string>();
  const [requested, setRequested] = useState<string>();
  /** The item whose release to analysis is being e-signed. */
  const [sending, setSending] = useState<string>();
  const load = useAction(async () =>
    setView(await api<CaseView>(`/api/intake/v1/cases/${encodeURIComponent(caseId)}`)),
  );
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [caseId]);
  const blank = {
    exhibitNo: '',
    description: '',
    packaging: '',
    seals: '',
    sealsIntact: 'true',
    grams: '',
    balanceId: '',
    condition: '',
    deliveredBy: '',
  };
  const [f, setF] = useState(blank);
  const [received, setReceived] = useState<string>();
  const [receiptPhotos, setReceiptPhotos] = useState<File[]>([]);
  const [photoCount, setPhotoCount] = useState<number>();
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const receive = useAction(async (eSignature: string) => {
    // Photos taken at receipt go up first (the item has no lab number yet); the receipt cites their
    // hashes, so they are part of its custody record.
    const photos: PhotoRef[] = [];
    for (const file of receiptPhotos) {
      const stored = await upload<PhotoRef>(
        `/api/intake/v1/cases/${encodeURIComponent(caseId)}/photos?caption=${encodeURIComponent(t('photos.onReceipt'))}`,
        file,
        () => undefined,
      );
      photos.push({ sha256: stored.sha256, size: stored.size, contentType: stored.contentType });
    }
    const item = await api<Item>(`/api/intake/v1/cases/${encodeURIComponent(caseId)}/items`, {
      body: {
        photos,
        exhibitNo: f.exhibitNo,
        description: f.description,
        packaging: f.packaging,
        seals: f.seals
          .split(/[,\s]+/)
          .filter(Boolean)
          .map((number) => ({ number, intact: f.sealsIntact === 'true' })),
        grossWeight: { grams: Number(f.grams), balanceId: f.balanceId },
        condition: f.condition,
        deliveredBy: { name: f.deliveredBy },
        eSignature,
      },
    });
    setReceived(item.labNo);
    setPhotoCount(photos.length > 0 ? photos.length : undefined);
    setReceiptPhotos([]);
    setF(blank);
    await load.run();
  });
  const label = useAction(async (labNo: string) => {
    saveBlob(await apiBlob(`/api/intake/v1/items/${encodeURIComponent(labNo)}/label.pdf`), `${labNo}-label.pdf`);
    setPrinted(labNo);
  });
  const request = useAction(async (labNo: string, eSignature: string) => {
    await api(`/api/intake/v1/items/${encodeURIComponent(labNo)}/analysis-requests`, {
      body: { determinations: ['identification'], priority: 'routine', eSignature },
    });
    setRequested(labNo);
    await load.run();
  });
  const act = signedActs.receive(caseId, f.exhibitNo);
  return (
    <section aria-labelledby="case-title">
      <p>
        <a href="#/cases">← {t('cases.title')}</a>
      </p>
      <h1 id="case-title">{t('case.title', { caseId })}</h1>
      {view !== undefined && (
        <dl>
          <dt>{t('cases.agency')}</dt>
          <dd>{view.agencyId}</dd>
          <dt>{t('cases.agencyCaseNumber')}</dt>
          <dd>{view.agencyCaseNumber}</dd>
          <dt>{t('cases.investigator')}</dt>
          <dd>{view.investigator.name}</dd>
          <dt>{t('cases.offence')}</dt>
          <dd>{view.offence}</dd>
        </dl>
      )}
      <FormError error={load.error ?? label.error ?? request.error} />
      {printed !== undefined && (
        <p className="ok" role="status">
          {t('item.labelPrinted', { labNo: printed })}
        </p>
      )}
      {requested !== undefined && (
        <p className="ok" role="status">
          {t('item.analysisRequested', { labNo: requested })}
        </p>
      )}
      <DataTable
        caption={t('case.items')}
        rows={view?.items}
        rowKey={(i) => i.labNo}
        empty={t('case.noItems')}
        columns={[
          { header: t('item.labNo'), className: 'mono nowrap', cell: (i) => i.labNo },
          { header: t('item.exhibitNo'), cell: (i) => i.exhibitNo },
          { header: t('item.description'), cell: (i) => i.description },
          {
            header: t('item.seals'),
            cell: (i) => i.seals.map((s) => `${s.number} (${t(`seal.${s.status}` as MessageKey)})`).join(', ') || '—',
          },
          {
            header: t('item.where'),
            cell: (i) =>
              `${i.status === 'in_lab' ? where(i.custodian) : t(`item.status.${i.status}` as MessageKey)}${
                i.analysisRequests.length > 0 ? ` · ${t('item.sentForAnalysis')}` : ''
              }`,
          },
          {
            header: t('users.actions'),
            cell: (i) => (
              <div className="row-actions">
                <button
                  type="button"
                  onClick={() => void label.run(i.labNo)}
                  aria-label={`${t('item.printLabel')} ${i.labNo}`}
                >
                  {t('item.printLabel')}
                </button>
                {technician && i.status === 'in_lab' && i.analysisRequests.length === 0 && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => setSending(i.labNo)}
                    disabled={request.busy}
                    aria-label={`${t('item.requestAnalysis')} ${i.labNo}`}
                  >
                    {t('item.requestAnalysis')}
                  </button>
                )}
              </div>
            ),
          },
        ]}
      />
      <CaseReports caseId={caseId} />
      {technician && (
        <form
          aria-labelledby="receive-title"
          onSubmit={(e) => {
            e.preventDefault();
            setSigning(true);
          }}
        >
          <h2 id="receive-title">{t('item.receive')}</h2>
          <div className="grid">
            <Field
              label={t('item.exhibitNo')}
              name="exhibitNo"
              value={f.exhibitNo}
              onChange={set('exhibitNo')}
              error={receive.apiError}
              required
            />
            <Field
              label={t('item.packaging')}
              name="packaging"
              value={f.packaging}
              onChange={set('packaging')}
              error={receive.apiError}
              required
            />
            <Field
              label={t('item.seals')}
              name="seals"
              hint={t('item.sealsHint')}
              value={f.seals}
              onChange={set('seals')}
              error={receive.apiError}
            />
            <Select
              label={t('item.sealsIntact')}
              name="sealsIntact"
              value={f.sealsIntact}
              onChange={set('sealsIntact')}
            >
              <option value="true">{t('item.intact')}</option>
              <option value="false">{t('item.broken')}</option>
            </Select>
            <Field
              label={t('item.grossGrams')}
              name="grossWeight.grams"
              type="number"
              step="0.0001"
              min="0"
              value={f.grams}
              onChange={set('grams')}
              error={receive.apiError}
              required
            />
            <Field
              label={t('item.balance')}
              name="grossWeight.balanceId"
              value={f.balanceId}
              onChange={set('balanceId')}
              error={receive.apiError}
              required
            />
            <Field
              label={t('item.deliveredBy')}
              name="deliveredBy.name"
              value={f.deliveredBy}
              onChange={set('deliveredBy')}
              error={receive.apiError}
              required
            />
          </div>
          <Area
            label={t('item.description')}
            name="description"
            value={f.description}
            onChange={set('description')}
            error={receive.apiError}
            required
          />
          <Area
            label={t('item.condition')}
            name="condition"
            value={f.condition}
            onChange={set('condition')}
            error={receive.apiError}
            required
          />
          <PhotoPicker
            key={received ?? 'new'}
            label={t('photos.atReceipt')}
            onChange={setReceiptPhotos}
            error={receive.apiError}
          />
          <FormError error={receive.error} fields={ITEM_FIELDS.filter((n) => n !== 'eSignature')} />
          {received !== undefined && (
            <p className="ok" role="status">
              {t('item.received', { labNo: received })}
              {photoCount !== undefined && ` ${t('photos.added', { count: photoCount })}`}
            </p>
          )}
          <button type="submit" disabled={receive.busy}>
            {t('item.receiveSubmit')}
          </button>
        </form>
      )}
      {signing && (
        <ESignatureDialog
          meaning={act.meaning}
          purpose={act.purpose}
          onCancel={() => setSigning(false)}
          onSigned={async (token) => {
            setSigning(false);
            await receive.run(token);
          }}
        />
      )}
      {sending !== undefined && (
        <ESignatureDialog
          {...signedActs.sendForAnalysis(sending)}
          onCancel={() => setSending(undefined)}
          onSigned={async (token) => {
            setSending(undefined);
            await request.run(sending, token);
          }}
        />
      )}
    </section>
  );
}

type ScanAct = 'store' | 'retrieve' | 'offer' | 'accept' | 'decline';
interface Person {
  id: string;
  name: string;
  roles: string[];
}

function actOf(item: Item, act: ScanAct, receiver: string): { meaning: string; purpose: string } {
  const transferId = item.pendingTransfer?.transferId ?? '';
  switch (act) {
    case 'store':
    case 'retrieve':
      return signedActs.move(item.labNo, act);
    case 'offer':
      return signedActs.offerTransfer(item.labNo, receiver);
    case 'accept':
      return signedActs.acceptTransfer(item.labNo, transferId);
    case 'decline':
      return signedActs.declineTransfer(item.labNo, transferId);
  }
}

export function Scan({ labNo: opened }: { labNo?: string | undefined } = {}) {
  const { t, time } = useI18n();
  const where = useWhere();
  const input = useRef<HTMLInputElement>(null);
  const [code, setCode] = useState('');
  const [item, setItem] = useState<Item>();
  const [events, setEvents] = useState<CustodyEvent[]>([]);
  const [chainOk, setChainOk] = useState<boolean>();
  const [locations, setLocations] = useState<StorageLocation[]>([]);
  const [locationId, setLocationId] = useState('');
  const [purpose, setPurpose] = useState('');
  const [signing, setSigning] = useState<ScanAct>();
  const [moved, setMoved] = useState<string>();
  const { user } = useSession();
  const [people, setPeople] = useState<Person[]>([]);
  const [receiver, setReceiver] = useState('');
  const [handoverPurpose, setHandoverPurpose] = useState('');
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (opened !== undefined) show(opened).catch(() => setItem(undefined));
    api<{ people: Person[] }>('/v1/people')
      .then((r) => setPeople(r.people))
      .catch(() => setPeople([]));
    api<StorageLocation[]>('/api/intake/v1/locations')
      .then((all) => setLocations(all.filter((l) => l.kind === 'cabinet' || l.kind === 'shelf' || l.kind === 'bin')))
      .catch(() => setLocations([]));
  }, []);
  async function show(labNo: string) {
    const [found, custody] = await Promise.all([
      api<Item>(`/api/intake/v1/items/${encodeURIComponent(labNo)}`),
      api<{ bundle: { events: CustodyEvent[] }; verification: { ok: boolean } }>(
        `/api/intake/v1/items/${encodeURIComponent(labNo)}/custody`,
      ),
    ]);
    setItem(found);
    setEvents(custody.bundle.events);
    setChainOk(custody.verification.ok);
    setVersion((v) => v + 1);
  }
  const lookup = useAction(async () => {
    setItem(undefined);
    setMoved(undefined);
    // Whatever the scanner sends (a label's Code 128 or Data Matrix text), intake reads the lab number from it.
    const found = await api<Item>(`/api/intake/v1/items/by-barcode/${encodeURIComponent(code.trim())}`);
    await show(found.labNo);
  });
  const move = useAction(async (act: ScanAct, eSignature: string) => {
    if (item === undefined) return;
    const path = `/api/intake/v1/items/${encodeURIComponent(item.labNo)}`;
    const transferId = item.pendingTransfer?.transferId ?? '';
    if (act === 'store') await api(`${path}/custody`, { body: { kind: act, locationId, eSignature } });
    else if (act === 'retrieve') await api(`${path}/custody`, { body: { kind: act, purpose, eSignature } });
    else if (act === 'offer') {
      const to = people.find((p) => p.id === receiver);
      await api(`${path}/transfers`, {
        body: { to: { userId: receiver, name: to?.name ?? receiver }, purpose: handoverPurpose, eSignature },
      });
    } else await api(`${path}/transfers/${encodeURIComponent(transferId)}/${act}`, { body: { eSignature } });
    setMoved(t('scan.moved', { labNo: item.labNo }));
    await show(item.labNo);
    setCode('');
    input.current?.focus();
  });
  const inStorage = item?.custodian.kind === 'location';
  const mine = item?.custodian.kind === 'person' && item.custodian.userId === user?.id;
  const pending = item?.pendingTransfer;
  const forMe = pending !== undefined && pending.to.userId === user?.id;
  return (
    <section aria-labelledby="scan-title">
      <h1 id="scan-title">{t('scan.title')}</h1>
      <ScanField
        ref={input}
        label={t('scan.labNo')}
        value={code}
        onChange={setCode}
        onScan={() => void lookup.run()}
        error={lookup.error}
      />
      {item !== undefined && (
        <div className="card">
          <h2 className="mono">{item.labNo}</h2>
          <p>
            {item.exhibitNo} — {item.description}
          </p>
          <p>
            <strong>{t('item.where')}:</strong>{' '}
            {item.status === 'in_lab' ? where(item.custodian) : t(`item.status.${item.status}` as MessageKey)}
          </p>
          <p className={chainOk === true ? 'ok' : 'form-error'}>
            {chainOk === true ? t('scan.chainOk') : t('scan.chainBad')}
          </p>
          <DataTable
            caption={t('scan.custody')}
            rows={events}
            rowKey={(e) => e.seq}
            columns={[
              { header: '#', cell: (e) => e.seq + 1 },
              { header: t('scan.when'), cell: (e) => time(e.time) },
              { header: t('scan.event'), cell: (e) => t(`custody.${e.kind}` as MessageKey) },
              { header: t('scan.who'), cell: (e) => e.actor.name },
              {
                header: t('scan.details'),
                cell: (e) =>
                  e.location?.path ??
                  (e.purpose !== undefined
                    ? t('scan.purposeOf', { purpose: e.purpose })
                    : e.releasedBy !== undefined
                      ? t('scan.from', { name: e.releasedBy.name })
                      : ''),
              },
              { header: t('scan.signed'), cell: (e) => (e.details.eSignatureId !== undefined ? '✓' : '') },
            ]}
          />
          {moved !== undefined && (
            <p className="ok" role="status">
              {moved}
            </p>
          )}
          <Photos labNo={item.labNo} version={version} canAdd={item.status === 'in_lab'} />
          {item.status === 'in_lab' && ((mine && pending === undefined) || item.pendingDestruction !== undefined) && (
            <ItemActs
              key={item.labNo}
              item={item}
              onDone={async (message) => {
                await show(item.labNo);
                setMoved(message);
              }}
            />
          )}
          {pending !== undefined && (
            <div className="notice" role="status">
              <p>{t('scan.pending', { from: pending.from.name, to: pending.to.name, purpose: pending.purpose })}</p>
              {forMe && (
                <div className="actions">
                  <button type="button" onClick={() => setSigning('accept')} disabled={move.busy}>
                    {t('scan.accept')}
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => setSigning('decline')}
                    disabled={move.busy}
                  >
                    {t('scan.decline')}
                  </button>
                </div>
              )}
            </div>
          )}
          {item.status === 'in_lab' && mine && pending === undefined && item.pendingDestruction === undefined && (
            <form
              aria-labelledby="handover-title"
              onSubmit={(e) => {
                e.preventDefault();
                setSigning('offer');
              }}
            >
              <h3 id="handover-title">{t('scan.handoverTitle')}</h3>
              <div className="grid">
                <Select
                  label={t('scan.receiver')}
                  name="to.userId"
                  value={receiver}
                  onChange={(e) => setReceiver(e.target.value)}
                  error={move.apiError}
                  required
                >
                  <option value="">—</option>
                  {people
                    .filter((p) => p.id !== user?.id)
                    .map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name} ({p.roles.map((r) => t(`role.${r}` as MessageKey)).join(', ')})
                      </option>
                    ))}
                </Select>
                <Field
                  label={t('scan.purpose')}
                  name="purpose"
                  value={handoverPurpose}
                  onChange={(e) => setHandoverPurpose(e.target.value)}
                  error={move.apiError}
                  required
                />
              </div>
              <button type="submit" disabled={move.busy}>
                {t('scan.handover')}
              </button>
            </form>
          )}
          {item.status === 'in_lab' && mine && pending === undefined && item.pendingDestruction === undefined && (
            <form
              aria-labelledby="store-title"
              onSubmit={(e) => {
                e.preventDefault();
                setSigning('store');
              }}
            >
              <h3 id="store-title">{t('scan.storeTitle')}</h3>
              <Select
                label={t('scan.location')}
                name="locationId"
                value={locationId}
                onChange={(e) => setLocationId(e.target.value)}
                error={move.apiError}
                required
              >
                <option value="">—</option>
                {locations.map((l) => (
                  <option key={l.locationId} value={l.locationId}>
                    {l.path}
                  </option>
                ))}
              </Select>
              <FormError error={move.error} fields={['locationId']} />
              <button type="submit" disabled={move.busy}>
                {t('scan.store')}
              </button>
            </form>
          )}
          {item.status === 'in_lab' && inStorage && (
            <form
              aria-labelledby="retrieve-title"
              onSubmit={(e) => {
                e.preventDefault();
                setSigning('retrieve');
              }}
            >
              <h3 id="retrieve-title">{t('scan.retrieveTitle')}</h3>
              <Field
                label={t('scan.purpose')}
                name="purpose"
                value={purpose}
                onChange={(e) => setPurpose(e.target.value)}
                error={move.apiError}
                required
              />
              <FormError error={move.error} fields={['purpose']} />
              <button type="submit" disabled={move.busy}>
                {t('scan.retrieve')}
              </button>
            </form>
          )}
        </div>
      )}
      {signing !== undefined && item !== undefined && (
        <ESignatureDialog
          {...actOf(item, signing, receiver)}
          onCancel={() => setSigning(undefined)}
          onSigned={async (token) => {
            const kind = signing;
            setSigning(undefined);
            await move.run(kind, token);
          }}
        />
      )}
    </section>
  );
}

/** Storage locations: store > room > cabinet > shelf > bin; items go into cabinets, shelves and bins. */
export function Storage() {
  const { t } = useI18n();
  const [locations, setLocations] = useState<StorageLocation[]>();
  const load = useAction(async () => setLocations(await api<StorageLocation[]>('/api/intake/v1/locations')));
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const [f, setF] = useState({ locationId: '', kind: 'store', name: '', parentId: '', roles: 'technician' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const create = useAction(async () => {
    const roles = f.roles.split(/[,\s]+/).filter(Boolean);
    await api('/api/intake/v1/locations', {
      body: {
        locationId: f.locationId,
        kind: f.kind,
        name: f.name,
        ...(f.parentId === '' ? {} : { parentId: f.parentId }),
        access: { userIds: [], roles },
      },
    });
    setF({ ...f, locationId: '', name: '' });
    await load.run();
  });
  return (
    <section aria-labelledby="storage-title">
      <h1 id="storage-title">{t('storage.title')}</h1>
      <DataTable
        error={load.error}
        caption={t('storage.caption')}
        rows={locations}
        rowKey={(l) => l.locationId}
        empty={t('storage.none')}
        columns={[
          { header: t('storage.path'), cell: (l) => l.path },
          { header: t('storage.kind'), cell: (l) => t(`storage.kind.${l.kind}` as MessageKey) },
          { header: t('storage.id'), className: 'mono', cell: (l) => l.locationId },
        ]}
      />
      <form
        aria-labelledby="location-title"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <h2 id="location-title">{t('storage.new')}</h2>
        <div className="grid">
          <Field
            label={t('storage.id')}
            name="locationId"
            value={f.locationId}
            onChange={set('locationId')}
            error={create.apiError}
            required
          />
          <Select label={t('storage.kind')} name="kind" value={f.kind} onChange={set('kind')} error={create.apiError}>
            {['store', 'room', 'cabinet', 'shelf', 'bin'].map((k) => (
              <option key={k} value={k}>
                {t(`storage.kind.${k}` as MessageKey)}
              </option>
            ))}
          </Select>
          <Field
            label={t('storage.name')}
            name="name"
            value={f.name}
            onChange={set('name')}
            error={create.apiError}
            required
          />
          <Select
            label={t('storage.parent')}
            name="parentId"
            value={f.parentId}
            onChange={set('parentId')}
            error={create.apiError}
          >
            <option value="">—</option>
            {(locations ?? []).map((l) => (
              <option key={l.locationId} value={l.locationId}>
                {l.path}
              </option>
            ))}
          </Select>
        </div>
        <Field
          label={t('storage.roles')}
          name="access.roles"
          hint={t('storage.rolesHint')}
          value={f.roles}
          onChange={set('roles')}
          error={create.apiError}
        />
        <FormError error={create.error} fields={['locationId', 'kind', 'name', 'parentId', 'roles']} />
        <button type="submit" disabled={create.busy}>
          {t('storage.create')}
        </button>
      </form>
    </section>
  );
}
