// How the main job's demos talk to the user: a line per stage with the seconds it took, a progress
// line while a stage waits for more than a few seconds, and, when something does not happen, one
// plain sentence saying what, with the log file that has the details (never a stack trace).
import { appendFileSync, mkdirSync } from 'node:fs';

export interface Demo {
  /** Runs one stage: "[ 12.3 s] title ..." then "[ 40.1 s] title: done in 27.8 s". */
  stage<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Appends details (command output, cluster logs) to the demo's log file. */
  log(text: string): void;
  readonly logFile: string;
}

const PROGRESS_EVERY_MS = 10_000;

/**
 * Runs a demo. `body` throws when something did not happen; the first line of its message is
 * the sentence the user reads, the rest goes to the log file. `cleanup` always runs.
 */
export async function runDemo(
  name: string,
  body: (demo: Demo) => Promise<void>,
  cleanup: () => Promise<void> = async () => undefined,
): Promise<never> {
  const started = Date.now();
  mkdirSync('/var/tmp/ocfkit-demo', { recursive: true });
  const logFile = `/var/tmp/ocfkit-demo/${name}-${new Date(started).toISOString().replace(/[:.]/g, '-')}.log`;
  const at = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`;
  const log = (text: string) => appendFileSync(logFile, `${new Date().toISOString()} ${text}\n`);
  const demo: Demo = {
    logFile,
    log,
    async stage(title, fn) {
      const t0 = Date.now();
      console.log(`${at()} ${title} ...`);
      log(`stage: ${title}`);
      const ticker = setInterval(
        () => console.log(`${at()}   ... ${Math.round((Date.now() - t0) / 1000)} s into this stage`),
        PROGRESS_EVERY_MS,
      );
      try {
        return await fn();
      } finally {
        clearInterval(ticker);
        console.log(`${at()} ${title}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    },
  };
  let failure: unknown;
  try {
    await body(demo);
  } catch (error) {
    failure = error;
  }
  try {
    await demo.stage('tearing down', cleanup);
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) {
    const message = failure instanceof Error ? failure.message : String(failure);
    log(`FAILED: ${message}\n${failure instanceof Error ? (failure.stack ?? '') : ''}`);
    console.error(`${at()} ${name} FAILED: ${message.split('\n')[0]}. Details: ${logFile}`);
    process.exit(1);
  }
  console.log(`${at()} ${name}: done; log in ${logFile}`);
  process.exit(0);
}
