import { errorCatalogue } from '@tamga/contracts';

export const reportingErrors = errorCatalogue({
  REPORTING_ERR_REPORT_NOT_FOUND: [404, 'No such report'],
  REPORTING_ERR_NOT_CURRENT: [409, 'Only a current report can be amended or withdrawn'],
  REPORTING_ERR_NOT_READY: [409, 'The report cannot be assembled yet: intake or analysis data are missing'],
  REPORTING_ERR_NOT_A_REPORT: [422, 'The file is not a signed report of this laboratory'],
});
