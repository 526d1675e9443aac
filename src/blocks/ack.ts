/** A small "working on it" message to show while AWS answers. Pure. */
import { context, esc, message, type SlackMessage } from './message.js';

/** `🔎 Searching…` — `text` is the activity, e.g. `Searching for ubuntu 24.04 arm64…`. */
export function renderWorking(text = 'Searching…'): SlackMessage {
  const line = `🔎 ${esc(text, 500)}`;
  return message(line, [context([line])]);
}
