// Loaded with `--import` into the processes `bench/memory.ts` measures (plain JavaScript, so the
// compiled build runs it as it is). When the process has an IPC channel (the bench forks it with
// one), it answers `{ type: 'memory-probe', id, gc? }` with `process.memoryUsage()` of the main
// thread, after a full garbage collection when `gc` is set. Without an IPC channel it does nothing.
// Its own cost is a few hundred KiB of RSS (the bench reports the bare Node process with it).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

if (process.send) {
  let gc;
  process.on('message', (msg) => {
    if (typeof msg !== 'object' || msg === null || msg.type !== 'memory-probe') return;
    if (msg.gc) {
      if (!gc) {
        setFlagsFromString('--expose-gc');
        gc = runInNewContext('gc');
      }
      gc();
    }
    const m = process.memoryUsage();
    process.send({
      type: 'memory-probe',
      id: msg.id,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
    });
  });
  // The channel does not keep the process alive on its own.
  process.channel?.unref();
}
