import {
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  ServerInterceptingCall,
} from '@grpc/grpc-js';

type CallStatus = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];
type CallListener = Parameters<ServerInterceptingCallInterface['start']>[0];
type Observe = (method: string, code: string, seconds: number) => void;

const codeName = (code: unknown): string =>
  typeof code === 'number' && status[code] !== undefined ? String(status[code]) : 'UNKNOWN';

/**
 * Observes every call once, by full method name and the status code the client really got. It must
 * be the first interceptor: it then wraps grpc-js's own call object, whose sendStatus also carries the
 * answers grpc-js gives before any handler runs (a message over the size limit is RESOURCE_EXHAUSTED,
 * a deadline DEADLINE_EXCEEDED); a call the client cancels counts as CANCELLED.
 */
export function callMetricsInterceptor(observe: Observe): ServerInterceptor {
  return (method, call: ServerInterceptingCallInterface) => {
    const name = method.path.replace(/^\//, '');
    const begin = process.hrtime.bigint();
    let done = false;
    const finish = (code: string) => {
      if (done) return;
      done = true;
      observe(name, code, Number(process.hrtime.bigint() - begin) / 1e9);
    };
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (s: CallStatus) => {
      finish(codeName(s.code));
      sendStatus(s);
    };
    const start = call.start.bind(call);
    call.start = (listener: CallListener) =>
      start({
        onReceiveMetadata: (metadata) => listener.onReceiveMetadata(metadata),
        onReceiveMessage: (message) => listener.onReceiveMessage(message),
        onReceiveHalfClose: () => listener.onReceiveHalfClose(),
        onCancel: () => {
          finish('CANCELLED');
          listener.onCancel();
        },
      });
    return new ServerInterceptingCall(call);
  };
}
