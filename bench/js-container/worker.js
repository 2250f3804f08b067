// The benchmark's JavaScript side: the e2e worker's `Pool` class written
// with the official JS library (@cloudflare/containers), bundled by
// bench/runtime.sh with esbuild and served by the same workerd, on the
// same image, as ours.
import { Container, getContainer } from "@cloudflare/containers";

export class JsPool extends Container {
  defaultPort = 8080;
  sleepAfter = "10m";
  enableInternet = false;

  // The hop-only measure: the object answers without its container.
  async fetch(request) {
    if (request.headers.get("x-container") === "echo") return new Response("hi");
    return super.fetch(request);
  }
}

export default {
  async fetch(request, env) {
    const kind = request.headers.get("x-container");
    if (kind === "none") return new Response("unknown x-container", { status: 400 });
    if (kind === "echo") return getContainer(env.JS_POOL, "echo").fetch(request);
    const name = request.headers.get("x-instance") ?? "default";
    return getContainer(env.JS_POOL, name).fetch(request);
  },
};
