// Preloaded with `--import` into a process under test: records which modules the process loads, by
// resolved URL, one a line, in the file named by AMIBOT_TEST_MODULE_LOG. ES modules are recorded
// as they are resolved (by a resolve hook, in the loader's own thread, appended synchronously);
// CommonJS modules (Bolt, the AWS SDK's CJS builds, …) when the process exits, from the require
// cache. Test-only: nothing in src/ knows about it.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const log = process.env.AMIBOT_TEST_MODULE_LOG;
if (log && isMainThread) {
  register(new URL('./module-recorder-hooks.mjs', import.meta.url), { data: { log } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const urls = Object.keys(cache).map((p) => pathToFileURL(p).href);
    if (urls.length) appendFileSync(log, `${urls.join('\n')}\n`);
  });
}
