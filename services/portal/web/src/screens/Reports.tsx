// Reports: investigators see their agency's reports and download the signed PDFs; the QA
// manager amends or withdraws a report (with a reason), never deleting one.
import { useEffect, useState } from 'react';
import { api, apiBlob, saveBlob } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import type { Column } from '../components/DataTable.tsx';
import { ESignatureDialog } from '../components/ESignatureDialog.tsx';
import { Field, FormError, useAction } from '../components/forms.tsx';
import { Progress } from '../components/Progress.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';
import { hasRole, useSession } from '../session.tsx';
import { signedActs } from '../signed-acts.ts';

interface Report {
  reportNumber: string;
  labNos: string[];
  caseId: string;
  agencyId: string;
  status: string;
  issuedAt: string;
  resultId: string;
  supersedes: { reportNumber: string; reason: string } | null;
  supersededBy: string | null;
  withdrawal: { reason: string; at: string } | null;
}

/** What both report lists show of a report, and the signed PDF's download they offer. */
function useReportColumns() {
  const { t, time } = useI18n();
  const download = useAction(async (n: string) =>
    saveBlob(await apiBlob(`/api/reporting/v1/reports/${encodeURIComponent(n)}/pdf`), `${n}.pdf`),
  );
  const number: Column<Report> = { header: t('reports.number'), className: 'nowrap', cell: (r) => r.reportNumber };
  const items: Column<Report> = { header: t('reports.items'), className: 'nowrap', cell: (r) => r.labNos.join(', ') };
  const issued: Column<Report> = { header: t('reports.issued'), cell: (r) => time(r.issuedAt) };
  /** The download button, named with the report number for a screen reader. */
  const downloadButton = (r: Report) => (
    <button
      type="button"
      onClick={() => void download.run(r.reportNumber)}
      aria-label={`${t('reports.download')} ${r.reportNumber}`}
    >
      {t('reports.download')}
    </button>
  );
  return { download, number, items, issued, downloadButton };
}

export function Reports() {
  const { t } = useI18n();
  const { user } = useSession();
  const [reports, setReports] = useState<Report[]>();
  const [reason, setReason] = useState('');
  const [selected, setSelected] = useState<string>();
  const [signing, setSigning] = useState<'amendments' | 'withdrawals' | 'corrections'>();
  const [corrected, setCorrected] = useState<string>();
  const load = useAction(async () =>
    setReports((await api<{ reports: Report[] }>('/api/reporting/v1/reports')).reports),
  );
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const columns = useReportColumns();
  const change = useAction(async (kind: 'amendments' | 'withdrawals' | 'corrections', eSignature: string) => {
    if (selected === undefined) return;
    setCorrected(undefined);
    if (kind === 'corrections') {
      // The result behind the report goes back to its analyst; approving it again issues the amendment.
      const resultId = reports?.find((r) => r.reportNumber === selected)?.resultId ?? '';
      await api(`/api/analysis/v1/results/${encodeURIComponent(resultId)}/corrections`, {
        body: { reason, eSignature },
      });
      setCorrected(selected);
    } else {
      await api(`/api/reporting/v1/reports/${encodeURIComponent(selected)}/${kind}`, { body: { reason, eSignature } });
    }
    setReason('');
    setSelected(undefined);
    await load.run();
  });
  const qa = hasRole(user, 'qa_manager');
  const corrector = hasRole(user, 'qa_manager', 'analyst');
  const resultOf = (n: string) => reports?.find((r) => r.reportNumber === n)?.resultId ?? '';
  function actOf(kind: 'amendments' | 'withdrawals' | 'corrections', n: string) {
    if (kind === 'amendments') return signedActs.amendReport(n);
    if (kind === 'withdrawals') return signedActs.withdrawReport(n);
    return signedActs.correct(resultOf(n));
  }
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">{t('reports.title')}</h1>
      <DataTable
        error={load.error ?? columns.download.error}
        caption={t('reports.caption')}
        rows={reports}
        rowKey={(r) => r.reportNumber}
        empty={t('reports.none')}
        columns={[
          columns.number,
          columns.items,
          { header: t('reports.agency'), className: 'nowrap', cell: (r) => r.agencyId },
          {
            header: t('reports.status'),
            cell: (r) => (
              <>
                {t(`reports.state.${r.status}` as MessageKey)}
                {r.supersedes !== null && (
                  <small>
                    {' '}
                    · {t('reports.supersedes', { report: r.supersedes.reportNumber, reason: r.supersedes.reason })}
                  </small>
                )}
                {r.supersededBy !== null && <small> · {t('reports.supersededBy', { report: r.supersededBy })}</small>}
                {r.withdrawal !== null && <small> · {r.withdrawal.reason}</small>}
              </>
            ),
          },
          columns.issued,
          {
            header: t('users.actions'),
            cell: (r) => (
              <div className="row-actions">
                {columns.downloadButton(r)}
                {corrector && r.status === 'current' && (
                  <button type="button" className="secondary" onClick={() => setSelected(r.reportNumber)}>
                    {t('reports.change')}
                  </button>
                )}
              </div>
            ),
          },
        ]}
      />
      {corrected !== undefined && (
        <p className="ok" role="status">
          {t('reports.corrected', { report: corrected })}
        </p>
      )}
      {corrector && selected !== undefined && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setSigning(qa ? 'amendments' : 'corrections');
          }}
          aria-labelledby="change-title"
        >
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
            {qa && (
              <button type="submit" disabled={change.busy}>
                {t('reports.amend')}
              </button>
            )}
            <button
              type={qa ? 'button' : 'submit'}
              className="secondary"
              onClick={(e) => {
                if (!qa) return;
                e.preventDefault();
                if (e.currentTarget.form?.reportValidity() !== false) setSigning('corrections');
              }}
              disabled={change.busy}
            >
              {t('reports.correct')}
            </button>
            {qa && (
              <button
                type="button"
                className="danger"
                onClick={(e) => {
                  // The reason is required for a withdrawal too: let the browser say so first.
                  if (e.currentTarget.form?.reportValidity() !== false) setSigning('withdrawals');
                }}
                disabled={change.busy}
              >
                {t('reports.withdraw')}
              </button>
            )}
            <button type="button" className="secondary" onClick={() => setSelected(undefined)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {signing !== undefined && selected !== undefined && (
        <ESignatureDialog
          {...actOf(signing, selected)}
          onCancel={() => setSigning(undefined)}
          onSigned={async (token) => {
            const kind = signing;
            setSigning(undefined);
            await change.run(kind, token);
          }}
        />
      )}
    </section>
  );
}

/** The reports of one case with their status and the signed PDF (the case page; investigators see their agency's). */
export function CaseReports({ caseId }: { caseId: string }) {
  const { t } = useI18n();
  const [reports, setReports] = useState<Report[]>();
  const load = useAction(async () =>
    setReports(
      (await api<{ reports: Report[] }>(`/api/reporting/v1/reports?caseId=${encodeURIComponent(caseId)}`)).reports,
    ),
  );
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [caseId]);
  const columns = useReportColumns();
  return (
    <section aria-labelledby="case-reports-title">
      <h2 id="case-reports-title">{t('case.reports')}</h2>
      <DataTable
        error={load.error ?? columns.download.error}
        caption={t('case.reportsCaption', { caseId })}
        rows={reports}
        rowKey={(r) => r.reportNumber}
        empty={t('case.noReports')}
        columns={[
          columns.number,
          columns.items,
          { header: t('reports.status'), cell: (r) => t(`reports.state.${r.status}` as MessageKey) },
          columns.issued,
          { header: t('users.actions'), cell: columns.downloadButton },
        ]}
      />
    </section>
  );
}
