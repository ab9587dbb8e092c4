import { errorCatalogue } from '@tamga/contracts';

/** Failures of the test infrastructure itself: something a test needs could not be started. */
export const TestkitErrors = errorCatalogue({
  TESTKIT_ERR_NO_NATS: [503, 'No NATS server could be started'],
  TESTKIT_ERR_PROCESS_START: [503, 'A process did not become ready'],
  TESTKIT_ERR_UNSUPPORTED: [400, 'This NATS server cannot do that'],
});
