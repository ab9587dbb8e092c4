// Expected failures of the demo flow, each with a stable code.
import { errorCatalogue } from '@tamga/contracts';

export const DemoErrors = errorCatalogue({
  /** A service answered something the flow did not expect; the detail carries its problem details. */
  DEMO_ERR_UNEXPECTED_RESPONSE: [502, 'A service answered with an unexpected status'],
  /** A service could not be reached at all. */
  DEMO_ERR_UNREACHABLE: [503, 'A service is not reachable; is `tamga start` running?'],
  /** Something the flow waits for (a work item, a report) did not appear in time. */
  DEMO_ERR_TIMEOUT: [504, 'Timed out waiting for the system'],
  /** The token-signing key is not in the data folder. */
  DEMO_ERR_NO_TOKEN_KEY: [400, 'No token-signing key in the data folder; start the system with `tamga start` first'],
  /** The library search gave no hit to base an identification on. */
  DEMO_ERR_NO_HIT: [422, 'The library search found no hit for the uploaded spectrum'],
});
