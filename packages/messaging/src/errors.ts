import { errorCatalogue } from '@tamga/contracts';

export const MessagingErrors = errorCatalogue({
  MESSAGING_ERR_UNAVAILABLE: [503, 'The message broker is not reachable'],
  MESSAGING_ERR_NATS_AUTH: [503, 'NATS refused the credentials of this service'],
  MESSAGING_ERR_STREAM_SETUP: [503, 'A JetStream stream could not be created or updated'],
  MESSAGING_ERR_CONSUMER_SETUP: [503, 'A JetStream consumer could not be created or updated'],
  MESSAGING_ERR_PUBLISH_FAILED: [503, 'An event could not be published'],
  MESSAGING_ERR_INVALID_EVENT: [422, 'A message is not a valid event'],
  MESSAGING_ERR_HANDLER_FAILED: [500, 'An event handler failed'],
  MESSAGING_ERR_DEAD_LETTER_NOT_FOUND: [404, 'No such dead letter'],
  MESSAGING_ERR_REPLAY_FAILED: [409, 'The handler failed again on the replayed message; the dead letter is kept'],
  MESSAGING_ERR_STOPPED: [409, 'This relay or consumer has been stopped'],
});
