// The mirror plot of an uploaded spectrum (up) against a library hit (down). The drawing itself
// is report-pdf's, so the UI and the signed report show the same picture.
import { mirrorPlotSvg } from '@tamga/report-pdf';

export interface MirrorPlotInput {
  query: readonly (readonly [number, number])[];
  reference: readonly (readonly [number, number])[];
  queryName: string;
  referenceName: string;
  /** e.g. "MF 912, RMF 930 - MassBank EI 2025.05.1" */
  caption?: string | undefined;
}

export function renderMirrorPlot(input: MirrorPlotInput, box = { width: 640, height: 300 }): string {
  const q = input.query.map(([mz, i]) => [mz, i] as [number, number]);
  const r = input.reference.map(([mz, i]) => [mz, i] as [number, number]);
  const reference = input.caption === undefined ? input.referenceName : `${input.referenceName} (${input.caption})`;
  return mirrorPlotSvg(q, r, { query: input.queryName, reference }, box);
}
