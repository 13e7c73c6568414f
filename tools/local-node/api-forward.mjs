// The API server for the real node's pods: kubernetes.default's endpoint is the address the API
// server advertises (198.18.0.1, tools/local-cluster/addresses.yaml), but the control plane listens
// on 127.0.0.1 only; this relays that address's API port to it, byte for byte (TLS passes through:
// the pods verify the API server's own certificate, by its name kubernetes.default.svc).
//   node api-forward.mjs <listen address> <port> <target address> <port>
import { connect, createServer } from 'node:net';

const [host, port, targetHost, targetPort] = process.argv.slice(2);
if (!host || !Number(port) || !targetHost || !Number(targetPort)) {
  console.error('usage: node api-forward.mjs <listen address> <port> <target address> <port>');
  process.exit(2);
}
const server = createServer((client) => {
  const upstream = connect(Number(targetPort), targetHost);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
  client.pipe(upstream).pipe(client);
});
server.on('error', (error) => {
  console.error(`api-forward: ${error.message}`);
  process.exit(1);
});
server.listen(Number(port), host, () => console.log(`api-forward: ${host}:${port} -> ${targetHost}:${targetPort}`));
