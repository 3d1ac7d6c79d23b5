/**
 * The check path: "may this action run now?" answered from the in-process
 * snapshot with at most eight map look-ups and no I/O. In steady state a
 * check allocates nothing: answers are built once per switch (and once per
 * failure reason) and handed back frozen, with an already-resolved promise
 * for the awaited form. One check in CHECK_TIMING_SAMPLE is timed.
 */
import { startTimer } from '../clock';
import { ValidationError } from '../errors';
import type { Clock } from '../ports';
import type { SnapshotSync } from '../sync/snapshot-sync';
import type { CheckContext, CheckResult } from '../types';
import { checkContextIssue } from '../validation';
import { CHECK_TIMING_SAMPLE, CheckCounters } from './check-stats';
import type { Verdict } from './decision';
import { decisionsAt } from './entry-decisions';
import { type ModeQuery, decideAmongModes } from './mode-decision';
import { type Snapshot, createSnapshot } from './snapshot';
import { type IndexedSwitch, findBlockingSwitch } from './switch-index';
import { createUnavailableAnswer } from './unavailable-answer';

export interface CheckerOptions {
  sync: Pick<SnapshotSync, 'current' | 'stale' | 'confirmedAt' | 'ready'>;
  clock: Clock;
  failOpen: boolean;
  maxStalenessMs: number;
  startupTimeoutMs: number;
  /** Time every check and put its duration on the result (allocates per check). */
  timeEachCheck: boolean;
  /** What a `reduce` switch naming no actions lets through. */
  riskReducingActions: readonly string[];
}

export interface Checker {
  isTripped(context: CheckContext): Promise<CheckResult>;
  check(context: CheckContext): CheckResult;
  /** From now on every check answers by the failure policy, saying the service is closed. */
  close(): void;
  readonly counters: CheckCounters;
}

const SAMPLE_MASK = CHECK_TIMING_SAMPLE - 1;
/** Stands for "no snapshot yet" so the current one is never undefined to the type system. */
const EMPTY = createSnapshot(-1, [], '');
/** `match` found the state unusable (not loaded, stale or closed). */
const UNUSABLE = 0;

/** A cold instance's first checks wait for the first load, at most `timeoutMs`; one wait shared by all. */
function firstLoadWaiter(sync: Pick<SnapshotSync, 'ready'>, clock: Clock, timeoutMs: number): () => Promise<void> {
  let firstLoad: Promise<void> | undefined;
  return () => {
    firstLoad ??= new Promise<void>((resolve) => {
      const cancel = startTimer(clock, resolve, timeoutMs);
      void sync.ready.then(() => {
        cancel();
        resolve();
      });
    });
    return firstLoad;
  };
}

/** Reading the caller's context threw (a getter, a proxy): a bad input, never an exception out of a check. */
function unreadableContext(error: unknown): ValidationError {
  const detail = error instanceof Error ? error.message : String(error);
  return new ValidationError(`context could not be read: ${detail}`, [
    { field: 'context', message: 'could not be read' },
  ]);
}

export function createChecker(options: CheckerOptions): Checker {
  const { sync, clock, timeEachCheck } = options;
  const counters = new CheckCounters();
  let closed = false;
  const unavailable = createUnavailableAnswer({ ...options, counters, isClosed: () => closed });

  /** Reused for every check that needs the modes' slow path: a check allocates no query of its own. */
  const query: ModeQuery = {
    clientId: '',
    action: '',
    platform: undefined,
    key: undefined,
    now: 0,
    riskReducing: new Set(options.riskReducingActions),
  };

  /** The snapshot the check under way reads (set by `match`): its answers carry its version. */
  let decidedOn: Snapshot = EMPTY;

  /** The highest-priority match, undefined when none, or UNUSABLE: the fast path, as before modes. */
  function match(context: CheckContext): IndexedSwitch | undefined | typeof UNUSABLE {
    const snapshot = sync.current;
    if (snapshot === undefined || sync.stale || closed) return UNUSABLE;
    decidedOn = snapshot;
    const index = snapshot.index;
    if (index.size === 0) return undefined;
    const now = index.hasExpiring ? clock.now() : 0;
    return findBlockingSwitch(index, context.clientId, context.action, context.platform ?? undefined, now);
  }

  /**
   * What a match decides, counted: a halt is its own answer; another mode (only in an index
   * holding modes) may let the action through or defer to a more restrictive match.
   */
  function settle(hit: IndexedSwitch, context: CheckContext): Verdict {
    const index = decidedOn.index;
    let decided: Verdict;
    if (!index.hasModes || hit.summary.mode === 'halt') {
      decided = decisionsAt(hit, index.version);
    } else {
      query.clientId = context.clientId;
      query.action = context.action;
      query.platform = context.platform ?? undefined;
      query.key = context.key;
      query.now = index.hasExpiring ? clock.now() : 0;
      decided = decideAmongModes(index, query);
    }
    if (decided.result.tripped) counters.tripped++;
    return decided;
  }

  /** Nothing matched: the state's own answer, carrying its version. */
  const clear = () => decidedOn.index.clear;

  /** Counts the check and returns its shared answer. */
  function answer(context: CheckContext): CheckResult {
    counters.checks++;
    const hit = match(context);
    if (hit === undefined) return clear().result;
    if (hit === UNUSABLE) return unavailable().result;
    return settle(hit, context).result;
  }

  function timedAnswer(context: CheckContext): CheckResult {
    const startedAt = performance.now();
    const result = answer(context);
    const durationMs = performance.now() - startedAt;
    counters.recordDuration(durationMs);
    return timeEachCheck ? Object.freeze({ ...result, checkDurationMs: durationMs }) : result;
  }

  const timedNext = () => timeEachCheck || ((counters.checks + 1) & SAMPLE_MASK) === 0;

  function decide(context: CheckContext): CheckResult {
    return timedNext() ? timedAnswer(context) : answer(context);
  }

  function decideResolved(context: CheckContext): Promise<CheckResult> {
    if (timedNext()) return Promise.resolve(timedAnswer(context));
    counters.checks++;
    const hit = match(context);
    if (hit === undefined) return clear().resolved;
    if (hit === UNUSABLE) return unavailable().resolved;
    return settle(hit, context).resolved;
  }

  const waitForFirstLoad = firstLoadWaiter(sync, clock, options.startupTimeoutMs);

  return {
    counters,
    isTripped(context) {
      try {
        const issue = checkContextIssue(context);
        if (issue !== undefined) return Promise.reject(issue);
        if (sync.current === undefined && !closed) return waitForFirstLoad().then(() => decide(context));
        return decideResolved(context);
      } catch (error) {
        return Promise.reject(unreadableContext(error));
      }
    },
    check(context) {
      let issue: ValidationError | undefined;
      try {
        issue = checkContextIssue(context);
        if (issue === undefined) return decide(context);
      } catch (error) {
        throw unreadableContext(error);
      }
      throw issue;
    },
    close() {
      closed = true;
    },
  };
}
