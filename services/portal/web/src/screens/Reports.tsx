// Reports: investigators see their agency's reports and download the signed PDFs; the QA
// manager amends or withdraws a report (with a reason), never deleting one.
import { useEffect, useState } from 'react';
import { api, apiBlob, saveBlob } from '../api.ts';
import { Field, FormError, useAction } from '../components/forms.tsx';
import { Progress } from '../components/Progress.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';
import { hasRole, useSession } from '../session.tsx';

interface Report {
  reportNumber: string;
  labNos: string[];
  caseId: string;
  agencyId: string;
  status: string;
  issuedAt: string;
  supersedes: { reportNumber: string; reason: string } | null;
  supersededBy: string | null;
  withdrawal: { reason: string; at: string } | null;
}

export function Reports() {
  const { t, time } = useI18n();
  const { user } = useSession();
  const [reports, setReports] = useState<Report[]>();
  const [reason, setReason] = useState('');
  const [selected, setSelected] = useState<string>();
  const load = useAction(async () =>
    setReports((await api<{ reports: Report[] }>('/api/reporting/v1/reports')).reports),
  );
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const download = useAction(async (n: string) =>
    saveBlob(await apiBlob(`/api/reporting/v1/reports/${encodeURIComponent(n)}/pdf`), `${n}.pdf`),
  );
  const change = useAction(async (kind: 'amendments' | 'withdrawals') => {
    if (selected === undefined) return;
    await api(`/api/reporting/v1/reports/${encodeURIComponent(selected)}/${kind}`, { body: { reason } });
    setReason('');
    setSelected(undefined);
    await load.run();
  });
  const qa = hasRole(user, 'qa_manager');
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">{t('reports.title')}</h1>
      <FormError error={load.error ?? download.error} />
      {reports !== undefined && reports.length === 0 && <p>{t('reports.none')}</p>}
      {reports !== undefined && reports.length > 0 && (
        <table>
          <caption>{t('reports.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('reports.number')}</th>
              <th scope="col">{t('reports.items')}</th>
              <th scope="col">{t('reports.agency')}</th>
              <th scope="col">{t('reports.status')}</th>
              <th scope="col">{t('reports.issued')}</th>
              <th scope="col">{t('users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r.reportNumber}>
                <td className="nowrap">{r.reportNumber}</td>
                <td className="nowrap">{r.labNos.join(', ')}</td>
                <td className="nowrap">{r.agencyId}</td>
                <td>
                  {t(`reports.state.${r.status}` as MessageKey)}
                  {r.supersedes !== null && (
                    <small>
                      {' '}
                      · {t('reports.supersedes', { report: r.supersedes.reportNumber, reason: r.supersedes.reason })}
                    </small>
                  )}
                  {r.supersededBy !== null && <small> · {t('reports.supersededBy', { report: r.supersededBy })}</small>}
                  {r.withdrawal !== null && <small> · {r.withdrawal.reason}</small>}
                </td>
                <td>{time(r.issuedAt)}</td>
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      onClick={() => void download.run(r.reportNumber)}
                      aria-label={`${t('reports.download')} ${r.reportNumber}`}
                    >
                      {t('reports.download')}
                    </button>
                    {qa && r.status === 'current' && (
                      <button type="button" className="secondary" onClick={() => setSelected(r.reportNumber)}>
                        {t('reports.change')}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {qa && selected !== undefined && (
        <form onSubmit={(e) => e.preventDefault()} aria-labelledby="change-title">
          <h2 id="change-title">{t('reports.changeTitle', { report: selected })}</h2>
          <Field
            label={t('reports.reason')}
            name="reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            error={change.apiError}
            required
          />
          <FormError error={change.error} fields={['reason']} />
          {change.busy && <Progress label={t('reports.issuing')} />}
          <div className="actions">
            <button type="button" onClick={() => void change.run('amendments')} disabled={change.busy}>
              {t('reports.amend')}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => void change.run('withdrawals')}
              disabled={change.busy}
            >
              {t('reports.withdraw')}
            </button>
            <button type="button" className="secondary" onClick={() => setSelected(undefined)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
