// Every core test case, in the order runners execute them.
import type { CoreCase } from './harness.js';
import { cases as frameCache } from './frame-cache.cases.js';

export const allCases: CoreCase[] = [...frameCache];
