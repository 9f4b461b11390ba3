// Entry point of the `ocfkit` executable (bundled into dist/bin/ocfkit).
import { hideBin } from 'yargs/helpers';
import { runCli } from './app.js';

process.exitCode = await runCli(hideBin(process.argv));
