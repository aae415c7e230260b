// Bare @grpc/grpc-js unary echo server (proto-loader codecs), the ceiling that bench:api compares
// the API against. Usage: node api-echo-server.mjs <port>
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const port = Number(process.argv[2] ?? 0);
const def = protoLoader.loadSync(fileURLToPath(new URL('./api-echo.proto', import.meta.url)));
const pkg = grpc.loadPackageDefinition(def);
const server = new grpc.Server();
server.addService(pkg.aepo.bench.v1.EchoService.service, {
  Echo: (call, callback) => callback(null, { id: call.request.id }),
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) throw err;
  process.stdout.write(`listening ${bound}\n`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
