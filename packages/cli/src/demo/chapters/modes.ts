/**
 * The demo's chapter on graded stops: a `reduce` switch stops an agent publishing on a platform
 * while its deletes still go through, then a gradual restart lets 50%, 75%, then all of the
 * posts through on schedule (the same posts at every step), each step in the audit trail.
 * Checked against what the operator's own service answers, on a platform the traffic does not use.
 */
import type { KillSwitchService } from '@rtv/policy';
import type { LiveView } from '../live-view';

export interface ModesChapterContext {
  stage: { operator: KillSwitchService };
  view: LiveView;
  timeline: { phaseMs: number };
  check(passed: boolean, text: string): void;
}

const OPERATOR = 'alice@ops';
const PLATFORM = 'threads';
const CLIENT = 'client_a';
const POSTS = Array.from({ length: 1000 }, (_, i) => `post_${i}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Which posts the agent may publish now, each post keyed so the answer is the same post to post,
 * with the share the decisions carried; undefined when a step boundary fell inside the sample.
 */
function publishable(operator: KillSwitchService): { allowed: string[]; share: number } | undefined {
  const allowed: string[] = [];
  let share: number | undefined;
  for (const key of POSTS) {
    const decision = operator.check({ clientId: CLIENT, platform: PLATFORM, action: 'publish', key });
    // Released (no switch): everything goes through.
    const seen = decision.switch === null ? 1 : (decision.fraction ?? 0);
    if (share !== undefined && seen !== share) return undefined;
    share = seen;
    if (!decision.tripped) allowed.push(key);
  }
  return { allowed, share: share ?? 1 };
}

async function reduceLetsDeletesThrough(ctx: ModesChapterContext, id: string): Promise<void> {
  const { operator } = ctx.stage;
  await operator.activate({
    id,
    reason: 'Threads posts going out garbled; stop publishing, keep clean-up running',
    activatedBy: OPERATOR,
    mode: 'reduce',
  });
  ctx.view.event(
    `${OPERATOR} activated ${id} in reduce mode (platform ${PLATFORM}): deletes, unpublishes, cancels go through`,
  );
  const publish = operator.check({ clientId: CLIENT, platform: PLATFORM, action: 'publish' });
  const deletion = operator.check({ clientId: CLIENT, platform: PLATFORM, action: 'delete' });
  ctx.view.event(
    `publish -> ${publish.tripped ? 'blocked' : 'allowed'} (${publish.reasonCode}, level ${publish.level}); delete -> ${deletion.tripped ? 'blocked' : 'allowed'} (${deletion.reasonCode})`,
  );
  ctx.check(
    publish.tripped && publish.reasonCode === 'REDUCE_ONLY',
    `publishing on ${PLATFORM} is refused in reduce mode`,
  );
  ctx.check(
    !deletion.tripped && deletion.mode === 'reduce',
    `deleting a garbled post on ${PLATFORM} still goes through`,
  );
}

async function restartStepsUp(ctx: ModesChapterContext, id: string): Promise<void> {
  const { operator } = ctx.stage;
  const everyMs = Math.max(1000, ctx.timeline.phaseMs);
  const result = await operator.deactivate({
    id,
    reason: 'Threads fixed; restarting publishing gradually',
    deactivatedBy: OPERATOR,
    restart: { steps: [0.5, 0.75, 1], everyMs },
  });
  // The schedule runs from the database's start time: the share is a function of the plan and the clock.
  const startedAt = result.switch.restart ? Date.parse(result.switch.restart.startedAt) : Date.now();
  ctx.view.event(`${OPERATOR} released ${id} gradually: 50% -> 75% -> 100%, a step every ${everyMs} ms`);
  let previous: string[] = [];
  for (const [step, share] of [0.5, 0.75, 1].entries()) {
    await sleep(Math.max(0, startedAt + step * everyMs + 50 - Date.now()));
    if (step > 0) await operator.sweepRestarts();
    let sample = publishable(operator);
    for (let retry = 0; sample === undefined && retry < 3; retry++) sample = publishable(operator);
    const allowed = sample?.allowed ?? [];
    const pct = allowed.length / POSTS.length;
    ctx.view.event(`step ${step + 1}: ${allowed.length} of ${POSTS.length} posts may publish (target ${share * 100}%)`);
    ctx.check(
      sample?.share === share && Math.abs(pct - share) <= 0.06,
      `restart step ${step + 1} lets about ${share * 100}% through (${(pct * 100).toFixed(1)}%)`,
    );
    if (step > 0) {
      const kept = previous.every((key) => allowed.includes(key));
      ctx.check(kept, `every post let through at step ${step} is still let through at step ${step + 1}`);
    }
    previous = allowed;
  }
  const released = !(await operator.getById(id)).isActive;
  ctx.check(released, 'after the last step the switch is released, and the history records every step');
}

export async function chapterModes(ctx: ModesChapterContext): Promise<void> {
  ctx.view.chapter(`5. Graded stops on ${PLATFORM}: reduce lets deletes through; a gradual restart steps up`);
  const { operator } = ctx.stage;
  const sw = await operator.ensure({
    scope: 'platform',
    targetType: 'platform',
    targetValue: PLATFORM,
    createdBy: OPERATOR,
  });
  // A previous run on a real database may have left it on.
  if (sw.isActive)
    await operator.deactivate({ id: sw.id, reason: 'demo: reset before the chapter', deactivatedBy: OPERATOR });
  await reduceLetsDeletesThrough(ctx, sw.id);
  await restartStepsUp(ctx, sw.id);
  const steps = (await operator.getHistory(sw.id)).filter((entry) => entry.action.startsWith('restart_'));
  ctx.view.event(
    `history: ${steps.map((entry) => `${entry.action} ${(entry.metadata as { fraction?: number }).fraction ?? ''}`).join(', ')}`,
  );
}
