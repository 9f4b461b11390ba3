// The test cluster's client (test/cluster/nodes.ts), run in the hub namespace where the nodes'
// cables meet:
//
//   node probe.mjs HOST PORT [PERIOD_MS]
//
// Opens a TCP connection to HOST:PORT (the VIP, the counter service behind it) every PERIOD_MS
// (default 50), each with its own 1 s deadline, so that attempts overlap and the moment the
// service answers again is seen to within PERIOD_MS even while connections hang (no ARP answer
// for the VIP). One line per attempt:
//   "<epoch ms when the answer arrived> ok <instance> <value>"   the service answered
//   "<epoch ms when the attempt started> fail"                   refused, reset or timed out
// Runs until killed.
import { connect } from 'node:net';

const [host, port, period = '50'] = process.argv.slice(2);
if (!host || !port) {
  console.error('usage: probe.mjs HOST PORT [PERIOD_MS]');
  process.exit(2);
}

function attempt() {
  const started = Date.now();
  let answer = '';
  let done = false;
  const socket = connect({ host, port: Number(port) });
  const finish = (ok) => {
    if (done) return;
    done = true;
    socket.destroy();
    const fields = answer.trim().split(' ');
    const good = ok && fields.length === 2;
    process.stdout.write(good ? `${Date.now()} ok ${fields[0]} ${fields[1]}\n` : `${started} fail\n`);
  };
  socket.setTimeout(1000, () => finish(false));
  socket.on('data', (chunk) => (answer += chunk));
  socket.on('end', () => finish(true));
  socket.on('error', () => finish(false));
}
setInterval(attempt, Number(period));
