// Builds reporting's read models from intake and analysis events, then issues whatever reports
// became possible. Runs inside the consumer's transaction (inbox + effect commit together).
import type { AnyEvent } from '@tamga/contracts';
import type { Transaction } from '@tamga/store';
import { advanceCustodyHead, recordDeviation, type ItemView, type ResultView } from '../domain/read-model.ts';
import { issuePendingReports, strip, type IssuedReport, type IssuerDeps } from '../reports/issue-reports.ts';
import { casesCollection, itemsCollection, resultsCollection } from '../store/collections.ts';

export async function handleEvent(event: AnyEvent, tx: Transaction, deps: IssuerDeps): Promise<IssuedReport[]> {
  switch (event.type) {
    case 'intake.case.opened': {
      const d = event.data;
      const cases = tx.collection(casesCollection);
      const view = {
        caseId: d.caseId,
        agencyId: d.agencyId,
        agencyName: d.agencyName ?? d.agencyId,
        agencyCaseNumber: d.agencyCaseNumber,
        investigator: { name: d.investigator?.name ?? '—', ...(d.investigator?.rank ? { rank: d.investigator.rank } : {}) },
        offence: d.offence,
        jurisdiction: d.jurisdiction,
        ...(d.request ? { request: d.request } : {}),
        openedAt: d.openedAt,
      };
      const existing = await cases.get(d.caseId);
      if (existing) await cases.update(existing._id, existing._v, view);
      else await cases.insert({ _id: d.caseId, ...view });
      // Items of the case may be waiting for it.
      const items = await tx.collection(itemsCollection).find({ caseId: d.caseId });
      const issued: IssuedReport[] = [];
      for (const item of items) issued.push(...(await issuePendingReports(tx, item.labNo, deps)));
      return issued;
    }
    case 'intake.item.received': {
      const d = event.data;
      await upsertItem(tx, d.labNo, (old) => ({
        labNo: d.labNo,
        caseId: d.caseId,
        agencyId: d.agencyId,
        description: d.description,
        exhibitNo: d.exhibitNo,
        packaging: d.packaging,
        condition: d.condition,
        seals: d.seals ?? [],
        receivedAt: d.receivedAt,
        custodyHead: old?.custodyHead,
        deviations: old?.deviations ?? [],
      }));
      return issuePendingReports(tx, d.labNo, deps);
    }
    case 'intake.custody.recorded': {
      const d = event.data;
      const changed = await updateItem(tx, d.labNo, (item) => advanceCustodyHead(item, d));
      return changed ? issuePendingReports(tx, d.labNo, deps) : [];
    }
    case 'intake.deviation.recorded': {
      const d = event.data;
      await updateItem(tx, d.labNo, (item) =>
        recordDeviation(item, { deviationId: d.deviationId, kind: d.kind, status: d.status, decision: d.decision }),
      );
      return [];
    }
    case 'analysis.result.approved': {
      const d = event.data;
      const results = tx.collection(resultsCollection);
      const id = `${d.resultId}@${d.version}`;
      if (!(await results.get(id))) {
        await results.insert({ _id: id, ...resultView(d), reported: false });
      }
      return issuePendingReports(tx, d.labNo, deps);
    }
    default:
      return [];
  }
}

type Approved = Extract<AnyEvent, { type: 'analysis.result.approved' }>['data'];

/** What reporting keeps of an approved result. */
export function resultView(d: Approved): ResultView {
  return {
    resultId: d.resultId,
    version: d.version,
    labNo: d.labNo,
    caseId: d.caseId,
    substance: d.substance,
    identified: d.identified ?? true,
    legalClass: d.legalClass,
    techniques: d.techniques ?? [],
    // A minimal producer may omit the method; the report then names it as not stated.
    method: d.method ?? { sopId: 'not stated', version: '-' },
    purity: d.purity,
    netWeight: d.netWeight,
    matchFactor: d.matchFactor,
    reverseMatchFactor: d.hit?.rmf,
    entropySimilarity: d.hit?.entropy,
    spectrum: d.spectrum,
    samplingStatement: d.samplingStatement,
    externalProvider: d.externalProvider,
    opinions: d.opinions ?? [],
    conformity: d.conformity && d.decisionRule ? `${d.conformity} (${d.decisionRule})` : d.conformity,
    analyst: d.analyst,
    reviewer: d.reviewer,
    analysedFrom: d.analysedFrom,
    approvedAt: d.signature?.signedAt ?? d.approvedAt,
    library: d.library,
  };
}

async function upsertItem(tx: Transaction, labNo: string, make: (old: ItemView | undefined) => ItemView): Promise<void> {
  const items = tx.collection(itemsCollection);
  const old = await items.get(labNo);
  if (old) await items.update(labNo, old._v, make(strip(old)));
  else await items.insert({ _id: labNo, ...make(undefined) });
}

/**
 * Applies a change to a known item. An event about an item reporting has not seen yet (streams
 * are not ordered against each other) creates a placeholder the item.received event completes.
 */
async function updateItem(tx: Transaction, labNo: string, change: (item: ItemView) => ItemView): Promise<boolean> {
  const items = tx.collection(itemsCollection);
  const old = await items.get(labNo);
  const base: ItemView = old ? strip(old) : { labNo, caseId: '', agencyId: '', description: '', seals: [], receivedAt: '', deviations: [] };
  const next = change(base);
  if (next === base && old) return false;
  if (old) await items.update(labNo, old._v, next);
  else await items.insert({ _id: labNo, ...next });
  return true;
}
