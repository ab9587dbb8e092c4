// Expected failures of the analysis service. Codes are stable; tests assert them.
import { errorCatalogue } from '@tamga/contracts';

export const AnalysisErrors = errorCatalogue({
  ANALYSIS_ERR_SWGDRUG_RULE: [422, 'The identification does not meet the SWGDRUG minimum requirements'],
  ANALYSIS_ERR_UNKNOWN_TECHNIQUE: [422, 'Unknown analytical technique'],
  ANALYSIS_ERR_BAD_BUDGET: [422, 'The uncertainty budget is not valid'],
  ANALYSIS_ERR_BAD_SAMPLING_PLAN: [422, 'The sampling plan is not valid'],
  ANALYSIS_ERR_NO_THRESHOLDS: [422, 'No legal thresholds are configured for this jurisdiction and substance'],
  ANALYSIS_ERR_SELF_REVIEW: [403, 'The reviewer of a result is never its analyst'],
  ANALYSIS_ERR_NOT_ASSIGNED: [403, 'This work item is not assigned to you'],
  ANALYSIS_ERR_WRONG_STATUS: [409, 'The work item is not in a status that allows this'],
  ANALYSIS_ERR_FINDINGS_MISSING: [409, 'Record findings before submitting for review'],
  ANALYSIS_ERR_SIGNATURE_MISMATCH: [422, 'The e-signature does not name the signed-in reviewer'],
  ANALYSIS_ERR_SIGNATURE_REUSED: [409, 'This e-signature was already recorded for an act; sign again'],
  ANALYSIS_ERR_OPINION_NOT_AUTHORIZED: [403, 'You are not authorized to record opinions and interpretations'],
  ANALYSIS_ERR_WORK_ITEM_NOT_FOUND: [404, 'No such work item'],
  ANALYSIS_ERR_RESULT_NOT_FOUND: [404, 'No such result'],
  ANALYSIS_ERR_SPECTRUM_NOT_FOUND: [404, 'No such spectrum'],
  ANALYSIS_ERR_LIBRARY_NOT_FOUND: [404, 'No such library version'],
  ANALYSIS_ERR_LIBRARY_EXISTS: [409, 'This library version exists already; libraries are immutable'],
  ANALYSIS_ERR_NO_LIBRARY: [409, 'No reference library has been imported yet'],
  ANALYSIS_ERR_BAD_UPLOAD: [400, 'The upload is not a usable spectrum file'],
  ANALYSIS_ERR_EMPTY_SPECTRUM: [422, 'The file holds no spectrum with peaks'],
});
