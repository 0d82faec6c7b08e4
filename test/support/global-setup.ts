import type { TestProject } from 'vitest/node';
import { hashPassword } from '../../src/accounts/passwords.js';
import { TEST_PASSWORD } from './accounts.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** TEST_PASSWORD hashed once for the whole run, at the production cost (see support/accounts.ts). */
    testPasswordHash: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('testPasswordHash', await hashPassword(TEST_PASSWORD));
}
