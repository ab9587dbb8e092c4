// Assembles the data of a test report from reporting's read models. Pure: it decides what the
// report says; rendering and signing happen elsewhere.
import type { ReportModelInput } from '@tamga/report-pdf';
import { reportingErrors } from './errors.ts';
import type { CaseView, ItemView, QuantityView, ResultView } from './read-model.ts';

export interface LabIdentity {
  code: string;
  name: { ru: string; en: string };
  address: { ru: string; en: string };
  accreditation?: string | undefined;
}

export interface AssembleInput {
  lab: LabIdentity;
  reportNumber: string;
  issuedAt: Date;
  caseView: CaseView | undefined;
  item: ItemView | undefined;
  result: ResultView;
  supersedes?: { reportNumber: string; reason: string } | undefined;
}

const DEVIATION_TEXT: Record<string, { ru: string; en: string }> = {
  broken_seal: { ru: 'нарушена целостность пломбы при поступлении', en: 'seal broken on receipt' },
  weight_mismatch: { ru: 'масса не соответствует указанной в постановлении', en: 'weight differs from the request' },
  insufficient_quantity: { ru: 'недостаточное количество для исследования', en: 'insufficient quantity for analysis' },
};

export function assembleReportModel(input: AssembleInput): ReportModelInput {
  const { caseView, item, result } = input;
  if (!caseView || !item) {
    throw reportingErrors.REPORTING_ERR_NOT_READY(
      `report for ${result.labNo} needs the ${!caseView ? 'case' : 'item'} record from intake`,
    );
  }
  if (!item.custodyHead) {
    throw reportingErrors.REPORTING_ERR_NOT_READY(`no custody record of ${item.labNo} has reached reporting yet`);
  }
  const deviations = [
    ...item.seals.filter((s) => !s.intact).map((s) => ({ ru: `Пломба № ${s.number} нарушена при поступлении`, en: `Seal No. ${s.number} was broken on receipt` })),
    ...item.deviations.map((d) => {
      const text = DEVIATION_TEXT[d.kind] ?? { ru: d.kind, en: d.kind };
      const decision = d.decision ? ` (${d.status === 'resolved' ? 'решение / decision' : 'открыто / open'}: ${d.decision})` : '';
      return { ru: text.ru + decision, en: text.en + decision };
    }),
  ];
  return {
    reportNumber: input.reportNumber,
    issuedAt: input.issuedAt.toISOString(),
    laboratory: {
      name: input.lab.name,
      address: input.lab.address,
      ...(input.lab.accreditation ? { accreditation: input.lab.accreditation } : {}),
    },
    agency: { name: caseView.agencyName, caseNumber: caseView.agencyCaseNumber },
    investigator: { name: caseView.investigator.name, ...(caseView.investigator.rank ? { position: caseView.investigator.rank } : {}) },
    receivedAt: item.receivedAt,
    analysis: { from: result.analysedFrom ?? item.receivedAt, to: result.approvedAt },
    items: [
      {
        labNo: item.labNo,
        ...(item.exhibitNo ? { exhibitNo: item.exhibitNo } : {}),
        description: item.description,
        ...(item.packaging ? { packaging: item.packaging } : {}),
        seals: item.seals,
        ...(item.condition ? { conditionOnReceipt: item.condition } : {}),
        custodyHead: {
          hash: item.custodyHead.hash,
          size: item.custodyHead.size,
          checkpoint: `log index ${item.custodyHead.logIndex}`,
        },
      },
    ],
    results: [
      {
        labNo: result.labNo,
        substance: result.substance,
        identified: result.identified,
        ...(result.legalClass ? { legalClass: result.legalClass } : {}),
        method: { sopId: result.method.sopId, version: result.method.version, techniques: result.techniques },
        ...(result.purity ? { quantity: quantity(result.purity) } : {}),
        ...(result.netWeight ? { netMass: quantity(result.netWeight) } : {}),
        // Match factors are read as whole numbers (NIST MS Search prints 0-999).
        ...(result.matchFactor !== undefined ? { matchFactor: Math.round(result.matchFactor) } : {}),
        ...(result.reverseMatchFactor !== undefined ? { reverseMatchFactor: Math.round(result.reverseMatchFactor) } : {}),
        ...(result.entropySimilarity !== undefined ? { entropySimilarity: Math.round(result.entropySimilarity) } : {}),
        ...(result.externalProvider ? { externalProvider: result.externalProvider } : {}),
        ...(result.spectrum ? { spectrum: result.spectrum } : {}),
      },
    ],
    library: result.library,
    ...(result.samplingStatement ? { samplingStatement: result.samplingStatement } : {}),
    deviations,
    conformity: result.conformity ? [result.conformity] : [],
    opinions: result.opinions,
    authorizer: {
      name: result.reviewer.name,
      role: { ru: 'Проверяющий (техническая проверка)', en: 'Technical reviewer' },
      signedAt: result.approvedAt,
    },
    ...(input.supersedes ? { supersedes: input.supersedes } : {}),
  };
}

function quantity(q: QuantityView): { value: number; unit: string; expandedUncertainty?: number; coverageFactor?: number } {
  return {
    value: q.value,
    unit: q.unit,
    ...(q.expandedUncertainty !== undefined ? { expandedUncertainty: q.expandedUncertainty } : {}),
    ...(q.coverageFactor !== undefined ? { coverageFactor: q.coverageFactor } : {}),
  };
}
