import { createMemoryStore } from '../src/index.ts';
import { storeContract } from './contract.ts';

storeContract('memory', () => Promise.resolve(createMemoryStore({ quiet: true })));
