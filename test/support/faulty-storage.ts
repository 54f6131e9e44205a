// A log's storage with faults injected: a method for which `fault` answers an error throws it
// instead of running; every other member is the real one.
import type { LogStorage } from '../../server/storage/storage.ts';

export function faultyStorage(
  storage: LogStorage,
  fault: (method: string) => Error | undefined,
): LogStorage {
  return new Proxy(storage, {
    get(target, property) {
      const error = typeof property === 'string' ? fault(property) : undefined;
      if (error !== undefined) {
        return () => {
          throw error;
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
