// The benchmark's JavaScript side: the e2e worker's `Pool` class written
// with the official JS library (@cloudflare/containers), bundled by
// bench/runtime.sh with esbuild and served by the same workerd, on the
// same image, as ours.
import { Container, getContainer } from "@cloudflare/containers";

export class JsPool extends Container {
  defaultPort = 8080;
  sleepAfter = "10m";
  enableInternet = false;
}

export default {
  async fetch(request, env) {
    if (request.headers.get("x-container") !== "pool") {
      return new Response("unknown x-container", { status: 400 });
    }
    const name = request.headers.get("x-instance") ?? "default";
    return getContainer(env.JS_POOL, name).fetch(request);
  },
};
