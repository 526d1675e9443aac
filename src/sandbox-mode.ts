import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Whether `main.ts` starts the local sandbox (the real bot against the fakes in `dev/`) instead of
 * the bot. The sandbox and the fakes are not part of the product: they live outside `src/`, are
 * not compiled into `dist/` nor shipped in the image, and are loaded with a dynamic import only
 * when this says so.
 */

export type SandboxDecision =
  | { mode: 'bot' }
  | { mode: 'sandbox' }
  /** Asked for the sandbox where it must never run; `reason` says why, for the operator. */
  | { mode: 'refuse'; reason: string };

/** `production`, `Production`, `prod`, ` PROD `: anything that reads as production. */
export function looksLikeProduction(nodeEnv: string | undefined): boolean {
  return /^\s*prod/i.test(nodeEnv ?? '');
}

const ON = new Set(['1', 'true', 'yes', 'on']);
const OFF = new Set(['0', 'false', 'no', 'off']);

/**
 * No Slack token (or `AMIBOT_SANDBOX=1`) on a developer machine: the sandbox. Under a production
 * `NODE_ENV`, in any spelling, never: a missing token is then a configuration error, and an
 * explicit `AMIBOT_SANDBOX=1` is refused outright.
 */
export function sandboxDecision(env: Record<string, string | undefined>): SandboxDecision {
  const flag = env.AMIBOT_SANDBOX?.trim().toLowerCase() ?? '';
  const asked = ON.has(flag);
  const production = looksLikeProduction(env.NODE_ENV);
  if (production) {
    return asked
      ? {
          mode: 'refuse',
          reason: `AMIBOT_SANDBOX=${env.AMIBOT_SANDBOX?.trim()} is refused: NODE_ENV is "${env.NODE_ENV?.trim()}", and the sandbox (a pretend Slack and AWS) never runs in production. Unset one of them.`,
        }
      : { mode: 'bot' };
  }
  if (asked) return { mode: 'sandbox' };
  if (OFF.has(flag)) return { mode: 'bot' };
  return env.SLACK_BOT_TOKEN?.trim() ? { mode: 'bot' } : { mode: 'sandbox' };
}

/**
 * Loads the sandbox from the source tree (`dev/sandbox`, TypeScript). From the sources (`npm start`)
 * it is imported as it is; from the compiled build (`node dist/main.js`) it is imported through
 * tsx's loader when the checkout has `dev/` and tsx installed (a developer's clone). The image has
 * neither, so there the sandbox does not exist. The specifiers are built at run time so the
 * production build never follows them: `dist/` holds no fake.
 */
export async function loadSandbox(): Promise<
  { runSandbox(env?: Record<string, string | undefined>): Promise<void> } | undefined
> {
  const entry = new URL(['..', 'dev', 'sandbox', 'run-sandbox.ts'].join('/'), import.meta.url);
  if (!import.meta.url.endsWith('.ts')) {
    if (!existsSync(fileURLToPath(entry))) return undefined;
    try {
      const tsxApi = ['tsx', 'esm', 'api'].join('/');
      const { register } = (await import(tsxApi)) as { register: () => unknown };
      register();
    } catch {
      return undefined;
    }
  }
  return (await import(entry.href)) as {
    runSandbox(env?: Record<string, string | undefined>): Promise<void>;
  };
}
