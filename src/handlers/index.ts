import type { App } from '@slack/bolt';
import { ACTION_IDS, actionIdPattern } from '../blocks/actions.js';
import type { Deps } from '../deps.js';
import { createAmiCommandHandler } from './ami-command.js';
import { createShowActionHandler } from './show-action.js';

/** Every Slack listener, registered in one place. Each lives in its own file. */
export function registerHandlers(app: App, deps: Deps): void {
  app.command('/ami', createAmiCommandHandler(deps));
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(ACTION_IDS.amiShow) },
    createShowActionHandler(deps),
  );
}
