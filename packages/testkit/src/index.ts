export { startNats, findNatsServer } from './nats.ts';
export type { NatsServer, StartNatsOptions, RestartOptions } from './nats.ts';
export { startProcess, tsxCommand } from './process.ts';
export type { StartProcessOptions, RunningProcess, ProcessExit } from './process.ts';
export { freePort, tempDir } from './fs.ts';
export { TestkitErrors } from './errors.ts';
export { resolveMongo } from './mongo.ts';
export type { MongoServer, MongoResolution } from './mongo.ts';
