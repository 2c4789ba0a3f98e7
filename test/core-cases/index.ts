// Every core test case, in the order runners execute them.
import type { CoreCase } from './harness.js';
import { cases as frameCache } from './frame-cache.cases.js';
import { cases as tables } from './tables.cases.js';
import { cases as pool } from './pool.cases.js';
import { cases as liveMap } from './live-map.cases.js';
import { cases as lifecycle } from './lifecycle.cases.js';
import { cases as corruption } from './corruption.cases.js';
import { cases as snapshot } from './snapshot.cases.js';
import { cases as fuzz } from './fuzz.cases.js';
import { cases as recycle } from './recycle.cases.js';
import { cases as layout } from './layout.cases.js';

export const allCases: CoreCase[] = [...frameCache, ...tables, ...pool, ...liveMap, ...lifecycle, ...corruption, ...snapshot, ...fuzz, ...recycle, ...layout];
