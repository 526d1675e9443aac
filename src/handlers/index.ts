import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import type { Answerer } from '../answer/answer-pool.js';
import { ACTION_IDS, actionIdPattern, baseActionId } from '../blocks/actions.js';
import { FILE_REQUEST_CALLBACK_ID, FILE_REQUEST_SHORTCUT_ID } from '../blocks/file-request-modal.js';
import { HOME_ACTION_IDS } from '../blocks/home.js';
import { GOLDEN_SCAN_ACTION } from '../blocks/promotion.js';
import { REJECT_MODAL_CALLBACK_ID } from '../blocks/reject-modal.js';
import { WHY_FIX_ACTION } from '../blocks/why.js';
import type { Deps } from '../deps.js';
import { clicks } from '../metrics.js';
import { createAccessFileHandler } from './access-action.js';
import { createAmiCommandHandler } from './ami-command.js';
import { createAppHomeOpenedHandler, createHomeApproveHandler, createHomeRejectHandler } from './app-home.js';
import { createApproveHandler, createRejectHandler, createRejectSubmitHandler } from './approval-actions.js';
import { createFileRequestShortcutHandler, createFileRequestSubmitHandler } from './file-request.js';
import { registerGoldenActions } from './golden-actions.js';
import { createPruneFileHandler } from './prune-action.js';
import { registerReminderActions } from './reminder-actions.js';
import { createShowActionHandler } from './show-action.js';

/** The action id families (and dialog callback ids) the metrics name; any other is counted as `other`. */
const CLICK_FAMILIES: ReadonlySet<string> = new Set([
  ...Object.values(ACTION_IDS),
  GOLDEN_SCAN_ACTION,
  WHY_FIX_ACTION,
  REJECT_MODAL_CALLBACK_ID,
]);

/** The family of a click (`ami_show:3` → `ami_show`) or dialog submission; undefined for anything else. */
export function clickFamily(body: AnyMiddlewareArgs['body']): string | undefined {
  const b = body as {
    type?: unknown;
    actions?: Array<{ action_id?: unknown }>;
    view?: { callback_id?: unknown };
  };
  const id =
    b.type === 'block_actions'
      ? b.actions?.[0]?.action_id
      : b.type === 'view_submission'
        ? b.view?.callback_id
        : undefined;
  if (id === undefined) return undefined;
  const family = typeof id === 'string' ? baseActionId(id) : '';
  return CLICK_FAMILIES.has(family) ? family : 'other';
}

/** Counts clicks and dialog submissions (`amibot_clicks_total`) by family and whether their listener threw. */
const countClicks: Middleware<AnyMiddlewareArgs> = async ({ body, next }) => {
  const family = clickFamily(body);
  if (family === undefined) return next();
  try {
    await next();
    clicks.labels(family, 'ok').inc();
  } catch (err) {
    clicks.labels(family, 'error').inc();
    throw err;
  }
};

/** Every Slack listener, registered in one place. Each lives in its own file. */
export function registerHandlers(app: App, deps: Deps, answerer: Answerer): void {
  app.use(countClicks);
  app.command('/ami', createAmiCommandHandler(answerer));
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(ACTION_IDS.amiShow) },
    createShowActionHandler(answerer),
  );
  app.action({ type: 'block_actions', action_id: ACTION_IDS.requestApprove }, createApproveHandler(deps));
  app.action({ type: 'block_actions', action_id: ACTION_IDS.requestReject }, createRejectHandler(deps));
  app.view(
    { type: 'view_submission', callback_id: REJECT_MODAL_CALLBACK_ID },
    createRejectSubmitHandler(deps),
  );
  registerReminderActions(app, deps);
  app.action({ type: 'block_actions', action_id: ACTION_IDS.pruneFile }, createPruneFileHandler(answerer));
  registerGoldenActions(app, deps);
  app.action({ type: 'block_actions', action_id: ACTION_IDS.accessFile }, createAccessFileHandler(answerer));
  app.event('app_home_opened', createAppHomeOpenedHandler(deps));
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(HOME_ACTION_IDS.approve) },
    createHomeApproveHandler(deps),
  );
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(HOME_ACTION_IDS.reject) },
    createHomeRejectHandler(deps),
  );
  app.shortcut(
    { type: 'shortcut', callback_id: FILE_REQUEST_SHORTCUT_ID },
    createFileRequestShortcutHandler(deps),
  );
  app.view(
    { type: 'view_submission', callback_id: FILE_REQUEST_CALLBACK_ID },
    createFileRequestSubmitHandler(deps),
  );
}
