import { parseArgs } from 'node:util';
import { startSystem } from '../system/start-system.ts';

const HELP = `tamga start [--cluster] [--data DIR] [--nats-port N] [--cluster-port N] [--base-port N] [--lab CODE]

Starts nats-server (JetStream, data under DIR/nats) and every service as its own process.
Each service connects to NATS as its own user (passwords in DIR/keys/nats-users.json).
Store: MongoDB when MONGO_URL is set, else the embedded SQLite backend under DIR (kept across restarts).

--cluster   the production shape: three NATS nodes on loopback (client ports N..N+2, routes on
            --cluster-port..+2, stores under DIR/nats-cluster), streams with three replicas, and two
            instances of intake, analysis and reporting (second instance on base port + 10) sharing
            work through the durable consumers. Use its own --data folder: its streams start empty.`;

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: process.env.TAMGA_DATA ?? '.data' },
      cluster: { type: 'boolean', default: false },
      'nats-port': { type: 'string', default: '4222' },
      'cluster-port': { type: 'string', default: '6222' },
      'base-port': { type: 'string', default: '3001' },
      lab: { type: 'string', default: process.env.LAB_CODE ?? 'LAB' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const system = await startSystem({
    dataDir: values.data,
    cluster: values.cluster,
    natsPort: Number(values['nats-port']),
    clusterPort: Number(values['cluster-port']),
    basePort: Number(values['base-port']),
    labCode: values.lab,
    ...(process.env.MONGO_URL ? { mongoUrl: process.env.MONGO_URL } : {}),
  });
  console.log('Tamga is running. Press Ctrl+C to stop.');
  // Signals may arrive more than once (a wrapper such as tsx or pnpm forwards them too); keep
  // handling them so a repeat does not kill this process before nats-server is stopped.
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  console.log('stopping...');
  await system.stop();
  return 0;
}
