import {
  status,
  type Server,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';

type Observe = (method: string, code: string, seconds: number) => void;

const codeName = (code: unknown): string =>
  typeof code === 'number' && status[code] !== undefined ? String(status[code]) : 'UNKNOWN';

/**
 * Wraps every handler added to `server` so each call is observed once, by full method name and final
 * status code (unary and client-streaming via the callback, server streams via end/error/cancel).
 */
export function instrumentServer(server: Server, observe: Observe): void {
  const addService = server.addService.bind(server);
  server.addService = (service: ServiceDefinition, implementation: UntypedServiceImplementation) => {
    const wrapped: UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(implementation)) {
      const def = service[name];
      if (!def) {
        wrapped[name] = handler;
        continue;
      }
      const method = def.path.replace(/^\//, '');
      if (!def.responseStream) {
        wrapped[name] = ((call: unknown, callback: (err: unknown, ...rest: unknown[]) => void) => {
          const start = process.hrtime.bigint();
          const fn = handler as (call: unknown, cb: typeof callback) => unknown;
          return fn(call, (err, ...rest) => {
            const code = err ? codeName((err as { code?: unknown }).code) : 'OK';
            observe(method, code, Number(process.hrtime.bigint() - start) / 1e9);
            callback(err, ...rest);
          });
        }) as typeof handler;
      } else {
        wrapped[name] = ((call: NodeJS.EventEmitter & { end: (...a: unknown[]) => void }) => {
          const start = process.hrtime.bigint();
          let done = false;
          const finish = (code: string) => {
            if (done) return;
            done = true;
            observe(method, code, Number(process.hrtime.bigint() - start) / 1e9);
          };
          const end = call.end.bind(call);
          call.end = (...args: unknown[]) => {
            finish('OK');
            end(...args);
          };
          const emit = call.emit.bind(call);
          call.emit = (event: string | symbol, ...args: unknown[]) => {
            if (event === 'error') finish(codeName((args[0] as { code?: unknown } | undefined)?.code));
            if (event === 'cancelled') finish('CANCELLED');
            return emit(event, ...args);
          };
          return (handler as (c: unknown) => unknown)(call);
        }) as typeof handler;
      }
    }
    addService(service, wrapped);
  };
}
