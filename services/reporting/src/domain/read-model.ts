// Reporting's own read models, built only from events (no calls to other services). Each view
// holds what the report needs to say about a case, an item and an approved result.

export interface CaseView {
  caseId: string;
  agencyId: string;
  agencyName: string;
  agencyCaseNumber: string;
  investigator: { name: string; rank?: string | undefined };
  offence: string;
  jurisdiction: string;
  request?: string | undefined;
  openedAt: string;
}

export interface SealView {
  number: string;
  intact: boolean;
}

export interface DeviationView {
  deviationId: string;
  kind: string;
  status: 'open' | 'resolved';
  decision?: string | undefined;
}

export interface ItemView {
  labNo: string;
  caseId: string;
  agencyId: string;
  description: string;
  exhibitNo?: string | undefined;
  packaging?: string | undefined;
  condition?: string | undefined;
  seals: SealView[];
  receivedAt: string;
  custodyHead?: { hash: string; size: number; logIndex: number } | undefined;
  deviations: DeviationView[];
}

export interface QuantityView {
  value: number;
  unit: string;
  expandedUncertainty?: number | undefined;
  coverageFactor?: number | undefined;
}

export interface ResultView {
  resultId: string;
  version: number;
  labNo: string;
  caseId: string;
  substance: string;
  identified: boolean;
  legalClass?: string | undefined;
  techniques: string[];
  method: { sopId: string; version: string };
  purity?: QuantityView | undefined;
  netWeight?: QuantityView | undefined;
  matchFactor?: number | undefined;
  /** Reverse match factor and entropy similarity (x 1000) of the same hit. */
  reverseMatchFactor?: number | undefined;
  entropySimilarity?: number | undefined;
  spectrum?: { query: [number, number][]; reference: [number, number][]; referenceName: string } | undefined;
  samplingStatement?: string | undefined;
  externalProvider?: string | undefined;
  opinions: string[];
  conformity?: string | undefined;
  analyst: { id: string; name: string };
  reviewer: { id: string; name: string };
  analysedFrom?: string | undefined;
  approvedAt: string;
  library: { name: string; version: string };
}

/** A custody event moves the item's head forward; an older (redelivered or reordered) one does not. */
export function advanceCustodyHead(item: ItemView, event: { hash: string; seq: number; logIndex: number }): ItemView {
  const size = event.seq + 1;
  if (item.custodyHead && item.custodyHead.size >= size) return item;
  return { ...item, custodyHead: { hash: event.hash, size, logIndex: event.logIndex } };
}

/** The latest state of each deviation, by id. */
export function recordDeviation(item: ItemView, deviation: DeviationView): ItemView {
  const others = item.deviations.filter((d) => d.deviationId !== deviation.deviationId);
  return { ...item, deviations: [...others, deviation] };
}
