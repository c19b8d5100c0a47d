// opendcv's native addons (binding.gyp → build/Release/NAME.node): peer credentials, PAM, libyuv. One place
// knows where the build puts them; Node's module cache makes each load happen once.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The addon `name`; throws as require does when it was not built or a library it needs is missing. */
export function nativeAddon<T>(name: string): T {
  // dist/src/host/ → the package root
  return require(`../../../build/Release/${name}.node`) as T;
}
