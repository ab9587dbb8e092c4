// Expected failures of starting the system locally, each with a stable code.
import { errorCatalogue } from '@tamga/contracts';

export const SystemErrors = errorCatalogue({
  /** nats-server is not installed. */
  SYSTEM_ERR_NO_NATS_SERVER: [503, 'nats-server is not on PATH'],
  /** A process (NATS node or service) exited or did not become ready in time. */
  SYSTEM_ERR_NOT_READY: [503, 'A process of the system did not become ready'],
  /** JetStream did not accept the streams (a cluster without a leader, a full disk). */
  SYSTEM_ERR_JETSTREAM_UNAVAILABLE: [503, 'JetStream is not available'],
  /** The caller named a NATS node or service instance that does not exist. */
  SYSTEM_ERR_NO_SUCH_PROCESS: [404, 'No such process in this system'],
});
