import { parseArgs } from 'node:util';
import { startSystem } from '../system/start-system.ts';

const HELP = `tamga start [--data DIR] [--nats-port N] [--base-port N] [--lab CODE]

Starts nats-server (JetStream, data under DIR/nats) and every service as its own process.
Store: MongoDB when MONGO_URL is set, else the embedded SQLite backend under DIR (kept across restarts).`;

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: process.env.TAMGA_DATA ?? '.data' },
      'nats-port': { type: 'string', default: '4222' },
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
    natsPort: Number(values['nats-port']),
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
