// Where every item is, lab-wide (intake's GET /v1/inventory): filters by location (and all
// below it), holder, status and case, pages by cursor. The scan field has focus, so a label
// scanned at the shelf finds its row; Enter on a row opens the item at the scan desk.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError, Select, useAction } from '../components/forms.tsx';
import { ScanField } from '../components/ScanField.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';
import type { StorageLocation } from './Intake.tsx';

const STATUSES = ['in_storage', 'with_person', 'sent_for_analysis', 'returned', 'destroyed'] as const;

interface InventoryRow {
  labNo: string;
  caseId: string;
  agencyId: string;
  exhibitNo: string;
  description: string;
  status: (typeof STATUSES)[number];
  location?: { locationId: string; path: { locationId: string; name: string }[] };
  holder?: { userId: string; name: string };
  pendingTransferTo?: { userId: string; name: string };
  lastCustody: { kind: string; time: string };
}

interface Person {
  id: string;
  name: string;
}

interface Filter {
  locationId: string;
  holder: string;
  status: string;
  caseId: string;
}

const PAGE = 50;

function queryOf(filter: Filter, cursor: string | undefined, limit = PAGE): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== '') q.set(k, v);
  if (cursor !== undefined) q.set('cursor', cursor);
  q.set('limit', String(limit));
  return q.toString();
}

export function Inventory() {
  const { t, time } = useI18n();
  const scan = useRef<HTMLInputElement>(null);
  const [code, setCode] = useState('');
  const [found, setFound] = useState<string>();
  const [locations, setLocations] = useState<StorageLocation[]>([]);
  const [people, setPeople] = useState<Person[]>([]);
  const [filter, setFilter] = useState<Filter>({ locationId: '', holder: '', status: '', caseId: '' });
  const [rows, setRows] = useState<InventoryRow[]>();
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const [next, setNext] = useState<string>();

  const load = useAction(async (at: Filter, cursor: string | undefined) => {
    const page = await api<{ items: InventoryRow[]; nextCursor?: string }>(
      `/api/intake/v1/inventory?${queryOf(at, cursor)}`,
    );
    setRows(page.items);
    setNext(page.nextCursor);
  });
  useEffect(() => {
    void load.run(filter, undefined);
    api<StorageLocation[]>('/api/intake/v1/locations')
      .then(setLocations)
      .catch(() => setLocations([]));
    api<{ people: Person[] }>('/v1/people')
      .then((r) => setPeople(r.people))
      .catch(() => setPeople([]));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  /** A scanned label: find the item whatever the filter, and show it alone. */
  const lookup = useAction(async () => {
    const item = await api<{ labNo: string; caseId: string }>(
      `/api/intake/v1/items/by-barcode/${encodeURIComponent(code.trim())}`,
    );
    const page = await api<{ items: InventoryRow[] }>(
      `/api/intake/v1/inventory?${queryOf({ locationId: '', holder: '', status: '', caseId: item.caseId }, undefined, 500)}`,
    );
    setRows(page.items.filter((r) => r.labNo === item.labNo));
    setNext(undefined);
    setPages([undefined]);
    setFound(item.labNo);
    setCode('');
    scan.current?.focus();
  });

  function apply(nextFilter: Filter) {
    setFilter(nextFilter);
    setFound(undefined);
    setPages([undefined]);
    void load.run(nextFilter, undefined);
  }
  const set = (k: keyof Filter) => (e: { target: { value: string } }) => apply({ ...filter, [k]: e.target.value });

  function where(r: InventoryRow): string {
    if (r.status === 'destroyed') return '—';
    if (r.status === 'returned' && r.holder !== undefined) return t('inventory.receivedBy', { name: r.holder.name });
    if (r.location !== undefined) return r.location.path.map((s) => s.name).join(' / ');
    if (r.holder !== undefined) return t('item.heldBy', { name: r.holder.name });
    return '—';
  }

  return (
    <section aria-labelledby="inventory-title">
      <h1 id="inventory-title">{t('inventory.title')}</h1>
      <ScanField
        ref={scan}
        label={t('inventory.scan')}
        value={code}
        onChange={setCode}
        onScan={() => void lookup.run()}
        error={lookup.error}
      />
      <form aria-label={t('inventory.filters')} onSubmit={(e) => e.preventDefault()} className="filters">
        <div className="grid">
          <Select
            label={t('inventory.location')}
            name="locationId"
            value={filter.locationId}
            onChange={set('locationId')}
            error={load.apiError}
          >
            <option value="">{t('inventory.any')}</option>
            {locations.map((l) => (
              <option key={l.locationId} value={l.locationId}>
                {l.path}
              </option>
            ))}
          </Select>
          <Select
            label={t('inventory.holder')}
            name="holder"
            value={filter.holder}
            onChange={set('holder')}
            error={load.apiError}
          >
            <option value="">{t('inventory.any')}</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
          <Select
            label={t('inventory.status')}
            name="status"
            value={filter.status}
            onChange={set('status')}
            error={load.apiError}
          >
            <option value="">{t('inventory.any')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`inventory.status.${s}` as MessageKey)}
              </option>
            ))}
          </Select>
          <Field
            label={t('inventory.case')}
            name="caseId"
            value={filter.caseId}
            onChange={(e) => setFilter({ ...filter, caseId: e.target.value })}
            onBlur={() => apply(filter)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') apply(filter);
            }}
            error={load.apiError}
          />
        </div>
      </form>
      <FormError error={load.error} fields={['locationId', 'holder', 'status', 'caseId', 'cursor']} />
      {found !== undefined && (
        <p className="ok" role="status">
          {t('inventory.found', { labNo: found })}{' '}
          <button type="button" className="secondary" onClick={() => apply(filter)}>
            {t('inventory.showAll')}
          </button>
        </p>
      )}
      <DataTable
        caption={t('inventory.caption')}
        rows={rows}
        rowKey={(r) => r.labNo}
        rowClassName={(r) => (r.labNo === found ? 'found' : undefined)}
        empty={t('inventory.none')}
        columns={[
          {
            header: t('item.labNo'),
            className: 'nowrap',
            cell: (r) => (
              <a className="mono" href={`#/scan/${encodeURIComponent(r.labNo)}`}>
                {r.labNo}
              </a>
            ),
          },
          {
            header: t('inventory.case'),
            className: 'nowrap',
            cell: (r) => <a href={`#/cases/${encodeURIComponent(r.caseId)}`}>{r.caseId}</a>,
          },
          { header: t('item.exhibitNo'), cell: (r) => `${r.exhibitNo} — ${r.description}` },
          { header: t('inventory.status'), cell: (r) => t(`inventory.status.${r.status}` as MessageKey) },
          {
            header: t('item.where'),
            cell: (r) => (
              <>
                {where(r)}
                {r.pendingTransferTo !== undefined && (
                  <small> · {t('inventory.handingTo', { name: r.pendingTransferTo.name })}</small>
                )}
              </>
            ),
          },
          {
            header: t('inventory.last'),
            cell: (r) => (
              <>
                {t(`custody.${r.lastCustody.kind}` as MessageKey)}
                <br />
                <small className="nowrap">{time(r.lastCustody.time)}</small>
              </>
            ),
          },
        ]}
      />
      <nav aria-label={t('inventory.pages')} className="actions">
        <button
          type="button"
          className="secondary"
          disabled={pages.length <= 1 || load.busy}
          onClick={() => {
            const previous = pages.slice(0, -1);
            setPages(previous);
            void load.run(filter, previous[previous.length - 1]);
          }}
        >
          {t('inventory.previous')}
        </button>
        <span>{t('inventory.page', { n: pages.length })}</span>
        <button
          type="button"
          className="secondary"
          disabled={next === undefined || load.busy}
          onClick={() => {
            setPages([...pages, next]);
            void load.run(filter, next);
          }}
        >
          {t('inventory.next')}
        </button>
      </nav>
    </section>
  );
}
