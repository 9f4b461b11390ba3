// The service of the test cluster (test/cluster/nodes.ts), run by ocf:heartbeat:anything:
//
//   node counter.mjs DATA_FILE ACK_DIR PORT [PERIOD_MS]
//
// Every PERIOD_MS (default 50) it appends the next value of a counter to DATA_FILE, one line per
// value, and fsyncs. Only once fsync has returned is the value acknowledged: it is then written to
// ACK_DIR/<instance>.ack, outside the cluster's file system, where the test reads what was
// acknowledged before a failure and checks that all of it is on the survivor's disk.
// It answers every TCP connection on PORT with "<instance> <last acknowledged value>\n", which is
// how a client (the test's probe in the hub namespace, through the VIP) sees the service.
//
// <instance> is nodeN.PID.START_MS: a restarted service is a new instance. On start it continues
// after the last complete line of DATA_FILE (a torn last line, never acknowledged, is cut off).
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';

const [dataFile, ackDir, port, period = '50'] = process.argv.slice(2);
if (!dataFile || !ackDir || !port) {
  console.error('usage: counter.mjs DATA_FILE ACK_DIR PORT [PERIOD_MS]');
  process.exit(2);
}
const instance = `${hostname()}.${process.pid}.${Date.now()}`;

let text = existsSync(dataFile) ? readFileSync(dataFile, 'utf8') : '';
const data = openSync(dataFile, 'a+');
if (text.length > 0 && !text.endsWith('\n')) {
  text = text.slice(0, text.lastIndexOf('\n') + 1);
  ftruncateSync(data, Buffer.byteLength(text));
}
const lines = text.split('\n').filter(Boolean);
let value = lines.length > 0 ? Number(lines[lines.length - 1]) : 0;
if (!Number.isSafeInteger(value)) {
  console.error(`counter.mjs: the last line of ${dataFile} is not a number`);
  process.exit(1);
}

const ack = openSync(join(ackDir, `${instance}.ack`), 'w');
let acknowledged = value;
const acknowledge = () => writeSync(ack, `${acknowledged}\n`, 0); // grows only: no stale tail
acknowledge();

const timer = setInterval(() => {
  writeSync(data, `${value + 1}\n`);
  fsyncSync(data);
  value += 1;
  acknowledged = value;
  acknowledge();
}, Number(period));

const server = createServer((socket) => {
  socket.on('error', () => {});
  socket.end(`${instance} ${acknowledged}\n`);
});
server.listen(Number(port), '0.0.0.0');

process.on('SIGTERM', () => {
  clearInterval(timer);
  server.close();
  closeSync(data);
  process.exit(0);
});
