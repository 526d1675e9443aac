import type { App } from '@slack/bolt';
import type { Answerer } from '../answer/answer-pool.js';
import { ACTION_IDS, actionIdPattern } from '../blocks/actions.js';
import { FILE_REQUEST_CALLBACK_ID, FILE_REQUEST_SHORTCUT_ID } from '../blocks/file-request-modal.js';
import { HOME_ACTION_IDS } from '../blocks/home.js';
import { REJECT_MODAL_CALLBACK_ID } from '../blocks/reject-modal.js';
import type { Deps } from '../deps.js';
import { createAccessFileHandler } from './access-action.js';
import { createAmiCommandHandler } from './ami-command.js';
import { createAppHomeOpenedHandler, createHomeApproveHandler, createHomeRejectHandler } from './app-home.js';
import { createApproveHandler, createRejectHandler, createRejectSubmitHandler } from './approval-actions.js';
import { createFileRequestShortcutHandler, createFileRequestSubmitHandler } from './file-request.js';
import { registerGoldenActions } from './golden-actions.js';
import { createPruneFileHandler } from './prune-action.js';
import { registerReminderActions } from './reminder-actions.js';
import { createShowActionHandler } from './show-action.js';

/** Every Slack listener, registered in one place. Each lives in its own file. */
export function registerHandlers(app: App, deps: Deps, answerer: Answerer): void {
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
